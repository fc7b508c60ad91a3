// The node's SQLite store: entries, payloads, feed heads, merged record state, the full-text index and the log.
//
// One `Store` owns one connection and is confined to one thread. The node holds the single writer; readers open
// their own `Store` (WAL mode lets them read while the writer commits). Every write the node acknowledges happens
// inside `transaction`, which commits with synchronous=FULL, so an acknowledged entry survives a crash.

public import InterforceCore
import Foundation

/// An entry as held, with its payload unless erased.
public struct StoredEntry: Sendable {
    public let entry: Entry
    public let position: Signature
    public let payload: JSONValue?
    public let receivedAt: Int64
    public var envelope: EntryEnvelope { EntryEnvelope(entry: entry, position: position, payload: payload) }
}

/// What `query` filters on; nil means any.
public struct RecordQuery: Sendable {
    public var text: String?
    public var type: RecordType?
    public var force: String?
    public var classification: Classification?
    public var updatedSince: Int64?
    public var updatedUntil: Int64?
    public var includeErased = false
    public var limit = 50
    /// Continue after this record in the result order (newest update first, then id): for a caller that filters
    /// results and needs the next page to fill its limit.
    public var after: (updatedTime: Int64, id: String)?
    public init() {}
}

public struct StoreCounts: Sendable {
    public let entries: Int64, payloads: Int64, records: Int64, erased: Int64, feeds: Int64, logRows: Int64
    /// Bytes on disk of the store file and its write-ahead log.
    public let storeBytes: Int64
    public init(entries: Int64, payloads: Int64, records: Int64, erased: Int64, feeds: Int64, logRows: Int64,
                storeBytes: Int64 = 0) {
        self.entries = entries
        self.payloads = payloads
        self.records = records
        self.erased = erased
        self.feeds = feeds
        self.logRows = logRows
        self.storeBytes = storeBytes
    }
}

