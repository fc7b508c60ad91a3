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
