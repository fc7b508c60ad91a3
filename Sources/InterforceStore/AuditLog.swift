// The replication and access log: evidence of what was sent, received, accepted, rejected and read (decision 8).
//
// Rows are numbered 1, 2, 3... and each carries the hash of the row before it (64 zeros before the first), so
// changing, inserting or deleting a row breaks the chain at that row. A row's hash is SHA-256 of the canonical
// JSON (RFC 8785) of the object {"seq", "at", "kind", "officer", "purpose", "peer", "author", "record", "entry",
// "reason", "detail", "prev"} with absent values as null, plus "account" (the Unix account of the local caller the
// node authenticated) on rows that have one. docs/DATA-MODEL.md describes how to verify an export.

public import InterforceCore

/// What happened; the `kind` vocabulary is the node's (write, accept, duplicate, reject, erase, read, query, ...).
public struct LogEvent: Sendable {
    public var kind: String
    public var officer: String?
    /// The Unix account of the local caller that caused the row, as the kernel identified it.
    public var account: String?
    public var purpose: String?
    public var peer: String?
    public var author: String?
    public var record: String?
    public var entry: String?
    public var reason: String?
    public var detail: JSONValue

    public init(kind: String, officer: String? = nil, account: String? = nil, purpose: String? = nil,
                peer: String? = nil, author: String? = nil, record: String? = nil, entry: String? = nil,
                reason: String? = nil, detail: JSONValue = [:]) {
        self.kind = kind
        self.officer = officer
        self.account = account
        self.purpose = purpose
        self.peer = peer
        self.author = author
        self.record = record
        self.entry = entry
        self.reason = reason
        self.detail = detail
    }
}

public struct LogRow: Sendable {
    public let seq: Int64
    public let at: Int64
    public let event: LogEvent
    public let prev: String
    public let hash: String

    public init(seq: Int64, at: Int64, event: LogEvent, prev: String, hash: String) {
        self.seq = seq
        self.at = at
        self.event = event
        self.prev = prev
        self.hash = hash
    }

    /// The object whose canonical bytes are hashed. `account` is a member only on rows that have one, so rows
    /// written before accounts were recorded hash as they always did.
    public static func hashedObject(seq: Int64, at: Int64, event e: LogEvent, prev: String) -> JSONValue {
        func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        var o: [String: JSONValue] = [
            "seq": .int(seq), "at": .int(at), "kind": .string(e.kind), "officer": opt(e.officer),
            "purpose": opt(e.purpose), "peer": opt(e.peer), "author": opt(e.author), "record": opt(e.record),
            "entry": opt(e.entry), "reason": opt(e.reason), "detail": e.detail, "prev": .string(prev),
        ]
        if let account = e.account { o["account"] = .string(account) }
        return .object(o)
    }

    public static let genesis = String(repeating: "0", count: 64)

    public var json: JSONValue {
        var o = Self.hashedObject(seq: seq, at: at, event: event, prev: prev).object!
        o["hash"] = .string(hash)
        return .object(o)
    }
}

/// Filters for `audit log`; nil means any.
public struct LogFilter: Sendable {
    public var kind: String?
    public var officer: String?
    public var account: String?
    /// Rows whose purpose is `CODE: ...` for this code.
    public var purposeCode: String?
    public var peer: String?
    public var author: String?
    public var record: String?
    public var since: Int64?
    public var until: Int64?
    /// Only rows before this seq: the next page back of a long answer.
    public var before: Int64?
    public var limit: Int?
    public init() {}

    public static func kind(_ kind: String) -> LogFilter {
        var f = LogFilter()
        f.kind = kind
        return f
    }
}

/// Who is acting while a local caller's request runs: stamped on every row appended meanwhile that names no
/// officer or account of its own, so rows the request causes deep inside the node (a key trusted by a
/// membership install, a rejection during an ingest) still say who caused them.
public struct LogActor: Sendable {
    public let officer: String?
    public let account: String
    public init(officer: String?, account: String) {
        self.officer = officer
        self.account = account
    }
}

