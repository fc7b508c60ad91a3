// What `interforce watch` follows: entries as they are written here or accepted from peers, read from the log
// (so nothing is missed between polls) and summarised for an officer: which force, which record, what changed.

public import InterforceCore
import InterforceStore

extension Node {
    /// The current log head, logging that `reader` started watching (one row for the whole watch).
    public func startWatch(record: String?, reader: Reader) throws -> Int64 {
        if let record { _ = try heldRecord(record) }
        try logRead("read", reader, record: record, detail: ["view": "watch"])
        return try store.logHead()
    }

    /// Entries written or accepted after log row `after` (optionally of one record), and the new head.
    public func watchEvents(after: Int64, record: String?, limit: Int = 200) throws -> (head: Int64, events: [JSONValue]) {
        let rows = try store.logRows(after: after, kinds: nil, limit: limit)
        var events: [JSONValue] = []
        for row in rows where ["write", "accept", "erase"].contains(row.event.kind) {
            guard let hash = row.event.entry, record == nil || row.event.record == record,
                  let stored = try store.storedEntry(hash: hash)
            else { continue }
            let h = stored.entry.header
            var e: [String: JSONValue] = [
                "at": .string(ISOTime.format(millis: h.clock.time)), "force": .string(h.force),
                "record": .string(h.record), "type": .string(h.type.rawValue), "op": .string(h.op.rawValue),
                "seq": .int(h.seq), "entry": .string(hash),
            ]
            if let payload = stored.payload { e["change"] = payload }
            events.append(.object(e))
        }
        return (rows.last?.seq ?? after, events)
    }
}
