// Statement: the owner of one compiled SQL statement (`sqlite3_stmt`).
//
// A prepared statement is SQLite's unit of execution: compile once, then bind parameters, step
// through rows, reset, and repeat (https://sqlite.org/cintro.html). This class owns exactly one
// `sqlite3_stmt`, finalizes it in `deinit`, and keeps the connection it was compiled on alive, so
// a statement that outlives its `Database` still has a working connection underneath it. Like the
// connection it is not Sendable: use it on the thread that owns its `Database`.
//
// Text is bound with SQLITE_TRANSIENT (through the CSQLite shim) so SQLite copies the bytes before
// the bind call returns and no Swift buffer has to outlive the call.

internal import CSQLite

/// A compiled SQL statement: bind, step, reset. Finalized when released.
///
/// https://sqlite.org/c3ref/stmt.html
public final class Statement {
    /// The SQL text the statement was compiled from.
    public let sql: String

    let connection: SQLiteConnection
    let handle: OpaquePointer
    /// Column names of the current execution; recomputed after a reset because a schema change
    /// can recompile the statement (`SELECT *` may gain columns).
    private var columnNames: [String]?

    /// Compiles exactly one SQL statement.
    ///
    /// `sqlite3_prepare_v3`: "These routines only compile the first statement in zSql", leaving
    /// the rest in `*pzTail`. Anything after the first statement other than whitespace and
    /// comments is rejected here, rather than silently ignored. `persistent` passes
    /// `SQLITE_PREPARE_PERSISTENT`, the hint for statements that will be reused many times.
    /// https://sqlite.org/c3ref/prepare.html
    init(connection: SQLiteConnection, sql: String, persistent: Bool) throws {
        self.connection = connection
        self.sql = sql
        let db = connection.handle
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        var compiled: OpaquePointer?
        var trailing: OpaquePointer?
        var trailingCode = SQLITE_OK
        let code: Int32 = sql.withCString { text in
            let length = Int32(clamping: sql.utf8.count)
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(db, text, length, flags, &compiled, &tail)
            guard code == SQLITE_OK, let tail else { return code }
            let rest = length - Int32(clamping: text.distance(to: tail))
            if rest > 0 {
                // Compiling the remainder is the exact test: it yields no statement iff only
                // whitespace and comments are left.
                trailingCode = sqlite3_prepare_v2(db, tail, rest, &trailing, nil)
            }
            return code
        }
        if let trailing {
            sqlite3_finalize(trailing)
        }
        guard code == SQLITE_OK else {
            sqlite3_finalize(compiled)
            throw SQLiteError(failedWith: code, connection: db, sql: sql)
        }
        guard trailingCode == SQLITE_OK, trailing == nil else {
            sqlite3_finalize(compiled)
            throw SQLiteError.misuse("more than one SQL statement; use execute(_:) for scripts", sql: sql)
        }
        guard let compiled else {
            throw SQLiteError.misuse("no SQL statement (empty text or only comments)", sql: sql)
        }
        self.handle = compiled
    }

    /// "The sqlite3_finalize() function is called to delete a prepared statement."
    /// https://sqlite.org/c3ref/finalize.html
    deinit {
        sqlite3_finalize(handle)
    }

    /// The number of `?` parameters the statement takes (`sqlite3_bind_parameter_count`).
    /// https://sqlite.org/c3ref/bind_parameter_count.html
    public var parameterCount: Int {
        Int(sqlite3_bind_parameter_count(handle))
    }