public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public final class Store {
    let db: Database
    /// Set by the node while it serves one local caller's request (see ``LogActor``).
    public var actor: LogActor?
    /// From how many matches a text query walks records newest first rather than sorting its matches: sorting
    /// costs about a microsecond a match, a walk about a hundred per record visited, and a walk visits about
    /// limit × records / matches. Both plans give the same results (tests set this low to check that).
    public var commonMatches = 20_000

    /// Opens (creating if needed) the store at `path` (":memory:" for tests), in WAL mode, migrated.
    public init(path: String, readOnly: Bool = false) throws {
        db = try Database(path: path, mode: readOnly ? .readOnly : .readWrite)
        if readOnly {
            try db.execute("PRAGMA busy_timeout = 5000; PRAGMA query_only = 1")
        } else {
            try db.configureForStore()
            try Migrator(StoreSchema.migrations).migrate(db)
            try initializeStateSumIfMissing()
        }
    }

    public var path: String { db.path }

    /// Runs `body` in one transaction; on a thrown error nothing of it is stored.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try db.transaction(body)
    }

    // MARK: Meta

    public func meta(_ key: String) throws -> String? {
        try db.queryOne("SELECT value FROM meta WHERE key = ?", .text(key))?.text(0)
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try db.run("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   .text(key), .text(value))
    }

    // MARK: Keys

    /// A key trusted to sign positions `fromSeq...untilSeq` (nil: no end) of one feed.
    public struct TrustedKey: Sendable, Equatable {
        public let feed: String
        public let key: PublicKey
        public let fromSeq: Int64
        public let untilSeq: Int64?
        public init(feed: String, key: PublicKey, fromSeq: Int64, untilSeq: Int64?) {
            self.feed = feed
            self.key = key
            self.fromSeq = fromSeq
            self.untilSeq = untilSeq
        }
        public func covers(_ seq: Int64) -> Bool { seq >= fromSeq && untilSeq.map { seq <= $0 } ?? true }
    }

    /// Records a trusted key in the `keys` table. The table is a record for operators and `audit verify`; the node
    /// decides trust from the verified membership (or its own log), never from this table.
    public func trust(_ k: TrustedKey) throws {
        try db.run("""
            INSERT INTO keys(public_key, feed, from_seq, until_seq) VALUES (?, ?, ?, ?)
            ON CONFLICT(public_key) DO UPDATE SET feed = excluded.feed, from_seq = excluded.from_seq,
                until_seq = excluded.until_seq
            """, .text(k.key.hex), .text(k.feed), .int(k.fromSeq), SQLValue(k.untilSeq))
    }

    /// The rows of the `keys` table as stored (unreadable rows are skipped; `audit verify` reports them).
    public func trustedKeyRows() throws -> [(hex: String, key: TrustedKey?)] {
        try db.query("SELECT public_key, feed, from_seq, until_seq FROM keys ORDER BY feed, from_seq").map {
            let hex = $0.text(0) ?? ""
            guard let key = try? PublicKey(hex: hex), let feed = $0.text(1), let from = $0.int(2) else { return (hex, nil) }
            return (hex, TrustedKey(feed: feed, key: key, fromSeq: from, untilSeq: $0.int(3)))
        }
    }

    /// Replaces every row of the `keys` table by `keys`.
    public func replaceTrustedKeys(_ keys: [TrustedKey]) throws {
        try db.run("DELETE FROM keys")
        for k in keys { try trust(k) }
    }

    // MARK: Feeds and entries

    public func feedHead(_ author: String) throws -> FeedHead? {
        guard let r = try db.queryOne("SELECT head_seq, head_hash, head_time, head_tick FROM feeds WHERE author = ?", values: [.text(author)]),
            let hash = SHA256Digest(hex: r.text(1) ?? "")
        else { return nil }
        return FeedHead(seq: r.int(0) ?? 0, hash: hash, clock: HLCTimestamp(time: r.int(2) ?? 0, tick: r.int(3) ?? 0))
    }

    /// Every feed held and its head.
    public func feedHeads() throws -> [String: FeedHead] {
        var heads: [String: FeedHead] = [:]
        for r in try db.query("SELECT author, head_seq, head_hash, head_time, head_tick FROM feeds") {
            guard let author = r.text(0), let hash = SHA256Digest(hex: r.text(2) ?? "") else { continue }
            heads[author] = FeedHead(seq: r.int(1) ?? 0, hash: hash, clock: HLCTimestamp(time: r.int(3) ?? 0, tick: r.int(4) ?? 0))
        }
        return heads
    }

    /// The version vector: every feed held and its highest seq.
    public func versionVector() throws -> [String: Int64] {
        var vector: [String: Int64] = [:]
        for r in try db.query("SELECT author, head_seq FROM feeds") { vector[r.text(0) ?? ""] = r.int(1) ?? 0 }
        return vector
    }

    public func contains(entry hash: SHA256Digest) throws -> Bool {
        try db.queryOne("SELECT 1 FROM entries WHERE hash = ?", values: [.text(hash.hex)]) != nil
    }

    /// Stores an admitted entry and its payload and advances its feed head. The caller has checked the chain.
    public func insert(_ entry: Entry, position: Signature, payload: JSONValue?, receivedAt: Int64) throws {
        let h = entry.header
        try db.run("""
            INSERT INTO entries(hash, author, seq, record, time, tick, header, signature, position, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, values: [
                .text(entry.hash.hex), .text(h.author), .int(h.seq), .text(h.record), .int(h.clock.time),
                .int(h.clock.tick), .text(String(decoding: entry.canonicalHeader, as: UTF8.self)),
                .text(entry.signature.hex), .text(position.hex), .int(receivedAt),
            ])
        if let payload {
            try db.run("INSERT INTO payloads(entry, body) VALUES (?, ?)", values: [.text(entry.hash.hex), .text(payload.canonicalText)])
        }
        try db.run("""
            INSERT INTO feeds(author, head_seq, head_hash, head_time, head_tick) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(author) DO UPDATE SET head_seq = excluded.head_seq, head_hash = excluded.head_hash,
                head_time = excluded.head_time, head_tick = excluded.head_tick
            """, values: [.text(h.author), .int(h.seq), .text(entry.hash.hex), .int(h.clock.time),
                             .int(h.clock.tick)])
    }

    public func storedEntry(hash: String) throws -> StoredEntry? {
        try db.queryOne(Self.entrySelect + " WHERE e.hash = ?", values: [.text(hash)]).map(Self.storedEntry)
    }

    /// Entries of one record in clock order (its history).
    public func entries(record: String) throws -> [StoredEntry] {
        try db.query(Self.entrySelect + " WHERE e.record = ? ORDER BY e.time, e.tick, e.author, e.hash",
                     .text(record)).map(Self.storedEntry)
    }

    /// Entries of one feed with seq > `after`, in seq order.
    public func entries(author: String, after: Int64 = 0, limit: Int = .max) throws -> [StoredEntry] {
        try db.query(Self.entrySelect + " WHERE e.author = ? AND e.seq > ? ORDER BY e.seq LIMIT ?",
                     .text(author), .int(after), .int(Int64(min(limit, Int(Int64.max))))).map(Self.storedEntry)
    }

    /// How many entries are held of `author` (every feed when nil) with seq > `after`.
    public func entryCount(author: String?, after: Int64 = 0) throws -> Int64 {
        guard let author else { return try db.queryOne("SELECT count(*) FROM entries")?.int(0) ?? 0 }
        return try db.queryOne("SELECT count(*) FROM entries WHERE author = ? AND seq > ?", .text(author),
                               .int(after))?.int(0) ?? 0
    }

    /// Every entry, feed by feed in seq order, one at a time.
    public func forEachEntry(_ body: (StoredEntry) throws -> Void) throws {
        let statement = try db.prepare(Self.entrySelect + " ORDER BY e.author, e.seq")
        while let row = try statement.step() { try body(try Self.storedEntry(row)) }
    }

    static let entrySelect = """
        SELECT e.hash, e.header, e.signature, e.received_at, p.body, e.position FROM entries e
        LEFT JOIN payloads p ON p.entry = e.hash
        """

    static func storedEntry(_ r: Row) throws -> StoredEntry {
        let hash = r.text(0) ?? ""
        guard let header = try? EntryHeader(json: JSONValue(parsing: r.text(1) ?? "")),
              let signature = try? Signature(hex: r.text(2) ?? ""),
              let position = try? Signature(hex: r.text(5) ?? "")
        else { throw StoreError("stored entry \(hash) cannot be read (run 'interforce audit verify')") }
        let payload = try r.text(4).map { text in
            guard let v = try? JSONValue(parsing: text) else {
                throw StoreError("stored payload of entry \(hash) cannot be read (run 'interforce audit verify')")
            }
            return v
        }
        return StoredEntry(entry: Entry(header: header, signature: signature), position: position, payload: payload,
                           receivedAt: r.int(3) ?? 0)
    }

    /// Raw rows for verification: the stored hash, header text, signature and payload text exactly as held.
    public func forEachRawEntry(
        _ body: (_ hash: String, _ header: String, _ signature: String, _ position: String, _ payload: String?) throws -> Void
    ) throws {
        let statement = try db.prepare("""
            SELECT e.hash, e.header, e.signature, e.position, p.body FROM entries e
            LEFT JOIN payloads p ON p.entry = e.hash ORDER BY e.author, e.seq
            """)
        while let r = try statement.step() {
            try body(r.text(0) ?? "", r.text(1) ?? "", r.text(2) ?? "", r.text(3) ?? "", r.text(4))
        }
    }

    /// Deletes the payloads of a record's write entries (erase entries keep theirs): of every author, or only of
    /// the feeds of `force`. Returns how many were dropped.
    public func dropPayloads(record: String, force: String? = nil) throws -> Int {
        guard let force else {
            return try db.run("""
                DELETE FROM payloads WHERE entry IN (SELECT hash FROM entries WHERE record = ?
                    AND json_extract(header, '$.op') = 'write')
                """, .text(record))
        }
        // Feed ids are <force>/<16 hex>: the prefix with its slash names exactly the force's feeds.
        return try db.run("""
            DELETE FROM payloads WHERE entry IN (SELECT hash FROM entries WHERE record = ?
                AND json_extract(header, '$.op') = 'write' AND substr(author, 1, ?) = ?)
            """, .text(record), .int(Int64(force.utf8.count + 1)), .text(force + "/"))
    }

    // MARK: Records

    public func recordState(_ id: String) throws -> RecordState? {
        guard let r = try db.queryOne("SELECT state FROM records WHERE id = ?", values: [.text(id)]) else {
            return nil
        }
        return try Self.state(r.text(0))
    }

    static func state(_ text: String?) throws -> RecordState {
        guard let text, let json = try? JSONValue(parsing: text), let state = try? RecordState(json: json) else {
            throw StoreError("stored record state cannot be read (run 'interforce audit verify')")
        }
        return state
    }

    /// Writes a record's merged state, its full-text row and the forces that wrote to it, and moves the state digest's
    /// sum from the record's old term to its new one.
    public func save(_ state: RecordState, writtenBy force: String) throws {
        let bytes = state.canonicalBytes
        let hash = SHA256Digest.hash(bytes).hex
        let held = try db.queryOne("SELECT rowid, state_hash FROM records WHERE id = ?", .text(state.id))
        try db.run("""
            INSERT INTO records(id, type, classification, created_time, updated_time, erased, state, state_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET classification = excluded.classification,
                created_time = excluded.created_time, updated_time = excluded.updated_time,
                erased = excluded.erased, state = excluded.state, state_hash = excluded.state_hash
            """, values: [
                .text(state.id), .text(state.type.rawValue), SQLValue(state.classification?.rawValue),
                .int(state.created?.clock.time ?? 0), .int(state.updated?.clock.time ?? 0),
                .int(state.isErased ? 1 : 0), .text(String(decoding: bytes, as: UTF8.self)), .text(hash),
            ])
        let rowid: Int64
        if let held, let id = held.int(0) {
            rowid = id
            try db.run("DELETE FROM records_fts WHERE rowid = ?", values: [.int(rowid)])
        } else {
            rowid = db.lastInsertRowID
        }
        if held?.text(1) != hash {
            try moveStateSum(id: state.id, from: held?.text(1), to: hash)
        }
        let text = state.searchText
        if !text.isEmpty {
            try db.run("INSERT INTO records_fts(rowid, body) VALUES (?, ?)", values: [.int(rowid), .text(text)])
        }
        try db.run("INSERT OR IGNORE INTO record_forces(record, force) VALUES (?, ?)", values: [.text(state.id), .text(force)])
    }

    /// The meta row holding the state digest's sum (StateDigest.swift), hex.
    static let stateSumKey = "state-digest-sum"

    /// Replaces record `id`'s term in the state digest's sum: `old` out (nil: the record is new), `new` in (nil: the
    /// record is gone).
    func moveStateSum(id: String, from old: String?, to new: String?) throws {
        var sum = try storedStateSum() ?? .zero
        if let old { sum -= StateDigest.term(id: id, stateHash: old) }
        if let new { sum += StateDigest.term(id: id, stateHash: new) }
        try setMeta(Self.stateSumKey, sum.hex)
    }

    private func storedStateSum() throws -> StateDigest.Sum? {
        try meta(Self.stateSumKey).flatMap(StateDigest.Sum.init(hex:))
    }

    /// Computes the sum from every record and stores it, for a store written before the sum was kept.
    func initializeStateSumIfMissing() throws {
        guard try meta(Self.stateSumKey) == nil else { return }
        try transaction {
            var sum = StateDigest.Sum.zero
            let statement = try db.prepare("SELECT id, state_hash FROM records")
            while let r = try statement.step() { sum += StateDigest.term(id: r.text(0) ?? "", stateHash: r.text(1) ?? "") }
            try setMeta(Self.stateSumKey, sum.hex)
        }
    }

    public func search(_ q: RecordQuery) throws -> [RecordState] {
        var clauses: [String] = [], values: [SQLValue] = []
        var from = "records r"
        if let text = q.text, !text.isEmpty {
            let match = Self.ftsQuery(text)
            if try matchesAtLeast(match, commonMatches) {
                // A word in a large share of the records: walk records newest first and check each against the
                // index, stopping at the limit, instead of sorting every match (FTS5 takes the rowid range).
                clauses.append("""
                    EXISTS (SELECT 1 FROM records_fts f WHERE records_fts MATCH ? AND f.rowid >= r.rowid
                        AND f.rowid <= r.rowid)
                    """)
            } else {
                from += " JOIN records_fts f ON f.rowid = r.rowid"
                clauses.append("records_fts MATCH ?")
            }
            values.append(.text(match))
        }
        if let t = q.type { clauses.append("r.type = ?"); values.append(.text(t.rawValue)) }
        if let c = q.classification { clauses.append("r.classification = ?"); values.append(.text(c.rawValue)) }
        if let f = q.force {
            // A force with few records: drive from its index rows. With many: walk records newest first and stop
            // at the limit (the subquery form would sort every match first).
            let held = try db.queryOne("SELECT count(*) FROM record_forces WHERE force = ?", .text(f))?.int(0) ?? 0
            clauses.append(held < 2000 ? "r.id IN (SELECT record FROM record_forces WHERE force = ?)"
                                       : "EXISTS (SELECT 1 FROM record_forces rf WHERE rf.record = r.id AND rf.force = ?)")
            values.append(.text(f))
        }
        if let s = q.updatedSince { clauses.append("r.updated_time >= ?"); values.append(.int(s)) }
        if let u = q.updatedUntil { clauses.append("r.updated_time < ?"); values.append(.int(u)) }
        if !q.includeErased { clauses.append("r.erased = 0") }
        if let after = q.after {
            clauses.append("(r.updated_time < ? OR (r.updated_time = ? AND r.id > ?))")
            values += [.int(after.updatedTime), .int(after.updatedTime), .text(after.id)]
        }
        let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        values.append(.int(Int64(q.limit)))
        return try db.query("SELECT r.state FROM \(from)\(whereSQL) ORDER BY r.updated_time DESC, r.id LIMIT ?",
                            values: values).map { try Self.state($0.text(0)) }
    }


    /// Whether the full-text index holds at least `count` records matching `match` (reads at most that many).
    func matchesAtLeast(_ match: String, _ count: Int) throws -> Bool {
        try db.queryOne("SELECT count(*) FROM (SELECT rowid FROM records_fts WHERE records_fts MATCH ? LIMIT ?)",
                        .text(match), .int(Int64(count)))?.int(0) ?? 0 >= count
    }

    /// Each word becomes a quoted FTS5 string, so officers' text never reaches FTS5 as query syntax; a trailing
    /// `*` keeps its prefix meaning.
    static func ftsQuery(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).map { word in
            let prefix = word.hasSuffix("*") && word.count > 1
            let core = prefix ? word.dropLast() : word[...]
            return "\"" + core.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (prefix ? "*" : "")
        }.joined(separator: " ")
    }

    /// Every record's id, stored state text and stored state hash, in id order.
    public func forEachRecord(_ body: (_ id: String, _ state: String, _ stateHash: String) throws -> Void) throws {
        let statement = try db.prepare("SELECT id, state, state_hash FROM records ORDER BY id")
        while let r = try statement.step() { try body(r.text(0) ?? "", r.text(1) ?? "", r.text(2) ?? "") }
    }

    /// The state digest from the sum kept on every write: one row read, whatever the store holds.
    public func stateDigest() throws -> SHA256Digest {
        guard let sum = try storedStateSum() else { return try recomputedStateDigest() }
        return sum.digest
    }

    /// The state digest from every record's stored state hash, for `audit verify` and tests to hold the kept sum to.
    public func recomputedStateDigest() throws -> SHA256Digest {
        StateDigest.compute(try db.query("SELECT id, state_hash FROM records").map {
            (id: $0.text(0) ?? "", stateHash: $0.text(1) ?? "")
        })
    }

    public func counts() throws -> StoreCounts {
        func count(_ sql: String) throws -> Int64 { try db.queryOne(sql)?.int(0) ?? 0 }
        return StoreCounts(
            entries: try count("SELECT count(*) FROM entries"), payloads: try count("SELECT count(*) FROM payloads"),
            records: try count("SELECT count(*) FROM records"),
            erased: try count("SELECT count(*) FROM records WHERE erased = 1"),
            feeds: try count("SELECT count(*) FROM feeds"), logRows: try count("SELECT count(*) FROM log"),
            storeBytes: bytesOnDisk)
    }

    /// The sizes of the store file and its write-ahead log (0 for an in-memory store).
    public var bytesOnDisk: Int64 {
        ["", "-wal"].reduce(0) { total, suffix in
            let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix))?[.size] as? NSNumber
            return total + (size?.int64Value ?? 0)
        }
    }
}


