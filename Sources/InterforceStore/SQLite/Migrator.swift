// Migrator: how the store's schema moves forward between versions.
//
// Each schema change is a named migration, listed in the order it was written. The names applied
// to a database are recorded in `schema_migrations`, so opening a file runs exactly the ones it
// has not seen, each in its own transaction: a migration applies completely or not at all. A
// database that records a name this build does not know was written by a newer version; this
// build refuses it instead of guessing. Names, not version numbers, so two branches adding a
// migration each merge without renumbering (the approach of GRDB's DatabaseMigrator).

/// One named schema change. The name is its permanent identity: never rename or edit a migration
/// once released; add a new one.
public struct Migration: Sendable {
    /// The permanent identifier recorded in `schema_migrations`.
    public let name: String
    /// One or more `;`-separated SQL statements, run with `Database.execute` inside a transaction.
    /// They must not contain `BEGIN`/`COMMIT`; `PRAGMA foreign_keys` has no effect inside a
    /// transaction (use `PRAGMA defer_foreign_keys=ON` for table rebuilds).
    public let sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// A problem with the migration list or the migrations recorded in a database.
public enum MigrationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The database records migrations this build does not know: it was written by a newer version.
    case unknownAppliedMigrations([String])
    /// The same name appears twice in the migration list.
    case duplicateName(String)

    public var description: String {
        switch self {
        case .unknownAppliedMigrations(let names):
            return "the database has migrations this version does not know (\(names.joined(separator: ", "))); "
                + "it was written by a newer version of the software"
        case .duplicateName(let name):
            return "the migration '\(name)' is listed twice"
        }
    }
}

/// Applies an ordered list of `Migration`s to a database, each at most once.
public struct Migrator: Sendable {
    /// The migrations, in the order they apply.
    public let migrations: [Migration]

    public init(_ migrations: [Migration]) {
        self.migrations = migrations
    }

    /// Applies, in list order, every migration not yet recorded in `schema_migrations`, each in its
    /// own transaction together with its record. Idempotent.
    ///
    /// Throws `MigrationError.unknownAppliedMigrations` before changing anything if the database
    /// records a name not in the list, `MigrationError.duplicateName` if the list repeats a name,
    /// and the `SQLiteError` of a failing migration (that migration and later ones are then not
    /// applied; earlier ones stay applied).
    public func migrate(_ db: Database) throws {
        var known = Set<String>()
        for migration in migrations where !known.insert(migration.name).inserted {
            throw MigrationError.duplicateName(migration.name)
        }
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER)
            """)
        let unknown = try applied(db).filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw MigrationError.unknownAppliedMigrations(unknown)
        }
        for migration in migrations {
            try db.transaction {
                // Checked under the write lock, so two processes migrating at once apply each
                // migration once.
                guard try db.queryOne("SELECT 1 FROM schema_migrations WHERE name = ?", .text(migration.name)) == nil
                else { return }
                try db.execute(migration.sql)
                try db.run(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, CAST(strftime('%s', 'now') AS INTEGER))",
                    .text(migration.name))
            }
        }
    }

    /// The names recorded in `schema_migrations`, in the order they were applied; empty if the
    /// table does not exist yet (this never creates it, so it works on a read-only connection).
    public func applied(_ db: Database) throws -> [String] {
        let table = try db.queryOne(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
        guard table != nil else { return [] }
        return try db.query("SELECT name FROM schema_migrations ORDER BY rowid").compactMap { $0.text(0) }
    }
}