extension Store {
    /// Appends one row, chained to the current head. Call inside the transaction that does the logged work, so the
    /// work and its evidence commit together.
    @discardableResult
    public func appendLog(_ event: LogEvent, at: Int64) throws -> LogRow {
        var event = event
        if let actor, event.account == nil {
            event.account = actor.account
            if event.officer == nil { event.officer = actor.officer }
        }
        let head = try db.queryOne("SELECT seq, hash FROM log ORDER BY seq DESC LIMIT 1")
        let seq = (head?.int(0) ?? 0) + 1
        let prev = head?.text(1) ?? LogRow.genesis
        let hash = SHA256Digest.hash(LogRow.hashedObject(seq: seq, at: at, event: event, prev: prev).canonicalBytes).hex
        try db.run("""
            INSERT INTO log(seq, at, kind, officer, account, purpose, peer, author, record, entry, reason, detail, prev,
                            hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, values: [
                .int(seq), .int(at), .text(event.kind), SQLValue(event.officer), SQLValue(event.account),
                SQLValue(event.purpose),
                SQLValue(event.peer), SQLValue(event.author), SQLValue(event.record), SQLValue(event.entry),
                SQLValue(event.reason), .text(event.detail.canonicalText), .text(prev), .text(hash),
            ])
        return LogRow(seq: seq, at: at, event: event, prev: prev, hash: hash)
    }

    public func logRows(_ filter: LogFilter = LogFilter()) throws -> [LogRow] {
        var clauses: [String] = [], values: [SQLValue] = []
        func eq(_ column: String, _ value: String?) {
            guard let value else { return }
            clauses.append("\(column) = ?")
            values.append(.text(value))
        }
        eq("kind", filter.kind)
        eq("officer", filter.officer)
        eq("account", filter.account)
        if let code = filter.purposeCode {
            clauses.append("substr(purpose, 1, ?) = ?")
            values += [.int(Int64(code.count + 1)), .text(code + ":")]
        }
        eq("peer", filter.peer)
        eq("author", filter.author)
        eq("record", filter.record)
        if let s = filter.since { clauses.append("at >= ?"); values.append(.int(s)) }
        if let u = filter.until { clauses.append("at < ?"); values.append(.int(u)) }
        if let b = filter.before { clauses.append("seq < ?"); values.append(.int(b)) }
        let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let limitSQL = filter.limit.map { " LIMIT \($0)" } ?? ""
        // The newest `limit` rows, returned oldest first.
        let rows = try db.query("""
            SELECT * FROM (SELECT * FROM log \(whereSQL) ORDER BY seq DESC\(limitSQL)) ORDER BY seq
            """, values: values)
        return try rows.map(Self.logRow)
    }

    /// Every row in order, one at a time, for verification and export of large logs.
    public func forEachLogRow(_ body: (LogRow) throws -> Void) throws {
        let statement = try db.prepare("SELECT * FROM log ORDER BY seq")
        while let row = try statement.step() { try body(try Self.logRow(row)) }
    }

    static func logRow(_ r: Row) throws -> LogRow {
        let detail = (try? JSONValue(parsing: r.text("detail") ?? "")) ?? .string(r.text("detail") ?? "")
        return LogRow(
            seq: r.int("seq") ?? 0, at: r.int("at") ?? 0,
            event: LogEvent(kind: r.text("kind") ?? "", officer: r.text("officer"), account: r.text("account"),
                            purpose: r.text("purpose"),
                            peer: r.text("peer"), author: r.text("author"), record: r.text("record"),
                            entry: r.text("entry"), reason: r.text("reason"), detail: detail),
            prev: r.text("prev") ?? "", hash: r.text("hash") ?? "")
    }
}



extension Store {
    /// Walks the whole log and reports every row whose hash, chain link, numbering or encoding is wrong.
    public func verifyLog() throws -> (rows: Int64, problems: [String]) {
        var problems: [String] = []
        var expectedPrev = LogRow.genesis, expectedSeq: Int64 = 1, count: Int64 = 0
        let statement = try db.prepare("SELECT * FROM log ORDER BY seq")
        while let r = try statement.step() {
            count += 1
            let row = try Self.logRow(r)
            let rawDetail = r.text("detail") ?? ""
            if row.seq != expectedSeq {
                problems.append("log row \(row.seq): expected row \(expectedSeq) (rows missing or renumbered)")
            }
            if (try? JSONValue(parsing: rawDetail))?.canonicalText != rawDetail {
                problems.append("log row \(row.seq): detail is not canonical JSON (altered)")
            }
            if row.prev != expectedPrev {
                problems.append("log row \(row.seq): prev does not match the hash of row \(row.seq - 1)")
            }
            let computed = SHA256Digest.hash(
                LogRow.hashedObject(seq: row.seq, at: row.at, event: row.event, prev: row.prev).canonicalBytes).hex
            if computed != row.hash {
                problems.append("log row \(row.seq): hash does not match its contents (altered)")
            }
            expectedPrev = row.hash
            expectedSeq = row.seq + 1
        }
        return (count, problems)
    }
}
