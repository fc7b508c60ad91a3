// SQLiteError: the one way a SQLite failure reaches Swift.
//
// Every SQLite call that returns a result code goes through `SQLiteError.check`, the single choke
// point that turns a code into a thrown value carrying the extended result code, SQLite's own
// message and the SQL text being run. It deliberately never carries the values bound to that SQL:
// those are the records of the store, and errors end up in logs. (SQLite's messages themselves
// name tables, columns and constraints, never row contents, for the built-in constraints.)
//
// Result codes: https://sqlite.org/rescode.html

internal import CSQLite

/// A failed SQLite call: its result code, SQLite's message, and the statement text (never the
/// bound values).
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (extended result codes are enabled on every connection), e.g.
    /// 2067 `SQLITE_CONSTRAINT_UNIQUE`. The primary code is the low byte; see `primaryCode`.
    /// https://sqlite.org/rescode.html
    public let code: Int32
    /// SQLite's English description of the failure, from `sqlite3_errmsg` when it describes this
    /// failure and `sqlite3_errstr` otherwise. https://sqlite.org/c3ref/errcode.html
    public let message: String
    /// The SQL text that failed, if any. Never contains bound parameter values.
    public let sql: String?

    init(code: Int32, message: String, sql: String?) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code: "The least significant 8 bits of the result code define a broad
    /// category" (https://sqlite.org/rescode.html).
    public var primaryCode: Int32 { code & 0xFF }

    /// `SQLITE_CONSTRAINT` or any of its extended codes (UNIQUE, PRIMARYKEY, FOREIGNKEY, CHECK,
    /// NOTNULL, …).
    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }

    /// `SQLITE_BUSY` or one of its extended codes: another connection held a lock for longer
    /// than the busy timeout. Retrying later may succeed.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY }

    /// `SQLITE_READONLY` or one of its extended codes: a write on a read-only connection or file.
    public var isReadOnly: Bool { primaryCode == SQLITE_READONLY }

    /// `SQLITE_FULL`: the disk is full; the statement failed and its transaction was undone.
    /// https://sqlite.org/rescode.html#full
    public var isDiskFull: Bool { primaryCode == SQLITE_FULL }

    public var description: String {
        var text = "SQLite error \(code)"
        if let name = sqlite3_errstr(code) {
            text += " (\(String(cString: name)))"
        }
        text += ": \(message)"
        if let sql {
            text += " — in `\(sql)`"
        }
        return text
    }
}

extension SQLiteError {
    /// The choke point: returns `code` when it is `SQLITE_OK`, `SQLITE_ROW` or `SQLITE_DONE`, and
    /// throws an `SQLiteError` otherwise.
    ///
    /// `sqlite3_errmsg` describes "the most recent failed API call" on `connection`; it is only
    /// used when `sqlite3_extended_errcode` agrees with `code`, so a stale message never gets
    /// attached to an unrelated failure (`sqlite3_errstr(code)` is used instead).
    /// https://sqlite.org/c3ref/errcode.html
    @discardableResult
    static func check(_ code: Int32, connection: OpaquePointer?, sql: String?) throws -> Int32 {
        switch code {
        case SQLITE_OK, SQLITE_ROW, SQLITE_DONE:
            return code
        default:
            throw SQLiteError(failedWith: code, connection: connection, sql: sql)
        }
    }

    /// The error for a call on `connection` that returned the failure `code`.
    init(failedWith code: Int32, connection: OpaquePointer?, sql: String?) {
        self.init(code: code, message: Self.message(for: code, connection: connection), sql: sql)
    }

    /// An error for a misuse this wrapper detects itself (wrong argument count, several
    /// statements given to `prepare`), reported with SQLite's `SQLITE_MISUSE` code.
    static func misuse(_ message: String, sql: String?) -> SQLiteError {
        SQLiteError(code: SQLITE_MISUSE, message: message, sql: sql)
    }

    static func message(for code: Int32, connection: OpaquePointer?) -> String {
        if let connection, sqlite3_extended_errcode(connection) == code, let text = sqlite3_errmsg(connection) {
            return String(cString: text)
        }
        if let text = sqlite3_errstr(code) {
            return String(cString: text)
        }
        return "unknown error"
    }
}
