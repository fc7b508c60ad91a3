// Which keys may sign which positions of which feed, decided only from what the node can prove (decision 3 of the
// brief). A row in the store is not proof: whoever can write the SQLite file could add one.
//
// - With a membership installed, the keys it lists, each for its range of feed positions. On open the document is
//   checked against the authority key in config.json, and against the `membership-installed` log row that
//   recorded its hash; if either fails the store was altered: the node trusts no key, and refuses to write, ingest,
//   serve or install until the store is restored (`audit verify` still runs and reports it).
// - Before any membership, the keys its own log rows grant: its own key on first open, and `trust add`.
// The `keys` table mirrors the result for operators; `audit verify` reports any row the grants do not support.

import InterforceCore
public import InterforceStore

extension Node {
    static let membershipMetaKey = "membership"

    /// The membership in the store, verified; or why it cannot be trusted.
    static func loadMembership(_ store: Store, config: NodeConfig) throws -> (Membership?, altered: String?) {
        guard let text = try store.meta(membershipMetaKey) else { return (nil, nil) }
        let signed: SignedMembership
        do { signed = try SignedMembership(json: JSONValue(parsing: text)) } catch {
            return (nil, "the installed membership cannot be read (\(error)): the store was altered")
        }
        guard let hex = config.authority, let authority = try? PublicKey(hex: hex) else {
            return (nil, "a membership is installed but config.json names no authority key: the store or config.json was altered")
        }
        guard signed.verify(authority: authority) else {
            return (nil, "the installed membership's signature does not verify against the authority key in config.json: "
                    + "the store or config.json was altered")
        }
        let installed = try store.logRows(LogFilter.kind("membership-installed")).last
        guard installed?.event.detail["sha256"]?.string == SHA256Digest.hash(text).hex,
              installed?.event.detail["version"]?.int == signed.membership.version
        else {
            return (nil, "the installed membership (version \(signed.membership.version)) is not the one the audit log "
                    + "records as installed: the store was altered")
        }
        return (signed.membership, nil)
    }

    /// The keys trusted: the membership's, or (before one is installed) those the log's `key-trusted` rows grant,
    /// later rows replacing earlier ones for the same key.
    static func grants(membership: Membership?, store: Store) throws -> [PublicKey: Store.TrustedKey] {
        var out: [PublicKey: Store.TrustedKey] = [:]
        if let membership {
            for member in membership.members {
                for feed in member.feeds {
                    for k in feed.keys {
                        out[k.key] = Store.TrustedKey(feed: feed.feed, key: k.key, fromSeq: k.fromSeq, untilSeq: k.untilSeq)
                    }
                }
            }
            return out
        }
        for row in try store.logRows(LogFilter.kind("key-trusted")) {
            let d = row.event.detail
            guard let feed = row.event.author, let hex = d["key"]?.string, let key = try? PublicKey(hex: hex) else { continue }
            let from = d["fromSeq"]?.int ?? 1
            out[key] = Store.TrustedKey(feed: feed, key: key, fromSeq: from, untilSeq: d["untilSeq"]?.int)
        }
        return out
    }

    /// Throws the reason the store cannot be trusted, if it cannot.
    public func requireIntact() throws {
        if let storeAltered { throw NodeError(storeAltered) }
    }

    /// The grant of `key`, if the node trusts it.
    public func grant(for key: PublicKey) -> Store.TrustedKey? { grants[key] }

    /// Whether `key` may sign position `seq` of `feed`: `unknown-key` if it is not trusted for that feed or its range
    /// begins later, `revoked-key` if its range ended before `seq`.
    func checkKey(_ key: PublicKey, feed: String, seq: Int64, what: String) throws(Rejection) {
        try Self.checkKey(key, feed: feed, seq: seq, what: what, in: grants)
    }

    /// ``checkKey(_:feed:seq:what:)`` against `grants` (those of a membership being installed).
    static func checkKey(_ key: PublicKey, feed: String, seq: Int64, what: String,
                         in grants: [PublicKey: Store.TrustedKey]) throws(Rejection) {
        let short = "\(key.hex.prefix(16))..."
        guard let g = grants[key], g.feed == feed else {
            throw Rejection(.unknownKey, "key \(short) is not trusted for feed \(feed)")
        }
        if seq < g.fromSeq {
            throw Rejection(.unknownKey, "key \(short) of \(feed) signs from seq \(g.fromSeq); this \(what) is at seq \(seq)")
        }
        if let until = g.untilSeq, seq > until {
            throw Rejection(.revokedKey, "key \(short) of \(feed) was revoked after seq \(until); this \(what) is at seq \(seq)")
        }
    }

    /// Trusts `key` for positions `fromSeq...untilSeq` of `feed` (before a membership is installed; a membership
    /// replaces this). The grant is the log row itself.
    public func trust(_ key: PublicKey, feed: String, fromSeq: Int64 = 1, untilSeq: Int64? = nil, officer: String?) throws {
        try requireIntact()
        guard Identifiers.isFeedID(feed) else { throw NodeError("--feed must be <force>/<16 hex digits>") }
        guard Limits.isSeq(fromSeq), untilSeq.map({ $0 >= fromSeq && $0 <= Limits.maxSeq }) ?? true else {
            throw NodeError("--from-seq and --until-seq must be positions 1...\(Limits.maxSeq), from <= until")
        }
        guard membership == nil else {
            throw NodeError("a membership is installed: keys come from it ('membership install' a newer version)")
        }
        let grant = Store.TrustedKey(feed: feed, key: key, fromSeq: fromSeq, untilSeq: untilSeq)
        try store.transaction {
            try store.trust(grant)
            try store.appendLog(LogEvent(kind: "key-trusted", officer: officer, author: feed,
                                         detail: ["key": .string(key.hex), "fromSeq": .int(fromSeq),
                                                  "untilSeq": untilSeq.map { .int($0) } ?? .null]), at: now())
        }
        grants[key] = grant
    }

    /// What `audit verify` finds wrong with the trust the store records: the membership, and `keys` rows that the
    /// grants do not support (or grants without their row).
    func trustProblems() throws -> [String] {
        var problems: [String] = []
        if let storeAltered { problems.append("membership: \(storeAltered)") }
        var expected = grants
        for row in try store.trustedKeyRows() {
            guard let k = row.key else {
                problems.append("keys row \(row.hex.prefix(16))...: unreadable (altered)")
                continue
            }
            if expected.removeValue(forKey: k.key) != k {
                problems.append("keys row \(k.key.hex.prefix(16))... for \(k.feed): not granted by the "
                                + "\(membership == nil ? "log" : "installed membership") (altered); it is not trusted")
            }
        }
        for k in expected.values.sorted(by: { $0.key.hex < $1.key.hex }) {
            problems.append("keys table lacks the row for key \(k.key.hex.prefix(16))... of \(k.feed) (altered)")
        }
        return problems
    }
}
