// The store's side of officers as principals: the registry row per Unix account, and the remembered results of
// recent writes by client request id.
//
// The registry keeps the account name, its uid and the officer's collar number as columns (looked up and kept
// unique), and the rest of the registration as canonical JSON the node owns. Request results are kept so that a
// write retried after a lost reply is answered with its first result instead of being done again; they are saved
// in the transaction of the write itself, so a write and its remembered result commit together or not at all.

public import InterforceCore

/// One registry row: the account, its uid, the collar number, and the node's JSON of the registration.
public struct OfficerRow: Sendable, Equatable {
    public let account: String
    public let uid: UInt32
    public let collar: String
    public let registration: JSONValue
    public let changedAt: Int64

    public init(account: String, uid: UInt32, collar: String, registration: JSONValue, changedAt: Int64) {
        self.account = account
        self.uid = uid
        self.collar = collar
        self.registration = registration
        self.changedAt = changedAt
    }
}

/// A write already done for a request id: who asked, what, a digest of the request, and the result returned.
public struct RememberedRequest: Sendable {
    public let id: String
    public let uid: UInt32
    public let operation: String
    public let digest: String
    public let result: JSONValue
    public let at: Int64
}

extension Store {
    // MARK: Officer registry

    /// Inserts or replaces the row for `row.account`. A collar number held by another account is refused.
    public func saveOfficer(_ row: OfficerRow) throws {
        if let other = try db.queryOne(
            "SELECT account FROM officers WHERE collar = ? AND account != ?",
            .text(row.collar), .text(row.account))?.text(0)
        {
            throw StoreError(
                "collar number '\(row.collar)' (as records name it) is already registered to account \(other)")
        }
        try db.run(
            """
            INSERT INTO officers(account, uid, collar, registration, changed_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(account) DO UPDATE SET uid = excluded.uid, collar = excluded.collar,
                registration = excluded.registration, changed_at = excluded.changed_at
            """, .text(row.account), .int(Int64(row.uid)), .text(row.collar), .text(row.registration.canonicalText),
            .int(row.changedAt))
    }

    public func officer(account: String) throws -> OfficerRow? {
        try db.queryOne(
            "SELECT account, uid, collar, registration, changed_at FROM officers WHERE account = ?",
            .text(account)
        ).map(Self.officerRow)
    }

    /// Every registered account, by account name.
    public func officers() throws -> [OfficerRow] {
        try db.query("SELECT account, uid, collar, registration, changed_at FROM officers ORDER BY account")
            .map(Self.officerRow)
    }

    static func officerRow(_ r: Row) throws -> OfficerRow {
        guard let account = r.text(0), let uid = r.int(1).flatMap(UInt32.init(exactly:)), let collar = r.text(2),
            let registration = try? JSONValue(parsing: r.text(3) ?? "")
        else { throw StoreError("stored officer registration cannot be read (run 'interforce audit verify')") }
        return OfficerRow(
            account: account, uid: uid, collar: collar, registration: registration,
            changedAt: r.int(4) ?? 0)
    }

    // MARK: Request ids

    public func rememberedRequest(_ id: String) throws -> RememberedRequest? {
        guard
            let r = try db.queryOne(
                "SELECT id, uid, operation, digest, result, at FROM requests WHERE id = ?",
                .text(id)),
            let uid = r.int(1).flatMap(UInt32.init(exactly:)), let result = try? JSONValue(parsing: r.text(4) ?? "")
        else { return nil }
        return RememberedRequest(
            id: id, uid: uid, operation: r.text(2) ?? "", digest: r.text(3) ?? "",
            result: result, at: r.int(5) ?? 0)
    }

    /// Remembers a write's result (inside the write's transaction) and forgets results older than `keepAfter`.
    public func rememberRequest(
        id: String, uid: UInt32, operation: String, digest: String, result: JSONValue,
        at: Int64, keepAfter: Int64
    ) throws {
        try db.run(
            "INSERT INTO requests(id, uid, operation, digest, result, at) VALUES (?, ?, ?, ?, ?, ?)",
            .text(id), .int(Int64(uid)), .text(operation), .text(digest), .text(result.canonicalText), .int(at))
        try db.run("DELETE FROM requests WHERE at < ?", .int(keepAfter))
    }
}
