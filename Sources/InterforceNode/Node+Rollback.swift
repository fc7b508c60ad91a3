// Revocation by feed position, applied to what a node already holds (decision 3 of the brief). A key signs the
// positions fromSeq...untilSeq of its feed. When a newer membership ends a key's range at N while this node holds
// a position after N signed by that key, that position was never valid: it, and every later position of the feed
// (which chain onto it), move to `rolled_back`, the feed head returns to the last valid position, and every record
// whose entries went is recomputed from the entries left. The honest entry at N + 1 (signed by the feed's new key)
// then admits cleanly, instead of the feed staying frozen on what a revoked key signed.

import InterforceCore
import InterforceStore

extension Node {
    /// Inside the installing transaction: rolls back every held position that `grants` no longer cover, from the
    /// first such position of each feed; logs `feed-rolled-back` per feed.
    func rollBackPositionsOutsideTheirKeys(_ grants: [PublicKey: Store.TrustedKey], version: Int64, at: Int64) throws {
        var firstInvalid: [String: Int64] = [:]
        for grant in grants.values {
            guard let until = grant.untilSeq else { continue }
            for item in try store.positions(author: grant.feed, from: until + 1) {
                let key: PublicKey
                switch item {
                case .entry(let stored): key = stored.entry.header.key
                case .withheld(let marker): key = marker.key
                }
                guard key == grant.key else { continue }
                firstInvalid[grant.feed] = min(firstInvalid[grant.feed] ?? item.seq, item.seq)
                break
            }
        }
        for (feed, from) in firstInvalid.sorted(by: { $0.key < $1.key }) {
            let (count, records) = try store.rollBack(author: feed, from: from, version: version, at: at)
            for id in records.sorted() { try recompute(id) }
            try store.appendLog(LogEvent(kind: "feed-rolled-back", author: feed, detail: [
                "fromSeq": .int(from), "count": .int(Int64(count)), "records": .int(Int64(records.count)),
                "version": .int(version),
                "message": .string("positions from \(from) on were signed by a key the membership no longer trusts there"),
            ]), at: at)
        }
    }

    /// Recomputes a record's state from the entries of it still held (with the payloads still held).
    func recompute(_ id: String) throws {
        let entries = try store.entries(record: id)
        guard let first = entries.first else {
            try store.replaceRecord(id, with: nil, forces: [])
            return
        }
        var state = RecordState(id: id, type: first.entry.header.type)
        for stored in entries {
            let h = stored.entry.header
            state.apply(stored.entry, ops: stored.payload.flatMap { try? Operations(json: $0, type: h.type, op: h.op) })
        }
        try store.replaceRecord(id, with: state, forces: Set(entries.map(\.entry.header.force)))
    }
}
