// What `audit verify` asks the store beyond the entries themselves: whether the feed heads are the positions
// held, and whether every entry and marker the log says was admitted is still held (or was rolled back, with its
// own log row). Deleting an entry together with its record, or editing a feed head, shows here.

public import InterforceCore

extension Store {
    /// One feed's head as the `feeds` table holds it, beside the highest position actually held.
    public struct FeedHeadCheck: Sendable {
        public let author: String
        public let headSeq: Int64
        public let headHash: String
        public let heldSeq: Int64?
        public let heldHash: String?
    }

    /// Every feed in the `feeds` table, and every author of held entries or markers that has no row there.
    public func feedHeadChecks() throws -> [FeedHeadCheck] {
        try db.query("""
            WITH held AS (SELECT author, seq, hash FROM entries UNION ALL SELECT author, seq, hash FROM withheld),
                 top AS (SELECT author, max(seq) AS seq FROM held GROUP BY author)
            SELECT f.author, f.head_seq, f.head_hash, t.seq, (SELECT hash FROM held h WHERE h.author = t.author
                                                                   AND h.seq = t.seq LIMIT 1)
                FROM feeds f LEFT JOIN top t ON t.author = f.author
            UNION ALL
            SELECT t.author, 0, '', t.seq, NULL FROM top t WHERE t.author NOT IN (SELECT author FROM feeds)
            """).map {
            FeedHeadCheck(author: $0.text(0) ?? "", headSeq: $0.int(1) ?? 0, headHash: $0.text(2) ?? "",
                          heldSeq: $0.int(3), heldHash: $0.text(4))
        }
    }

    /// Log rows that record an entry or marker as admitted (`accept`, `write`, `erase`, `withheld`) whose entry is
    /// neither held nor rolled back: (log seq, kind, feed, entry hash).
    public func loggedButNotHeld() throws -> [(seq: Int64, kind: String, author: String, entry: String)] {
        try db.query("""
            SELECT l.seq, l.kind, l.author, l.entry FROM log l
            WHERE l.kind IN ('accept', 'write', 'erase', 'withheld') AND l.entry IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.hash = l.entry)
              AND NOT EXISTS (SELECT 1 FROM withheld w WHERE w.hash = l.entry)
              AND NOT EXISTS (SELECT 1 FROM rolled_back r WHERE r.hash = l.entry)
            ORDER BY l.seq
            """).map { ($0.int(0) ?? 0, $0.text(1) ?? "", $0.text(2) ?? "", $0.text(3) ?? "") }
    }
}

// What the store keeps beside the records' states, for `audit verify` to hold to the states and entries: the
// columns and the full-text row derived from each state, and the forces that wrote to each record.
extension Store {
    /// One record's derived columns as stored: the `records` columns beside `state`, its full-text body (nil if it
    /// has no row in `records_fts`) and its `record_forces` rows.
    public struct DerivedRecordRow: Sendable {
        public let type: String
        public let classification: String?
        public let createdTime: Int64
        public let updatedTime: Int64
        public let erased: Int64
        public let searchText: String?
        public let forces: Set<String>
    }

    /// Every record's derived columns, by id.
    public func derivedRecordRows() throws -> [String: DerivedRecordRow] {
        var forces: [String: Set<String>] = [:]
        for r in try db.query("SELECT record, force FROM record_forces") {
            forces[r.text(0) ?? "", default: []].insert(r.text(1) ?? "")
        }
        var out: [String: DerivedRecordRow] = [:]
        for r in try db.query("""
            SELECT r.id, r.type, r.classification, r.created_time, r.updated_time, r.erased, f.body
                FROM records r LEFT JOIN records_fts f ON f.rowid = r.rowid
            """) {
            let id = r.text(0) ?? ""
            out[id] = DerivedRecordRow(type: r.text(1) ?? "", classification: r.text(2), createdTime: r.int(3) ?? 0,
                                       updatedTime: r.int(4) ?? 0, erased: r.int(5) ?? 0, searchText: r.text(6),
                                       forces: forces[id] ?? [])
        }
        return out
    }

    /// Problems of the full-text index itself: rows for no record, and FTS5's own check of its index against its
    /// content (https://sqlite.org/fts5.html#the_integrity_check_command).
    public func searchIndexProblems() throws -> [String] {
        var problems: [String] = []
        let orphans = try db.queryOne("SELECT count(*) FROM records_fts WHERE rowid NOT IN (SELECT rowid FROM records)")?
            .int(0) ?? 0
        if orphans > 0 { problems.append("full-text index: \(orphans) row(s) for no record (altered)") }
        do { try db.run("INSERT INTO records_fts(records_fts) VALUES ('integrity-check')") } catch {
            problems.append("full-text index: its index does not match its content (altered): \(error)")
        }
        return problems
    }

    /// Every withheld marker held (a marker that cannot be read is returned as its position, to be reported).
    public func allWithheld() throws -> [Result<WithheldMarker, StoreError>] {
        try db.query("SELECT seq, hash, audience, key, signature, author FROM withheld ORDER BY author, seq").map { r in
            let author = r.text(5) ?? ""
            do { return .success(try Self.marker(author, r)) } catch {
                return .failure(StoreError("withheld marker of \(author) seq \(r.int(0) ?? 0): unreadable (altered)"))
            }
        }
    }

    /// Every equivocation row: its hash, and the envelope if it can be read.
    public func equivocationRows() throws -> [(hash: String, envelope: EntryEnvelope?)] {
        try db.query("SELECT hash, envelope FROM equivocations ORDER BY hash").map { r in
            (r.text(0) ?? "", (try? JSONValue(parsing: r.text(1) ?? "")).flatMap { try? EntryEnvelope(json: $0) })
        }
    }

    /// Every fork row as its key (feed, seq, hash_a, hash_b) and whether its evidence names the same.
    public func forkRows() throws -> [(feed: String, seq: Int64, hashes: [String], evidence: ForkEvidence?)] {
        try db.query("SELECT feed, seq, hash_a, hash_b, evidence FROM forks ORDER BY feed, seq").map { r in
            (r.text(0) ?? "", r.int(1) ?? 0, [r.text(2) ?? "", r.text(3) ?? ""],
             (try? JSONValue(parsing: r.text(4) ?? "")).flatMap { try? ForkEvidence(json: $0) })
        }
    }
}

extension Store {
    /// Every erasure evidence row: the write it is kept for, that write's record (nil if the write is not held),
    /// and the erase entry if it can be read.
    public func erasureEvidenceRows() throws -> [(entry: String, record: String?, envelope: EntryEnvelope?)] {
        try db.query("""
            SELECT x.entry, e.record, x.envelope FROM erasure_evidence x LEFT JOIN entries e ON e.hash = x.entry
                ORDER BY x.entry
            """).map { r in
            (r.text(0) ?? "", r.text(1),
             (try? JSONValue(parsing: r.text(2) ?? "")).flatMap { try? EntryEnvelope(json: $0) })
        }
    }
}
