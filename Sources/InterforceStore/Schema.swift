// The store's tables, as string-named migrations applied in order and recorded in `schema_migrations`.
//
// entries   one row per entry; `header` holds exactly the canonical bytes that were hashed and signed
// payloads  kept apart from entries so a lawful erasure can delete a payload and leave the chain intact
// feeds     the head (seq, hash, clock) of every feed held: the version vector
// records   materialized CRDT state per record, with its state hash (the digest is computed from these)
// records_fts, record_forces   full-text index and the forces that wrote to each record, for queries
// keys      Ed25519 keys trusted for each feed, with the positions each signs (a record of what the membership or the
//           log grants; trust is decided from those, and `audit verify` compares this table with them)
// log       the hash-chained replication and access log (see AuditLog.swift)
// withheld  feed positions held only as a hash: entries whose audience excludes this node (keeps feeds gap-free)
// equivocations  second entries for a feed position already filled: kept as evidence, the feed flagged
// peers     last success and last error per peer, for `peers status`
// officers  the officer registry: Unix account and uid, collar number, and the registration (roles, clearance)
// requests  results of recent writes by client request id, so a retried write is answered, not done twice
// forks     two signed statements for one feed position (fork evidence), from wherever they were found
// rolled_back  positions removed from a feed because a newer membership ended their key's range before them
// Never edit a migration once released; add a new one.

enum StoreSchema {
    static let migrations: [Migration] = [
        Migration(name: "001-initial", sql: """
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
            CREATE TABLE keys(
                public_key TEXT PRIMARY KEY,
                feed TEXT NOT NULL,
                valid_from INTEGER NOT NULL,
                valid_until INTEGER
            ) STRICT;
            CREATE TABLE feeds(
                author TEXT PRIMARY KEY,
                head_seq INTEGER NOT NULL,
                head_hash TEXT NOT NULL,
                head_time INTEGER NOT NULL,
                head_tick INTEGER NOT NULL
            ) STRICT;
            CREATE TABLE entries(
                hash TEXT PRIMARY KEY,
                author TEXT NOT NULL,
                seq INTEGER NOT NULL,
                record TEXT NOT NULL,
                time INTEGER NOT NULL,
                tick INTEGER NOT NULL,
                header TEXT NOT NULL,
                signature TEXT NOT NULL,
                position TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                UNIQUE(author, seq)
            ) STRICT;
            CREATE INDEX entries_by_record ON entries(record);
            CREATE TABLE payloads(
                entry TEXT PRIMARY KEY REFERENCES entries(hash),
                body TEXT NOT NULL
            ) STRICT;
            CREATE TABLE records(
                id TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                classification TEXT,
                created_time INTEGER NOT NULL,
                updated_time INTEGER NOT NULL,
                erased INTEGER NOT NULL,
                state TEXT NOT NULL,
                state_hash TEXT NOT NULL
            ) STRICT;
            CREATE INDEX records_by_updated ON records(updated_time);
            CREATE TABLE record_forces(
                record TEXT NOT NULL,
                force TEXT NOT NULL,
                PRIMARY KEY(record, force)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX record_forces_by_force ON record_forces(force, record);
            CREATE VIRTUAL TABLE records_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
            CREATE TABLE log(
                seq INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                kind TEXT NOT NULL,
                officer TEXT,
                purpose TEXT,
                peer TEXT,
                author TEXT,
                record TEXT,
                entry TEXT,
                reason TEXT,
                detail TEXT NOT NULL,
                prev TEXT NOT NULL,
                hash TEXT NOT NULL
            ) STRICT;
            CREATE INDEX log_by_record ON log(record);
            CREATE INDEX log_by_kind ON log(kind, at);
            """),
        Migration(name: "002-federation", sql: """
            CREATE TABLE withheld(
                author TEXT NOT NULL,
                seq INTEGER NOT NULL,
                hash TEXT NOT NULL,
                audience TEXT NOT NULL,
                key TEXT NOT NULL,
                signature TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                PRIMARY KEY(author, seq)
            ) STRICT;
            CREATE TABLE equivocations(
                hash TEXT PRIMARY KEY,
                author TEXT NOT NULL,
                seq INTEGER NOT NULL,
                envelope TEXT NOT NULL,
                peer TEXT,
                received_at INTEGER NOT NULL
            ) STRICT;
            ALTER TABLE feeds ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE erasure_evidence(
                entry TEXT PRIMARY KEY REFERENCES entries(hash),
                envelope TEXT NOT NULL
            ) STRICT;
            CREATE TABLE peers(
                peer TEXT PRIMARY KEY,
                last_success INTEGER,
                last_error TEXT,
                last_error_at INTEGER,
                entries_sent INTEGER NOT NULL DEFAULT 0,
                entries_received INTEGER NOT NULL DEFAULT 0,
                vector TEXT
            ) STRICT;
            """),
        // Officers as principals: the Unix account behind every row caused by a local caller, the registry that
        // maps accounts to officers, and the results of recent writes by client request id (at most once).
        Migration(name: "003-officers", sql: """
            ALTER TABLE log ADD COLUMN account TEXT;
            CREATE INDEX log_by_officer ON log(officer, at);
            CREATE TABLE officers(
                account TEXT PRIMARY KEY,
                uid INTEGER NOT NULL,
                collar TEXT NOT NULL UNIQUE,
                registration TEXT NOT NULL,
                changed_at INTEGER NOT NULL
            ) STRICT;
            CREATE TABLE requests(
                id TEXT PRIMARY KEY,
                uid INTEGER NOT NULL,
                operation TEXT NOT NULL,
                digest TEXT NOT NULL,
                result TEXT NOT NULL,
                at INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX requests_by_at ON requests(at);
            """),
        // Ownership, forks and revocation by position (issue 6): keys signed for ranges of feed positions instead of
        // time windows, fork evidence, positions rolled back by a newer membership, erasure evidence by position.
        Migration(name: "004-ownership-forks-positions", sql: """
            DROP TABLE keys;
            CREATE TABLE keys(
                public_key TEXT PRIMARY KEY,
                feed TEXT NOT NULL,
                from_seq INTEGER NOT NULL,
                until_seq INTEGER
            ) STRICT;
            CREATE TABLE forks(
                feed TEXT NOT NULL,
                seq INTEGER NOT NULL,
                hash_a TEXT NOT NULL,
                hash_b TEXT NOT NULL,
                evidence TEXT NOT NULL,
                peer TEXT,
                received_at INTEGER NOT NULL,
                PRIMARY KEY(feed, seq, hash_a, hash_b)
            ) STRICT;
            CREATE TABLE rolled_back(
                author TEXT NOT NULL,
                seq INTEGER NOT NULL,
                hash TEXT NOT NULL,
                item TEXT NOT NULL,
                version INTEGER NOT NULL,
                rolled_at INTEGER NOT NULL,
                PRIMARY KEY(author, seq, hash)
            ) STRICT;
            CREATE INDEX rolled_back_by_hash ON rolled_back(hash);
            ALTER TABLE erasure_evidence ADD COLUMN author TEXT;
            ALTER TABLE erasure_evidence ADD COLUMN seq INTEGER;
            ALTER TABLE erasure_evidence ADD COLUMN hash TEXT;
            CREATE INDEX erasure_evidence_by_position ON erasure_evidence(author, seq);
            """),
    ]
}
