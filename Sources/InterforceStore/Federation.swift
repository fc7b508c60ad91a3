// Store support for replication: withheld feed positions, equivocation evidence, and per-peer status.
//
// A node that is not in an entry's audience never receives the entry; it receives a *withheld marker* (feed,
// seq, hash, audience) in its place, so that its copy of the feed stays gap-free and the next entry's prev hash
// still checks. Markers carry no record id, type or content.

public import InterforceCore
import Foundation

/// A feed position whose entry is withheld from this node: the author's position statement for it.
public typealias WithheldMarker = PositionStatement

extension PositionStatement {
    /// The statement of a stored entry (as a marker for a peer outside its audience, or as fork evidence).
    public init(_ stored: StoredEntry) {
        let h = stored.entry.header
        self.init(author: h.author, seq: h.seq, hash: stored.entry.hash, audience: h.audience, key: h.key,
                  signature: stored.position)
    }
}

/// One position of a feed as this node holds it.
public enum FeedItem: Sendable {
    case entry(StoredEntry)
    case withheld(WithheldMarker)

    public var seq: Int64 {
        switch self {
        case .entry(let e): e.entry.header.seq
        case .withheld(let w): w.seq
        }
    }
}

public struct PeerRecord: Sendable {
    public let peer: String
    public let lastSuccess: Int64?
    public let lastError: String?
    public let lastErrorAt: Int64?
    public let entriesSent: Int64
    public let entriesReceived: Int64
    /// The peer's version vector as last seen.
    public let vector: [String: Int64]
}

