// Taking positions back out of a feed: when a newer membership ends a key's range of positions before positions
// this node already holds signed by it, those positions, and every later one of the feed, are no longer valid
// (revocation is by position, see DATA-MODEL.md). They move to `rolled_back`, kept as they were (evidence of what
// the key signed), the feed head goes back to the last valid position, and the node recomputes the records whose
// entries went.

public import InterforceCore

extension Store {
    /// Every held position of `author` from `fromSeq` on, in seq order.
    public func positions(author: String, from fromSeq: Int64) throws -> [FeedItem] {
        try feedItems(author: author, after: fromSeq - 1, limit: .max)
    }

    /// Moves the positions of `author` from `fromSeq` on into `rolled_back` (entries with their payloads, markers
    /// as markers) and resets the feed head to the position before. Returns how many positions went and the
    /// records whose entries went. Call inside a transaction.
    public func rollBack(author: String, from fromSeq: Int64, version: Int64, at: Int64)
        throws -> (count: Int, records: Set<String>) {
        var records = Set<String>(), count = 0
        for item in try positions(author: author, from: fromSeq) {
            count += 1
            switch item {
            case .entry(let stored):
                records.insert(stored.entry.header.record)
                try keepRolledBack(author: author, seq: stored.entry.header.seq, hash: stored.entry.hash.hex,
                                   item: stored.envelope.json, version: version, at: at)
                try db.run("DELETE FROM payloads WHERE entry = ?", .text(stored.entry.hash.hex))
                try db.run("DELETE FROM erasure_evidence WHERE entry = ?", .text(stored.entry.hash.hex))
                try db.run("DELETE FROM entries WHERE hash = ?", .text(stored.entry.hash.hex))
            case .withheld(let marker):
                try keepRolledBack(author: author, seq: marker.seq, hash: marker.hash.hex, item: marker.markerJSON,
                                   version: version, at: at)
                try db.run("DELETE FROM withheld WHERE author = ? AND seq = ?", .text(author), .int(marker.seq))
            }
        }
        try resetFeedHead(author)
        return (count, records)
    }

    func keepRolledBack(author: String, seq: Int64, hash: String, item: JSONValue, version: Int64, at: Int64)
        throws {
        try db.run("""
            INSERT OR REPLACE INTO rolled_back(author, seq, hash, item, version, rolled_at) VALUES (?, ?, ?, ?, ?, ?)
            """, .text(author), .int(seq), .text(hash), .text(item.canonicalText), .int(version), .int(at))
    }

    /// Sets the feed head to the highest position held (its hash; the clock of the last entry held), or removes
    /// the feed when nothing of it is held.
    func resetFeedHead(_ author: String) throws {
        let top = try db.queryOne("""
            SELECT seq, hash FROM (SELECT seq, hash FROM entries WHERE author = ? UNION ALL
                                   SELECT seq, hash FROM withheld WHERE author = ?) ORDER BY seq DESC LIMIT 1
            """, .text(author), .text(author))
        guard let top, let seq = top.int(0), let hash = top.text(1) else {
            try db.run("DELETE FROM feeds WHERE author = ?", .text(author))
            return
        }
        let clock = try db.queryOne("SELECT time, tick FROM entries WHERE author = ? ORDER BY seq DESC LIMIT 1",
                                    .text(author))
        try db.run("UPDATE feeds SET head_seq = ?, head_hash = ?, head_time = ?, head_tick = ? WHERE author = ?",
                   .int(seq), .text(hash), .int(clock?.int(0) ?? 0), .int(clock?.int(1) ?? 0), .text(author))
    }

    /// Whether the rolled-back positions include entry or marker `hash`.
    public func isRolledBack(_ hash: String) throws -> Bool {
        try db.queryOne("SELECT 1 FROM rolled_back WHERE hash = ?", .text(hash)) != nil
    }

    /// Replaces a record's stored state by `state` (recomputed from the entries left), or removes the record when
    /// no entry of it is left; the forces that wrote to it become `forces`.
    public func replaceRecord(_ id: String, with state: RecordState?, forces: Set<String>) throws {
        let held = try db.queryOne("SELECT rowid, state_hash FROM records WHERE id = ?", .text(id))
        if let rowid = held?.int(0) {
            try db.run("DELETE FROM records_fts WHERE rowid = ?", .int(rowid))
        }
        try db.run("DELETE FROM record_forces WHERE record = ?", .text(id))
        guard let state else {
            try db.run("DELETE FROM records WHERE id = ?", .text(id))
            if let old = held?.text(1) { try moveStateSum(id: id, from: old, to: nil) }
            return
        }
        for force in forces.sorted() { try save(state, writtenBy: force) }
    }
}
