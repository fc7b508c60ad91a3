// Reads for an authenticated caller: every record passes the policy (Policy.swift) before anything of it is
// returned, every read is logged with the officer, account and purpose before its result leaves the node, and a
// refusal is a `deny` row (past the first 20 of an account and reason in a minute, counted: PolicyDenials.swift).
//
// A lookup by id never tells a record that is not held here from one the caller may not see: both end in ``Unseen``,
// which the session answers and logs alike (UnseenLookups.swift); any other refusal is a ``Denial``, which the session
// logs as a `deny` row, or counts (PolicyDenials.swift). A query never reveals that a hidden record exists:
// records the caller may not read are left out before the limit is counted (the store is asked for further pages
// until the limit is filled or the matches run out), and the logged result count is what the caller saw. An entries
// export replaces each entry of a record the caller may not read by its withheld marker (hash and audience, no
// content), so the exported feeds stay gap-free.

import Foundation
import InterforceCore
import InterforceStore

extension Node {
    /// Appends the read's log row (its officer and account come from the store's actor).
    func logRead(_ kind: String, _ purpose: Purpose, record: String?, detail: JSONValue) throws {
        try store.transaction {
            try store.appendLog(
                LogEvent(kind: kind, purpose: purpose.logged, record: record, detail: detail), at: now())
        }
    }

    /// Throws a ``Denial`` unless the policy allows; the session logs it (PolicyDenials.swift) and answers `denied`.
    func enforce(
        _ caller: Caller, _ permission: Permission, _ operation: LocalOperation, purpose: Purpose?,
        record: (id: String, facts: RecordFacts)? = nil
    ) throws {
        if case .deny(let reason, let message) = Policy.decide(caller, permission, record: record?.facts) {
            throw Denial(
                reason: reason, message: record.map { "record \($0.id): " + message } ?? message,
                operation: operation, purpose: purpose, record: record?.id)
        }
    }

    /// A record held here that the caller may act on with `permission`. Throws ``Unseen`` when none is held or
    /// need-to-know refuses it (its `deny` row is the session's to write); other refusals as `enforce`.
    func visibleRecord(
        _ id: String, _ caller: Caller, _ permission: Permission, _ operation: LocalOperation,
        purpose: Purpose?
    ) throws -> RecordState {
        guard Identifiers.isRecordID(id) else { throw NodeError("'\(id.prefix(60))' is not a record id") }
        guard let state = try store.recordState(id) else { throw Unseen(record: id, refusal: nil) }
        let facts = facts(state)
        if case .deny(reason: "need-to-know", let message) = Policy.decide(caller, permission, record: facts) {
            throw Unseen(record: id, refusal: "record \(id): " + message)
        }
        try enforce(caller, permission, operation, purpose: purpose, record: (id, facts))
        return state
    }

    /// What the policy needs of `state`, as this node judges it (Policy.swift: names by a force entitled to the
    /// record, in an entry marked as the record is now).
    func facts(_ state: RecordState) -> RecordFacts {
        RecordFacts(
            state, at: config.force,
            admits: { force, audience, author in isEntitled(force: force, to: audience, authorForce: author) },
            marking: { [store] hash in try? store.storedEntry(hash: hash)?.entry.header.classification })
    }

    func mayRead(_ caller: Caller, _ state: RecordState) -> Bool {
        // A cleared caller needs no names: a query does not look up who wrote them.
        let cleared = caller.clearance >= .officialSensitive
        return Policy.decide(
            caller, .readRecords,
            record: cleared ? RecordFacts(marking: state.classification ?? .official, named: []) : facts(state))
            == .allow
    }

    // MARK: Records

    func show(_ id: String, _ caller: Caller, _ purpose: Purpose) throws -> RecordState {
        let state = try visibleRecord(id, caller, .readRecords, .recordShow, purpose: purpose)
        try logRead("read", purpose, record: id, detail: ["view": "show"])
        return state
    }

    func history(_ id: String, _ caller: Caller, _ purpose: Purpose) throws -> [EntryEnvelope] {
        _ = try visibleRecord(id, caller, .readRecords, .recordHistory, purpose: purpose)
        try logRead("read", purpose, record: id, detail: ["view": "history"])
        return try store.entries(record: id).map(\.envelope)
    }

