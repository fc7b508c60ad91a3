// Database: one SQLite connection, the store's only door to its file.
//
// `SQLiteConnection` owns the `sqlite3*` handle and closes it in `deinit`; `Database` is the API on top
// of it: run SQL, cache compiled statements, run transactions, apply the store's pragmas. Every
// `Statement` also holds the `SQLiteConnection`, so the handle is closed with `sqlite3_close_v2` only
// once the `Database` and every statement compiled on it are gone — a statement never runs on a
// closed connection. A `Database` is not Sendable: it belongs to one thread (or one actor) at a time.
//
// The store keeps police records, so its file must never be readable by other local users, even
// briefly: a file this connection creates is created by us first, exclusively, with mode 0600
// regardless of the umask, before SQLite opens it; SQLite then gives its -wal, -shm and -journal
// files the permissions of the database file.

internal import CSQLite

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Owner of one `sqlite3*` handle, closed when the last reference (the `Database` or any of its
/// `Statement`s) goes away.
final class SQLiteConnection {
    let handle: OpaquePointer

    init(handle: OpaquePointer) {
        self.handle = handle
    }

    /// "If sqlite3_close_v2() is called with unfinalized prepared statements ... then the database
    /// connection becomes an unusable 'zombie' which will automatically be deallocated when the
    /// last prepared statement is finalized." Statements hold this object, so by the time this
    /// runs they are all finalized and the close is immediate. https://sqlite.org/c3ref/close.html
    deinit {
        sqlite3_close_v2(handle)
    }
}

/// A connection to one SQLite database file (or an in-memory database).
///
/// Confined to one thread at a time; not Sendable. Open one `Database` per thread or actor that
/// needs the file; WAL mode (`configureForStore`) lets readers and one writer proceed together.
public final class Database {
    /// Whether the connection may write.
    public enum Mode: Sendable {
        /// Read and write; the file is created (mode 0600) if missing.
        case readWrite
        /// Read only; the file must exist, and every write fails with `SQLITE_READONLY`.
        case readOnly
    }

    /// The path given to `init`; `":memory:"` for an in-memory database.
    public let path: String
    /// The mode given to `init`.
    public let mode: Mode

    let connection: SQLiteConnection
    private var handle: OpaquePointer { connection.handle }
    private var statementCache: [String: Statement] = [:]
    private var savepointDepth = 0

    /// The cache is keyed by SQL text; SQL built at run time could grow it without bound, so it
    /// is dropped wholesale when it reaches this size.
    private static let statementCacheLimit = 256

    /// Opens the database at `path`, creating it if missing in `.readWrite` mode.
    ///
    /// A file created here gets mode 0600 independent of the umask: it is created with
    /// `open(O_CREAT|O_EXCL, 0600)` and `fchmod(0600)` before SQLite sees it (an empty file is a
    /// valid empty database), so no other user can ever open it. An existing file keeps its
    /// permissions. `":memory:"` opens a private in-memory database. Paths are never interpreted
    /// as `file:` URIs. Extended result codes are enabled.
    ///
    /// `sqlite3_open_v2`: "Whether or not an error occurs when it is opened, resources associated
    /// with the database connection handle should be released by passing it to sqlite3_close()".
    /// https://sqlite.org/c3ref/open.html
    public init(path: String, mode: Mode = .readWrite) throws {
        self.path = path
        self.mode = mode
        var created = false
        if mode == .readWrite, !Self.isTemporary(path) {
            created = try Self.createPrivateFile(at: path)
        }
        // FULLMUTEX ("serialized") costs next to nothing and keeps SQLite safe even if a caller
        // breaks thread confinement with `nonisolated(unsafe)`.
        var flags = SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_FULLMUTEX
        flags |= mode == .readWrite ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY
        var opened: OpaquePointer?
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let failure = code == SQLITE_OK ? SQLITE_NOMEM : code
            let message = SQLiteError.message(for: failure, connection: opened)
            sqlite3_close_v2(opened)
            if created {
                unlink(path)  // the empty file we just made; nothing else can have written to it
            }
            throw SQLiteError(code: failure, message: "\(message): \(path)", sql: nil)
        }
        sqlite3_extended_result_codes(opened, 1)
        self.connection = SQLiteConnection(handle: opened)
    }

    /// True for paths SQLite treats as private temporary databases (`":memory:"` and `""`).
    private static func isTemporary(_ path: String) -> Bool {
        path == ":memory:" || path.isEmpty
    }

    /// Creates `path` as an empty 0600 file if it does not exist. Returns true if it created it.
    private static func createPrivateFile(at path: String) throws -> Bool {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let error = errno
            if error == EEXIST {
                return false
            }
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot create \(path): \(describe(errno: error))",
                              sql: nil)
        }
        defer { close(fd) }
        // open() applied the umask; fchmod does not.
        guard fchmod(fd, 0o600) == 0 else {
            let error = errno
            unlink(path)
            throw SQLiteError(code: SQLITE_PERM, message: "cannot chmod 0600 \(path): \(describe(errno: error))",
                              sql: nil)
        }
        return true
    }

    private static func describe(errno error: Int32) -> String {
        guard let text = strerror(error) else { return "errno \(error)" }
        return String(cString: text)
    }

    /// The choke point for this connection's result codes; see `SQLiteError.check`.
    @discardableResult
    func check(_ code: Int32, sql: String?) throws -> Int32 {
        try SQLiteError.check(code, connection: handle, sql: sql)
    }

    // MARK: Running SQL

    /// Runs one or more `;`-separated statements without parameters, discarding any rows.
    ///
    /// `sqlite3_exec`: "The sqlite3_exec() interface runs zero or more UTF-8 encoded,
    /// semicolon-separate SQL statements passed into its 2nd argument". Execution stops at the
    /// first failing statement; statements before it stay executed (wrap in `transaction` if
    /// that matters). Never build `sql` out of record values: use `run` with parameters.
    /// https://sqlite.org/c3ref/exec.html
    public func execute(_ sql: String) throws {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), sql: sql)
    }

    /// Compiles one statement (not cached). Throws if `sql` holds more than one statement.
    /// https://sqlite.org/c3ref/prepare.html
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(connection: connection, sql: sql, persistent: false)
    }

    /// Returns the cached compiled statement for `sql`, compiling it on first use; it comes back
    /// reset with its bindings cleared.
    ///
    /// The same object is returned for the same text, so do not interleave two uses of one SQL
    /// string (for example, stepping a cached statement while `run`/`query` runs the same text).
    public func cached(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] {
            statement.resetAndClearBindings()
            return statement
        }
        let statement = try Statement(connection: connection, sql: sql, persistent: true)
        if statementCache.count >= Self.statementCacheLimit {
            statementCache.removeAll(keepingCapacity: true)
        }
        statementCache[sql] = statement
        return statement
    }

    /// Runs one statement with `values` bound to its `?` parameters and returns the number of
    /// rows it changed.
    ///
    /// `sqlite3_changes64`: "returns the number of rows modified, inserted or deleted by the most
    /// recently completed INSERT, UPDATE or DELETE statement" — for other statements the number
    /// is left over from an earlier one. https://sqlite.org/c3ref/changes.html
    @discardableResult
    public func run(_ sql: String, _ values: SQLValue...) throws -> Int {
        try run(sql, values: values)
    }

    /// `run(_:_:)` with the values as an array.
    @discardableResult
    public func run(_ sql: String, values: [SQLValue]) throws -> Int {
        let statement = try cached(sql)
        defer { statement.resetAndClearBindings() }
        try statement.bind(values)
        try statement.run()
        return Int(sqlite3_changes64(handle))
    }

    /// Runs one query with `values` bound and returns all its rows.
    public func query(_ sql: String, _ values: SQLValue...) throws -> [Row] {
        try query(sql, values: values)
    }

    /// `query(_:_:)` with the values as an array.
    public func query(_ sql: String, values: [SQLValue]) throws -> [Row] {
        let statement = try cached(sql)
        defer { statement.resetAndClearBindings() }
        try statement.bind(values)
        return try statement.all()
    }

    /// Runs one query with `values` bound and returns its first row, or nil if it has none.
    /// The statement is reset afterwards, so it holds no read lock.
    public func queryOne(_ sql: String, _ values: SQLValue...) throws -> Row? {
        try queryOne(sql, values: values)
    }

    /// `queryOne(_:_:)` with the values as an array.
    public func queryOne(_ sql: String, values: [SQLValue]) throws -> Row? {
        let statement = try cached(sql)
        defer { statement.resetAndClearBindings() }
        try statement.bind(values)
        return try statement.step()
    }

    /// The rowid of the most recent successful INSERT into a rowid table on this connection, or
    /// 0 if there has been none. https://sqlite.org/c3ref/last_insert_rowid.html
    public var lastInsertRowID: Int64 {
        sqlite3_last_insert_rowid(handle)
    }

    /// The number of rows changed by the most recently completed INSERT, UPDATE or DELETE.
    /// https://sqlite.org/c3ref/changes.html
    public var changes: Int {
        Int(sqlite3_changes64(handle))
    }

    // MARK: Transactions

    /// True while a transaction is open: "The sqlite3_get_autocommit() interface returns non-zero
    /// or zero if the given database connection is or is not in autocommit mode, respectively."
    /// https://sqlite.org/c3ref/get_autocommit.html
    public var isInTransaction: Bool {
        sqlite3_get_autocommit(handle) == 0
    }

    /// Runs `body` in a transaction and returns its result.
    ///
    /// Outside a transaction this is `BEGIN IMMEDIATE` … `COMMIT`: IMMEDIATE takes the write lock
    /// up front, so a conflict shows up as `SQLITE_BUSY` (after the busy timeout) at `BEGIN`
    /// rather than as an unretryable failure halfway through. Inside a transaction it is a
    /// `SAVEPOINT` … `RELEASE`, so an inner failure undoes only the inner work.
    ///
    /// If `body` or the `COMMIT`/`RELEASE` throws, the work is rolled back and that first error is
    /// rethrown; a failing rollback never replaces it. (SQLite may already have rolled back on its
    /// own after some errors, e.g. `SQLITE_FULL`; the rollback is then skipped.)
    /// https://sqlite.org/lang_transaction.html, https://sqlite.org/lang_savepoint.html
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction {
            return try savepoint(body)
        }
        try run("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            if isInTransaction {
                _ = try? run("ROLLBACK")  // deliberately ignored: the first error wins
            }
            throw error
        }
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "interforce_savepoint_\(savepointDepth)"
        try run("SAVEPOINT \(name)")
        do {
            let result = try body()
            try run("RELEASE \(name)")
            return result
        } catch {
            if isInTransaction {
                // ROLLBACK TO leaves the savepoint on the stack; RELEASE pops it. Failures are
                // deliberately ignored: the first error wins.
                _ = try? run("ROLLBACK TO \(name)")
                _ = try? run("RELEASE \(name)")
            }
            throw error
        }
    }

    // MARK: Store configuration

    /// Applies the store's pragmas: `busy_timeout`, `journal_mode=WAL`, `synchronous=FULL`,
    /// `foreign_keys=ON`, and verifies each took effect (for example `foreign_keys` is silently
    /// a no-op inside a transaction). Then chmods the -wal and -shm files to 0600 if they exist
    /// (on a new database they appear only at the first write, with the database file's mode).
    ///
    /// - `sqlite3_busy_timeout`: "sets a busy handler that sleeps for a specified amount of time
    ///   when a table is locked", up to `busyTimeoutMilliseconds`. https://sqlite.org/c3ref/busy_timeout.html
    /// - WAL: readers do not block the writer and the writer does not block readers.
    ///   https://sqlite.org/wal.html
    /// - `synchronous=FULL`: in WAL mode, every commit is fsynced, so a committed transaction
    ///   survives power loss. https://sqlite.org/pragma.html#pragma_synchronous
    /// - `foreign_keys=ON`: enforce `REFERENCES` clauses. https://sqlite.org/pragma.html#pragma_foreign_keys
    /// - `SQLITE_FCNTL_PERSIST_WAL`: the -wal and -shm files are kept when the last connection closes, so the
    ///   store opens again on a disk with no space left (creating -shm needs 32 KiB; without it even reads fail
    ///   with SQLITE_IOERR). https://sqlite.org/c3ref/c_fcntl_begin_atomic_write.html#sqlitefcntlpersistwal
    ///
    /// An in-memory database cannot use WAL and stays in `memory` journal mode.
    public func configureForStore(busyTimeoutMilliseconds: Int32 = 5000) throws {
        try check(sqlite3_busy_timeout(handle, busyTimeoutMilliseconds), sql: nil)

        let journalMode = try pragma("PRAGMA journal_mode=WAL")
        if !Self.isTemporary(path), journalMode.textValue?.lowercased() != "wal" {
            throw SQLiteError.misuse("journal_mode is still \(journalMode.textValue ?? "unknown"), not wal",
                                     sql: "PRAGMA journal_mode=WAL")
        }
        if !Self.isTemporary(path) {
            var persist: Int32 = 1
            _ = try check(sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist), sql: nil)
        }
        try execute("PRAGMA synchronous=FULL")
        guard try pragma("PRAGMA synchronous") == .int(2) else {
            throw SQLiteError.misuse("synchronous did not become FULL", sql: "PRAGMA synchronous=FULL")
        }
        try execute("PRAGMA foreign_keys=ON")
        guard try pragma("PRAGMA foreign_keys") == .int(1) else {
            throw SQLiteError.misuse("foreign_keys did not turn on (inside a transaction?)",
                                     sql: "PRAGMA foreign_keys=ON")
        }

        if mode == .readWrite, !Self.isTemporary(path) {
            // SQLite creates -wal and -shm with the mode of the database file (os_unix.c,
            // findCreateFileMode and unixOpenSharedMemory), so on a fresh 0600 file they come out
            // 0600 when the first write creates them. Tightening any that already exist covers
            // sidecars left by an earlier, looser file.
            for suffix in ["-wal", "-shm"] {
                let sidecar = path + suffix
                if chmod(sidecar, 0o600) != 0 {
                    let error = errno
                    if error != ENOENT {
                        throw SQLiteError(code: SQLITE_PERM,
                                          message: "cannot chmod 0600 \(sidecar): \(Self.describe(errno: error))",
                                          sql: nil)
                    }
                }
            }
        }
    }

    /// The first column of the first row of a one-off pragma statement.
    private func pragma(_ sql: String) throws -> SQLValue {
        let statement = try prepare(sql)
        defer { statement.reset() }
        return try statement.step()?[0] ?? .null
    }
}

@available(*, unavailable, message: "a Database is confined to one thread; open one per thread or actor")
extension Database: Sendable {}
