// Tests for the SQLite wrapper (Database, Statement, Row, SQLValue, SQLiteError, Migrator).
//
// Each test that needs a file gets its own temporary directory, so the suite runs in parallel.

import Foundation
import Testing

import InterforceStore

/// Runs `body` with the path of a fresh temporary directory, removed afterwards.
private func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("interforce-sqlite-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// The permission bits of the file at `path`, or nil if it does not exist.
private func permissions(_ path: String) -> Int? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
    return (attributes[.posixPermissions] as? NSNumber)?.intValue
}

private struct Boom: Error, Equatable {}

@Suite("SQLite wrapper")
struct SQLiteTests {
    @Test("every value kind round-trips, including unicode, NUL, empty text and empty blob")
    func roundTrip() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
        let values: [SQLValue] = [
            .null,
            .int(0), .int(Int64.min), .int(Int64.max), .int(-1),
            .text(""), .text("Grüße, 警察 🚓 — ǅ"), .text("a\u{0}b"),
            .blob([]), .blob(Array(0...255)), .blob([0]),
        ]
        for value in values {
            try db.run("INSERT INTO t (v) VALUES (?)", value)
        }
        let rows = try db.query("SELECT v, typeof(v) AS type FROM t ORDER BY id")
        #expect(rows.map { $0[0] } == values)
        #expect(rows.map { $0.text("type") } == [
            "null", "integer", "integer", "integer", "integer", "text", "text", "text", "blob", "blob", "blob",
        ])
        #expect(rows[8].blob(0) == [])
        #expect(rows[8].blob("v") == [])
        #expect(rows[5].text(0) == "")
        #expect(rows[7].text("v")?.utf8.count == 3)
        #expect(rows[0].int(0) == nil)
        #expect(rows[1].text(0) == nil)
    }

    @Test("literals and optional initializers build the expected values")
    func conveniences() {
        let fromLiterals: [SQLValue] = ["x", 42, nil]
        #expect(fromLiterals == [.text("x"), .int(42), .null])
        #expect(SQLValue(Optional<String>.none) == .null)
        #expect(SQLValue("s") == .text("s"))
        #expect(SQLValue(Optional<Int>.none) == .null)
        #expect(SQLValue(7) == .int(7))
        #expect(SQLValue(Int64(-7)) == .int(-7))
        #expect(SQLValue(Optional<Int64>.none) == .null)
        #expect(SQLValue(true) == .int(1))
    }

    @Test("rows are addressed by index and by name; REAL reads as SQLite's text")
    func rowAccess() throws {
        let db = try Database(path: ":memory:")
        let row = try #require(try db.queryOne("SELECT 1 AS One, 'two' AS two, x'0102' AS three, 1.5 AS four"))
        #expect(row.count == 4)
        #expect(row.columnNames == ["One", "two", "three", "four"])
        #expect(row["One"] == .int(1))
        #expect(row.int("one") == 1)  // case-insensitive fallback
        #expect(row.text("two") == "two")
        #expect(row.blob("three") == [1, 2])
        #expect(row.text("four") == "1.5")
        #expect(row.hasColumn("TWO"))
        #expect(!row.hasColumn("five"))
        #expect(try db.queryOne("SELECT 1 WHERE 0") == nil)
    }

    @Test("a constraint error carries code, message and SQL but never the bound values")
    func errorsDoNotLeakValues() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE person (name TEXT UNIQUE)")
        let secret = "SECRET-informant-Jane-Doe-4711"
        let sql = "INSERT INTO person (name) VALUES (?)"
        try db.run(sql, .text(secret))
        let error = try #require(throws: SQLiteError.self) {
            try db.run(sql, .text(secret))
        }
        #expect(error.code == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(error.primaryCode == 19)  // SQLITE_CONSTRAINT
        #expect(error.isConstraintViolation)
        #expect(!error.isBusy)
        #expect(error.message.contains("UNIQUE constraint failed: person.name"))
        #expect(error.sql == sql)
        for rendering in [error.description, "\(error)", String(reflecting: error), error.localizedDescription] {
            #expect(!rendering.contains(secret))
            #expect(!rendering.contains("4711"))
        }
        #expect(error.description.contains(sql))
        // The failure left nothing behind in the cached statement: a fresh insert works.
        #expect(try db.run(sql, "someone else") == 1)
    }

    @Test("misuse is reported as errors: syntax, several statements, wrong argument count")
    func misuse() throws {
        let db = try Database(path: ":memory:")
        let syntax = try #require(throws: SQLiteError.self) { try db.prepare("SELEKT 1") }
        #expect(syntax.primaryCode == 1)  // SQLITE_ERROR
        #expect(syntax.sql == "SELEKT 1")
        #expect(syntax.message.contains("syntax error"))

        let several = try #require(throws: SQLiteError.self) { try db.prepare("SELECT 1; SELECT 2") }
        #expect(several.code == 21)  // SQLITE_MISUSE
        _ = try db.prepare("SELECT 1;  -- trailing comment\n")

        let arguments = try #require(throws: SQLiteError.self) { try db.query("SELECT ?, ?", 1) }
        #expect(arguments.code == 21)
        #expect(throws: SQLiteError.self) { try db.prepare("   ") }

        let exec = try #require(throws: SQLiteError.self) { try db.execute("CREATE TABLE a (x); INSERT INTO b VALUES (1)") }
        #expect(exec.message.contains("no such table: b"))
    }

    @Test("statements: cache identity, rebinding, changes, lastInsertRowID, outliving the Database")
    func statements() throws {
        var db: Database? = try Database(path: ":memory:")
        let connection = try #require(db)
        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        #expect(try connection.cached("SELECT v FROM t") === connection.cached("SELECT v FROM t"))
        #expect(try connection.prepare("SELECT v FROM t") !== connection.prepare("SELECT v FROM t"))

        let insert = try connection.prepare("INSERT INTO t (v) VALUES (?)")
        for word in ["a", "b", "c"] {
            try insert.bind([.text(word)])
            try insert.run()
        }
        #expect(connection.lastInsertRowID == 3)
        #expect(try connection.run("UPDATE t SET v = upper(v) WHERE id > ?", 1) == 2)

        let select = try connection.prepare("SELECT v FROM t ORDER BY id")
        #expect(try select.all().compactMap { $0.text(0) } == ["a", "B", "C"])
        select.reset()
        #expect(try select.step()?.text(0) == "a")
        select.reset()

        db = nil  // the statement keeps the connection open
        #expect(try select.all().count == 3)
    }

    @Test("a throwing transaction body rolls everything back and rethrows its own error")
    func transactionRollback() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v INTEGER)")
        #expect(throws: Boom()) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                #expect(db.isInTransaction)
                throw Boom()
            }
        }
        #expect(!db.isInTransaction)
        #expect(try db.query("SELECT * FROM t").isEmpty)

        let value = try db.transaction {
            try db.run("INSERT INTO t VALUES (2)")
            return 42
        }
        #expect(value == 42)
        #expect(try db.query("SELECT v FROM t").map { $0[0] } == [2])
    }

    @Test("a failing nested transaction rolls back only the inner work")
    func nestedTransaction() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v INTEGER)")
        try db.transaction {
            try db.run("INSERT INTO t VALUES (1)")
            #expect(throws: Boom()) {
                try db.transaction {
                    try db.run("INSERT INTO t VALUES (2)")
                    try db.transaction { try db.run("INSERT INTO t VALUES (3)") }
                    throw Boom()
                }
            }
            #expect(db.isInTransaction)
            try db.transaction { try db.run("INSERT INTO t VALUES (4)") }
        }
        #expect(!db.isInTransaction)
        #expect(try db.query("SELECT v FROM t ORDER BY v").map { $0[0] } == [1, 4])
    }

    @Test("a failing COMMIT rolls back and throws the commit error")
    func commitFailure() throws {
        let db = try Database(path: ":memory:")
        try db.configureForStore()
        try db.execute("""
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
            """)
        let error = try #require(throws: SQLiteError.self) {
            try db.transaction { try db.run("INSERT INTO child VALUES (99)") }
        }
        #expect(error.isConstraintViolation)
        #expect(error.sql == "COMMIT")
        #expect(!db.isInTransaction)
        #expect(try db.query("SELECT * FROM child").isEmpty)
    }

    @Test("migrations apply once, survive reopening, and refuse unknown applied names")
    func migrator() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/store.sqlite"
            let first = [
                Migration(name: "2024-01-create-entry", sql: "CREATE TABLE entry (id TEXT PRIMARY KEY, body BLOB)"),
                Migration(name: "2024-02-seed", sql: "INSERT INTO entry VALUES ('seed', x'00'); CREATE INDEX e ON entry(body)"),
            ]
            do {
                let db = try Database(path: path)
                try db.configureForStore()
                #expect(try Migrator(first).applied(db) == [])
                try Migrator(first).migrate(db)
                try Migrator(first).migrate(db)
                #expect(try Migrator(first).applied(db) == first.map(\.name))
                #expect(try db.queryOne("SELECT count(*) FROM entry")?.int(0) == 1)
                let row = try #require(try db.queryOne("SELECT applied_at FROM schema_migrations LIMIT 1"))
                #expect((row.int(0) ?? 0) > 1_600_000_000)
            }
            do {
                let db = try Database(path: path)
                try db.configureForStore()
                try Migrator(first).migrate(db)  // idempotent across reopen
                #expect(try db.queryOne("SELECT count(*) FROM entry")?.int(0) == 1)

                // A failing migration leaves no trace and is not recorded.
                let broken = first + [
                    Migration(name: "2024-03-broken", sql: "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1)")
                ]
                #expect(throws: SQLiteError.self) { try Migrator(broken).migrate(db) }
                #expect(try db.queryOne("SELECT 1 FROM sqlite_master WHERE name = 'half'") == nil)
                #expect(try Migrator(broken).applied(db) == first.map(\.name))

                let longer = first + [Migration(name: "2024-03-add-author", sql: "ALTER TABLE entry ADD author TEXT")]
                try Migrator(longer).migrate(db)
                #expect(try Migrator(longer).applied(db) == longer.map(\.name))
            }
            do {
                // An older build that only knows the first migration must refuse this file.
                let db = try Database(path: path)
                let error = try #require(throws: MigrationError.self) {
                    try Migrator(Array(first.prefix(1))).migrate(db)
                }
                #expect(error == .unknownAppliedMigrations(["2024-02-seed", "2024-03-add-author"]))
                #expect(error.description.contains("newer version"))

                let twice = [first[0], first[0]]
                #expect(throws: MigrationError.duplicateName(first[0].name)) { try Migrator(twice).migrate(db) }
            }
        }
    }

    @Test("a new database file and its WAL files get mode 0600; an existing file keeps its mode")
    func filePermissions() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/store.sqlite"
            do {
                let db = try Database(path: path)
                #expect(permissions(path) == 0o600)
                try db.configureForStore()
                try db.execute("CREATE TABLE t (v); INSERT INTO t VALUES (1)")
                #expect(permissions(path) == 0o600)
                #expect(permissions(path + "-wal") == 0o600)
                #expect(permissions(path + "-shm") == 0o600)
            }
            // Reopened: SQLite recreates the -wal and -shm files, still 0600.
            let db = try Database(path: path)
            try db.configureForStore()
            try db.run("INSERT INTO t VALUES (2)")
            #expect(permissions(path) == 0o600)
            #expect(permissions(path + "-wal") == 0o600)

            let existing = directory + "/existing.sqlite"
            #expect(FileManager.default.createFile(atPath: existing, contents: nil,
                                                   attributes: [.posixPermissions: 0o640]))
            _ = try Database(path: existing)
            #expect(permissions(existing) == 0o640)
        }
    }

    @Test("configureForStore turns on WAL, synchronous=FULL and foreign keys")
    func storePragmas() throws {
        try withTemporaryDirectory { directory in
            let db = try Database(path: directory + "/store.sqlite")
            try db.configureForStore(busyTimeoutMilliseconds: 1000)
            #expect(try db.queryOne("PRAGMA journal_mode")?.text(0) == "wal")
            #expect(try db.queryOne("PRAGMA synchronous")?.int(0) == 2)
            #expect(try db.queryOne("PRAGMA foreign_keys")?.int(0) == 1)
            #expect(try db.queryOne("PRAGMA busy_timeout")?.int(0) == 1000)

            try db.execute("""
                CREATE TABLE parent (id INTEGER PRIMARY KEY);
                CREATE TABLE child (parent INTEGER NOT NULL REFERENCES parent(id));
                """)
            let error = try #require(throws: SQLiteError.self) { try db.run("INSERT INTO child VALUES (1)") }
            #expect(error.code == 787)  // SQLITE_CONSTRAINT_FOREIGNKEY
        }
    }

    @Test("a second connection waiting for the write lock reports busy")
    func busy() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/store.sqlite"
            let writer = try Database(path: path)
            try writer.configureForStore()
            let other = try Database(path: path)
            try other.configureForStore(busyTimeoutMilliseconds: 10)
            try writer.transaction {
                let error = try #require(throws: SQLiteError.self) { try other.transaction { } }
                #expect(error.isBusy)
                #expect(error.sql == "BEGIN IMMEDIATE")
            }
        }
    }

    @Test("FTS5 is available")
    func fts5() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE VIRTUAL TABLE notes USING fts5(body)")
        try db.run("INSERT INTO notes (body) VALUES (?)", "stolen bicycle reported near the harbour")
        try db.run("INSERT INTO notes (body) VALUES (?)", "noise complaint")
        let hits = try db.query("SELECT body FROM notes WHERE notes MATCH ?", "bicycle")
        #expect(hits.map { $0.text("body") } == ["stolen bicycle reported near the harbour"])
    }

    @Test("a read-only connection reads but refuses writes, and never creates a file")
    func readOnly() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/store.sqlite"
            do {
                let db = try Database(path: path)
                try db.configureForStore()
                try db.execute("CREATE TABLE t (v); INSERT INTO t VALUES (1)")
            }
            let db = try Database(path: path, mode: .readOnly)
            #expect(try db.queryOne("SELECT v FROM t")?.int(0) == 1)
            let error = try #require(throws: SQLiteError.self) { try db.run("INSERT INTO t VALUES (2)") }
            #expect(error.isReadOnly)
            #expect(error.primaryCode == 8)  // SQLITE_READONLY
            #expect(throws: SQLiteError.self) { try db.execute("CREATE TABLE u (v)") }
            #expect(try db.queryOne("SELECT count(*) FROM t")?.int(0) == 1)

            let missing = directory + "/missing.sqlite"
            let openError = try #require(throws: SQLiteError.self) { try Database(path: missing, mode: .readOnly) }
            #expect(openError.primaryCode == 14)  // SQLITE_CANTOPEN
            #expect(!FileManager.default.fileExists(atPath: missing))
        }
    }

    @Test("opening in a missing directory fails with CANTOPEN")
    func cannotOpen() throws {
        let error = try #require(throws: SQLiteError.self) {
            try Database(path: "/nonexistent-\(UUID().uuidString)/store.sqlite")
        }
        #expect(error.primaryCode == 14)  // SQLITE_CANTOPEN
    }
}