    /// Resets the statement, clears previous bindings, then binds `values` to parameters 1…n.
    ///
    /// The number of values must equal `parameterCount`: a missing value would otherwise be
    /// silently bound as NULL. Text is bound with its UTF-8 byte length, so embedded NULs
    /// survive; an empty blob is bound with `sqlite3_bind_zeroblob(…, 0)` because
    /// "If the third parameter to sqlite3_bind_blob() is a NULL pointer then the fourth parameter
    /// is ignored and the end result is the same as sqlite3_bind_null()".
    /// https://sqlite.org/c3ref/bind_blob.html
    public func bind(_ values: [SQLValue]) throws {
        resetAndClearBindings()
        let expected = parameterCount
        guard values.count == expected else {
            throw SQLiteError.misuse("statement takes \(expected) parameters, \(values.count) given", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    private func bind(_ value: SQLValue, at index: Int32) throws {
        let code: Int32
        switch value {
        case .null:
            code = sqlite3_bind_null(handle, index)
        case .int(let i):
            code = sqlite3_bind_int64(handle, index, i)
        case .text(let s):
            var s = s
            code = s.withUTF8 { bytes -> Int32 in
                guard let length = Int32(exactly: bytes.count) else { return SQLITE_TOOBIG }
                guard length > 0, let base = bytes.baseAddress else {
                    // A NULL pointer would bind NULL; bind a real empty string instead.
                    return csqlite_bind_text_transient(handle, index, "", 0)
                }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    csqlite_bind_text_transient(handle, index, $0, length)
                }
            }
        case .blob(let b):
            if b.isEmpty {
                code = sqlite3_bind_zeroblob(handle, index, 0)
            } else {
                code = b.withUnsafeBytes { bytes -> Int32 in
                    guard let length = Int32(exactly: bytes.count) else { return SQLITE_TOOBIG }
                    return csqlite_bind_blob_transient(handle, index, bytes.baseAddress, length)
                }
            }
        }
        try check(code)
    }

    /// Evaluates the statement up to the next row.
    ///
    /// "SQLITE_ROW is returned each time a new row of data is ready for processing by the
    /// caller"; "SQLITE_DONE means that the statement has finished executing successfully".
    /// Returns the row (copied out), or nil at SQLITE_DONE. Any other code is thrown.
    /// https://sqlite.org/c3ref/step.html
    public func step() throws -> Row? {
        guard try stepRaw() else { return nil }
        return try currentRow()
    }

    /// Steps to the end and returns every remaining row.
    public func all() throws -> [Row] {
        var rows: [Row] = []
        while let row = try step() {
            rows.append(row)
        }
        return rows
    }

    /// Steps until SQLITE_DONE, discarding any rows.
    public func run() throws {
        while try stepRaw() {}
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    ///
    /// "The sqlite3_reset() function is called to reset a prepared statement object back to its
    /// initial state, ready to be re-executed. ... Any SQL statement variables that had values
    /// bound to them using the sqlite3_bind_*() API retain their values." Its return value only
    /// repeats the error of the last `step`, which was already thrown, so it is ignored here.
    /// Resetting also ends the statement's read of the database, which matters in WAL mode.
    /// https://sqlite.org/c3ref/reset.html
    public func reset() {
        sqlite3_reset(handle)
        columnNames = nil
    }

    /// `reset()` plus `sqlite3_clear_bindings`: "reset all host parameters to NULL", so no bound
    /// value lingers in a cached statement. https://sqlite.org/c3ref/clear_bindings.html
    func resetAndClearBindings() {
        reset()
        sqlite3_clear_bindings(handle)
    }

    /// One `sqlite3_step`: true at SQLITE_ROW, false at SQLITE_DONE, throws otherwise.
    private func stepRaw() throws -> Bool {
        try check(sqlite3_step(handle)) == SQLITE_ROW
    }

    @discardableResult
    private func check(_ code: Int32) throws -> Int32 {
        try SQLiteError.check(code, connection: connection.handle, sql: sql)
    }

    private func currentRow() throws -> Row {
        let count = sqlite3_column_count(handle)
        let names = try currentColumnNames(count: count)
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            values.append(try columnValue(column))
        }
        return Row(columnNames: names, values: values)
    }

    private func currentColumnNames(count: Int32) throws -> [String] {
        if let columnNames, columnNames.count == Int(count) {
            return columnNames
        }
        var names: [String] = []
        names.reserveCapacity(Int(count))
        for column in 0..<count {
            // "If sqlite3_malloc() fails during the processing of either routine ... a NULL
            // pointer is returned." https://sqlite.org/c3ref/column_name.html
            guard let name = sqlite3_column_name(handle, column) else {
                throw SQLiteError(code: SQLITE_NOMEM, message: "out of memory reading a column name", sql: sql)
            }
            names.append(String(cString: name))
        }
        columnNames = names
        return names
    }

    /// Copies one column of the current row.
    ///
    /// "The safest policy is to invoke these routines in one of the following ways:
    /// sqlite3_column_text() followed by sqlite3_column_bytes() ... sqlite3_column_blob() followed
    /// by sqlite3_column_bytes()" — the byte count, not a terminating NUL, delimits the value.
    /// A zero-length BLOB reads as a NULL pointer from `sqlite3_column_blob` and is returned as
    /// `.blob([])`. A REAL is returned as SQLite's text rendering of it.
    /// https://sqlite.org/c3ref/column_blob.html
    private func columnValue(_ column: Int32) throws -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_NULL:
            return .null
        case SQLITE_INTEGER:
            return .int(sqlite3_column_int64(handle, column))
        case SQLITE_BLOB:
            let pointer = sqlite3_column_blob(handle, column)
            let length = Int(sqlite3_column_bytes(handle, column))
            guard length > 0 else { return .blob([]) }
            guard let pointer else {
                throw SQLiteError(code: SQLITE_NOMEM, message: "out of memory reading a blob column", sql: sql)
            }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: length)))
        default:  // SQLITE_TEXT, and SQLITE_FLOAT rendered as text
            guard let pointer = sqlite3_column_text(handle, column) else {
                throw SQLiteError(code: SQLITE_NOMEM, message: "out of memory reading a text column", sql: sql)
            }
            let length = Int(sqlite3_column_bytes(handle, column))
            return .text(String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self))
        }
    }
}

@available(*, unavailable, message: "a Statement is confined to the thread that owns its Database")
extension Statement: Sendable {}