    /// The first `q.limit` matches the caller may read, newest update first, each same-as cluster once (its
    /// newest match stands for it; Node+SameAsReads.swift). Also returns, for results in a cluster of two or more,
    /// the cluster's members.
    func query(_ q: RecordQuery, _ caller: Caller, _ purpose: Purpose) throws
        -> (records: [RecordState], clusters: [String: [String]]) {
        var results: [RecordState] = []
        let clusters = try clusters(for: caller)
        var page = q
        while results.count < q.limit {
            let batch = try store.search(page)
            results += collapsingClusters(results + batch.filter { mayRead(caller, $0) }, clusters).kept
                .dropFirst(results.count).prefix(q.limit - results.count)
            guard batch.count == page.limit, let last = batch.last else { break }
            page.after = (last.updated?.clock.time ?? 0, last.id)
            // The first page is the limit (a caller who may read everything needs no more); later pages grow, so
            // many hidden records cost few round trips.
            page.limit = min(page.limit * 2, 2_000)
        }
        var filters: [String: JSONValue] = ["limit": .int(Int64(q.limit))]
        if let t = q.text { filters["text"] = .string(t) }
        if let t = q.type { filters["type"] = .string(t.rawValue) }
        if let f = q.force { filters["force"] = .string(f) }
        if let c = q.classification { filters["classification"] = .string(c.rawValue) }
        if let s = q.updatedSince { filters["since"] = .int(s) }
        if let u = q.updatedUntil { filters["until"] = .int(u) }
        try logRead(
            "query", purpose, record: nil,
            detail: [
                "filters": .object(filters),
                "results": .int(Int64(results.count)),
            ])
        return (results, collapsingClusters(results, clusters).members)
    }

    // MARK: Pages

    /// Entries of `feeds[index...]` from `after`, at most `limit` items or about `maxBytes` of JSON; entries of
    /// records the caller may not read become withheld markers. Returns the items and where to continue (nil: done).
    func exportPage(
        feeds: [String], index: Int, after: Int64, caller: Caller, limit: Int,
        maxBytes: Int = 4 << 20
    ) throws -> (items: [Delivery], next: (index: Int, after: Int64)?) {
        var items: [Delivery] = []
        var bytes = 0
        var index = index
        var after = after
        var readable: [String: Bool] = [:]
        while index < feeds.count {
            let want = limit - items.count
            let batch = try store.entries(author: feeds[index], after: after, limit: want)
            for stored in batch {
                let record = stored.entry.header.record
                if readable[record] == nil {
                    readable[record] = try store.recordState(record).map { mayRead(caller, $0) } ?? false
                }
                let item: Delivery =
                    readable[record]!
                    ? .entry(try envelopeForSending(stored))
                    : .withheld(WithheldMarker(stored))
                items.append(item)
                bytes += item.json.canonicalBytes.count
                after = stored.entry.header.seq
                if items.count >= limit || bytes >= maxBytes { return (items, (index, after)) }
            }
            if batch.count < want { (index, after) = (index + 1, 0) }
        }
        return (items, nil)
    }

    /// Log rows after `after` up to `until`, at most `limit`.
    func logPage(after: Int64, until: Int64, limit: Int) throws -> (rows: [LogRow], next: Int64?) {
        let rows = try store.logRows(after: after, kinds: nil, limit: limit).filter { $0.seq <= until }
        guard let last = rows.last, last.seq < until else { return (rows, nil) }
        return (rows, last.seq)
    }

    /// Entries written or accepted after log row `after` (of one record, or all), as the caller may see them: events
    /// of records they may not read are left out. Returns the events and the log row to continue after.
    func watchPage(
        after: Int64, record: String?, caller: Caller, limit: Int = 200
    ) throws
        -> (events: [WatchEvent], head: Int64)
    {
        let rows = try store.logRows(after: after, kinds: nil, limit: limit)
        var events: [WatchEvent] = []
        for row in rows where ["write", "accept", "erase"].contains(row.event.kind) {
            guard let hash = row.event.entry, record == nil || row.event.record == record,
                let stored = try store.storedEntry(hash: hash),
                let state = try store.recordState(stored.entry.header.record), mayRead(caller, state)
            else { continue }
            let h = stored.entry.header
            events.append(
                WatchEvent(
                    at: h.clock.time, force: h.force, record: h.record, type: h.type.rawValue,
                    op: h.op.rawValue, seq: h.seq, entry: hash, change: stored.payload))
        }
        return (events, rows.last?.seq ?? after)
    }

}

/// A lookup of a record that is not held here, or that the caller may not see (`refusal` is then need-to-know's
/// message, for the `deny` row): the caller is told the same either way (``Unseen/answer(to:)``).
struct Unseen: Error {
    let record: String
    let refusal: String?

    /// The answer, on its way out of the node's lock to be held until ``LocalNode/unseenAnswerNanoseconds``.
    struct Answer: Error { let error: APIError }

    /// The one answer to both: what a caller cleared for everything is told of a record not held, and for anyone
    /// else the two possibilities together.
    func answer(to caller: Caller) -> APIError {
        guard caller.clearance < .officialSensitive else {
            return APIError(.notFound, "no record \(record) on this node")
        }
        return APIError(
            .notFound,
            "no record \(record) that \(caller.label) may see: none is held here, or it is OFFICIAL-SENSITIVE and "
                + "\(caller.label) is neither cleared for OFFICIAL-SENSITIVE nor named on it")
    }
}

extension Node {
    /// Runs `body` in one store transaction: many writes, one commit (bulk loads and benchmarks). The node's own
    /// writes inside it nest as savepoints.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T { try store.transaction(body) }
}