extension Store {
    /// Records a withheld position and advances the feed head to it (the head clock stays that of the last entry held).
    public func insertWithheld(_ marker: WithheldMarker, receivedAt: Int64) throws {
        let clock = try feedHead(marker.author)?.clock ?? .zero
        try db.run("""
            INSERT INTO withheld(author, seq, hash, audience, key, signature, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, .text(marker.author), .int(marker.seq), .text(marker.hash.hex),
            .text(marker.audience.json.canonicalText), .text(marker.key.hex), .text(marker.signature.hex), .int(receivedAt))
        try db.run("""
            INSERT INTO feeds(author, head_seq, head_hash, head_time, head_tick) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(author) DO UPDATE SET head_seq = excluded.head_seq, head_hash = excluded.head_hash
            """, .text(marker.author), .int(marker.seq), .text(marker.hash.hex), .int(clock.time), .int(clock.tick))
    }

    public func withheld(author: String, seq: Int64) throws -> WithheldMarker? {
        guard let r = try db.queryOne("SELECT seq, hash, audience, key, signature FROM withheld WHERE author = ? AND seq = ?",
                                      .text(author), .int(seq))
        else { return nil }
        return try Self.marker(author, r)
    }

    /// The hash held at a feed position (entry or withheld marker), if any.
    public func hashAt(author: String, seq: Int64) throws -> String? {
        try db.queryOne("""
            SELECT hash FROM entries WHERE author = ? AND seq = ?
            UNION ALL SELECT hash FROM withheld WHERE author = ? AND seq = ?
            """, .text(author), .int(seq), .text(author), .int(seq))?.text(0)
    }

    /// Every withheld position: feed -> seq -> hash.
    public func withheldPositions() throws -> [String: [Int64: String]] {
        var out: [String: [Int64: String]] = [:]
        for r in try db.query("SELECT author, seq, hash FROM withheld") {
            out[r.text(0) ?? "", default: [:]][r.int(1) ?? 0] = r.text(2) ?? ""
        }
        return out
    }

    /// Positions of one feed with seq > `after`, entries and markers merged in seq order.
    public func feedItems(author: String, after: Int64, limit: Int) throws -> [FeedItem] {
        var items = try entries(author: author, after: after, limit: limit).map { FeedItem.entry($0) }
        let markers = try db.query("""
            SELECT seq, hash, audience, key, signature FROM withheld WHERE author = ? AND seq > ? ORDER BY seq LIMIT ?
            """, .text(author), .int(after), .int(Int64(limit)))
        for r in markers { items.append(.withheld(try Self.marker(author, r))) }
        items.sort { $0.seq < $1.seq }
        return Array(items.prefix(limit))
    }

    static func marker(_ author: String, _ r: Row) throws -> WithheldMarker {
        guard let hash = SHA256Digest(hex: r.text(1) ?? ""),
              let audience = try? Audience(json: JSONValue(parsing: r.text(2) ?? "")),
              let key = try? PublicKey(hex: r.text(3) ?? ""), let signature = try? Signature(hex: r.text(4) ?? "")
        else { throw StoreError("withheld marker of \(author) cannot be read (run 'interforce audit verify')") }
        return WithheldMarker(author: author, seq: r.int(0) ?? 0, hash: hash, audience: audience, key: key,
                              signature: signature)
    }

    /// Keeps a second, different, validly signed entry for a feed position as evidence and flags the feed.
    public func recordEquivocation(_ envelope: EntryEnvelope, peer: String?, receivedAt: Int64) throws {
        let h = envelope.entry.header
        try db.run("""
            INSERT OR IGNORE INTO equivocations(hash, author, seq, envelope, peer, received_at) VALUES (?, ?, ?, ?, ?, ?)
            """, .text(envelope.entry.hash.hex), .text(h.author), .int(h.seq), .text(envelope.json.canonicalText),
            SQLValue(peer), .int(receivedAt))
        try db.run("UPDATE feeds SET flagged = 1 WHERE author = ?", .text(h.author))
    }

    /// The erase entry that came with a write received without its payload, kept so it can be passed on.
    public func saveErasureEvidence(for entry: SHA256Digest, _ evidence: EntryEnvelope) throws {
        let e = evidence.entry.header
        try db.run("INSERT OR REPLACE INTO erasure_evidence(entry, envelope, author, seq, hash) VALUES (?, ?, ?, ?, ?)",
                   .text(entry.hex), .text(evidence.json.canonicalText), .text(e.author), .int(e.seq),
                   .text(evidence.entry.hash.hex))
    }

    /// Erasure evidence kept for a position of its own feed that is not held yet: the erase entries a write's
    /// author said it signed at (author, seq).
    public func pendingErasureEvidence(author: String, seq: Int64) throws -> [EntryEnvelope] {
        try db.query("SELECT envelope FROM erasure_evidence WHERE author = ? AND seq = ?", .text(author), .int(seq))
            .compactMap { r in (try? JSONValue(parsing: r.text(0) ?? "")).flatMap { try? EntryEnvelope(json: $0) } }
    }

    public func erasureEvidence(for entry: SHA256Digest) throws -> EntryEnvelope? {
        guard let text = try db.queryOne("SELECT envelope FROM erasure_evidence WHERE entry = ?", .text(entry.hex))?.text(0)
        else { return nil }
        return try? EntryEnvelope(json: JSONValue(parsing: text))
    }

    /// Keeps fork evidence (two signed statements for one position) unless it is held already, and flags the feed.
    /// Returns whether it was new.
    @discardableResult
    public func saveFork(_ evidence: ForkEvidence, peer: String?, receivedAt: Int64) throws -> Bool {
        let added = try db.run("""
            INSERT OR IGNORE INTO forks(feed, seq, hash_a, hash_b, evidence, peer, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, .text(evidence.feed), .int(evidence.seq), .text(evidence.hashes[0]), .text(evidence.hashes[1]),
            .text(evidence.json.canonicalText), SQLValue(peer), .int(receivedAt))
        try db.run("UPDATE feeds SET flagged = 1 WHERE author = ?", .text(evidence.feed))
        return added > 0
    }

    /// The fork evidence held, oldest first (of one feed, or of all).
    public func forks(feed: String? = nil, limit: Int = 1000) throws -> [ForkEvidence] {
        let rows = try feed.map {
            try db.query("SELECT evidence FROM forks WHERE feed = ? ORDER BY received_at, seq LIMIT ?", .text($0),
                         .int(Int64(limit)))
        } ?? db.query("SELECT evidence FROM forks ORDER BY received_at, seq LIMIT ?", .int(Int64(limit)))
        return rows.compactMap { r in (try? JSONValue(parsing: r.text(0) ?? "")).flatMap { try? ForkEvidence(json: $0) } }
    }

    /// How many forks of `feed` are held.
    public func forkCount(feed: String) throws -> Int64 {
        try db.queryOne("SELECT count(*) FROM forks WHERE feed = ?", .text(feed))?.int(0) ?? 0
    }

    /// The feeds this node holds fork evidence for.
    public func forkedFeeds() throws -> [String] {
        try db.query("SELECT DISTINCT feed FROM forks ORDER BY feed").compactMap { $0.text(0) }
    }

    /// Removes one fork evidence (a newer membership no longer covers its statements) and refreshes the feed's flag.
    public func removeFork(_ evidence: ForkEvidence) throws {
        try db.run("DELETE FROM forks WHERE feed = ? AND seq = ? AND hash_a = ? AND hash_b = ?", .text(evidence.feed),
                   .int(evidence.seq), .text(evidence.hashes[0]), .text(evidence.hashes[1]))
        try refreshFlag(evidence.feed)
    }

    /// The second entries kept as equivocation evidence (those that cannot be read are left out).
    public func equivocations() throws -> [EntryEnvelope] {
        try db.query("SELECT envelope FROM equivocations ORDER BY received_at, hash")
            .compactMap { r in (try? JSONValue(parsing: r.text(0) ?? "")).flatMap { try? EntryEnvelope(json: $0) } }
    }

    /// Moves an equivocation's entry to `rolled_back` (kept as it was) and refreshes the feed's flag.
    public func rollBackEquivocation(_ envelope: EntryEnvelope, version: Int64, at: Int64) throws {
        let h = envelope.entry.header
        try keepRolledBack(author: h.author, seq: h.seq, hash: envelope.entry.hash.hex, item: envelope.json,
                           version: version, at: at)
        try db.run("DELETE FROM equivocations WHERE hash = ?", .text(envelope.entry.hash.hex))
        try refreshFlag(h.author)
    }

    /// A feed is flagged while any fork evidence or equivocation of it is held.
    func refreshFlag(_ feed: String) throws {
        try db.run("""
            UPDATE feeds SET flagged = (EXISTS (SELECT 1 FROM forks WHERE feed = ?1)
                                        OR EXISTS (SELECT 1 FROM equivocations WHERE author = ?1)) WHERE author = ?1
            """, .text(feed))
    }

    public func flaggedFeeds() throws -> [String] {
        try db.query("SELECT author FROM feeds WHERE flagged = 1 ORDER BY author").compactMap { $0.text(0) }
    }

    public func equivocationCount() throws -> Int64 {
        try db.queryOne("SELECT count(*) FROM equivocations")?.int(0) ?? 0
    }

    // MARK: Peers

    public func notePeerSuccess(_ peer: String, at: Int64, sent: Int64 = 0, received: Int64 = 0) throws {
        try db.run("""
            INSERT INTO peers(peer, last_success, entries_sent, entries_received) VALUES (?, ?, ?, ?)
            ON CONFLICT(peer) DO UPDATE SET last_success = excluded.last_success,
                entries_sent = entries_sent + excluded.entries_sent,
                entries_received = entries_received + excluded.entries_received
            """, .text(peer), .int(at), .int(sent), .int(received))
    }

    public func notePeerVector(_ peer: String, _ vector: [String: Int64]) throws {
        let text = JSONValue.object(vector.mapValues { .int($0) }).canonicalText
        try db.run("""
            INSERT INTO peers(peer, vector) VALUES (?, ?) ON CONFLICT(peer) DO UPDATE SET vector = excluded.vector
            """, .text(peer), .text(text))
    }

    public func notePeerError(_ peer: String, _ message: String, at: Int64) throws {
        try db.run("""
            INSERT INTO peers(peer, last_error, last_error_at) VALUES (?, ?, ?)
            ON CONFLICT(peer) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at
            """, .text(peer), .text(message), .int(at))
    }

    public func peerRecords() throws -> [PeerRecord] {
        try db.query("SELECT * FROM peers ORDER BY peer").map {
            PeerRecord(peer: $0.text("peer") ?? "", lastSuccess: $0.int("last_success"), lastError: $0.text("last_error"),
                       lastErrorAt: $0.int("last_error_at"), entriesSent: $0.int("entries_sent") ?? 0,
                       entriesReceived: $0.int("entries_received") ?? 0,
                       vector: ((try? JSONValue(parsing: $0.text("vector") ?? "{}"))?.object ?? [:]).compactMapValues(\.int))
        }
    }

    /// The newest log rows after `seq` of the given kinds (for `watch`).
    /// Log rows after `seq`, optionally only of `kinds`, oldest first.
    public func logRows(after seq: Int64, kinds: [String]?, limit: Int) throws -> [LogRow] {
        let kindSQL = kinds.map { k in " AND kind IN (" + k.map { _ in "?" }.joined(separator: ", ") + ")" } ?? ""
        return try db.query("SELECT * FROM log WHERE seq > ?\(kindSQL) ORDER BY seq LIMIT ?",
                            values: [.int(seq)] + (kinds ?? []).map { .text($0) } + [.int(Int64(limit))])
            .map(Self.logRow)
    }

    public func logHead() throws -> Int64 {
        try db.queryOne("SELECT max(seq) FROM log")?.int(0) ?? 0
    }
}
