// Forks found wherever they are (decision 5 of the brief): a node that holds two different signed statements for
// one feed position, however it came by them, keeps them as evidence, flags the feed, raises an `alert` and hands
// the evidence on, so every node learns of the fork.
//
// Sources of the two statements: an entry or a withheld marker arriving for a position already held differently
// (admission), a peer's head hash that differs from ours at the same position (anti-entropy, Replicator.swift), and
// evidence another node passes on (`POST /v1/evidence`, `GET /v1/evidence`). Each node checks both signatures itself,
// and that both keys may sign that feed position. Quarantining a forked feed is not done here (issue 12).

import InterforceCore
import InterforceStore

extension Node {
    /// Forks kept per feed: enough to prove it, bounded so that an author forking its own feed again and again
    /// cannot grow the store or the gossip.
    public static let maxForksPerFeed: Int64 = 8

    /// The statement this node holds for a feed position (from the entry, or the withheld marker).
    public func heldStatement(feed: String, seq: Int64) throws -> PositionStatement? {
        if let stored = try store.entries(author: feed, after: seq - 1, limit: 1).first, stored.entry.header.seq == seq {
            return PositionStatement(stored)
        }
        return try store.withheld(author: feed, seq: seq)
    }

    /// Checks and keeps fork evidence, inside the caller's transaction; logs an `alert` (reason `equivocation`) the
    /// first time. Throws the rejection if a statement does not verify. Returns whether it was new.
    @discardableResult
    func recordFork(_ fork: ForkEvidence, newHash: String? = nil, record: String? = nil, peer: String?, source: String)
        throws -> Bool {
        guard fork.verifySignatures() else {
            throw Rejection(.badSignature, "fork evidence for \(fork.feed) seq \(fork.seq): a statement's signature does not verify")
        }
        try checkKey(fork.statements.0.key, feed: fork.feed, seq: fork.seq, what: "statement")
        try checkKey(fork.statements.1.key, feed: fork.feed, seq: fork.seq, what: "statement")
        guard try store.forkCount(feed: fork.feed) < Self.maxForksPerFeed else { return false }
        let at = now()
        guard try store.saveFork(fork, peer: peer, receivedAt: at) else { return false }
        try store.appendLog(LogEvent(
            kind: "alert", peer: peer, author: fork.feed, record: record, entry: newHash,
            reason: Rejection.Code.equivocation.rawValue,
            detail: ["seq": .int(fork.seq), "hashes": .array(fork.hashes.map { .string($0) }), "source": .string(source),
                     "message": "two different signed statements for one feed position: evidence kept, feed flagged"]),
            at: at)
        return true
    }

    /// Evidence a peer hands on: each checked and kept, in one transaction. Returns each outcome.
    public func admitForks(_ forks: [ForkEvidence], peer: String?, source: String) throws -> [Result<Bool, Rejection>] {
        try requireIntact()
        return try store.transaction {
            try forks.map { fork in
                do { return .success(try recordFork(fork, peer: peer, source: source)) } catch let r as Rejection {
                    try store.appendLog(LogEvent(kind: "reject", peer: peer, author: fork.feed, reason: r.code.rawValue,
                                                 detail: ["seq": .int(fork.seq), "message": .string(r.message)]), at: now())
                    return .failure(r)
                }
            }
        }
    }

    /// Compares a peer's statement for a position with ours; keeps the fork if they differ. Returns whether a new
    /// fork was found.
    public func compare(_ theirs: PositionStatement, peer: String) throws -> Bool {
        try store.transaction {
            guard let ours = try heldStatement(feed: theirs.author, seq: theirs.seq), let fork = ForkEvidence(ours, theirs)
            else { return false }
            do { return try recordFork(fork, newHash: theirs.hash.hex, peer: peer, source: "head") } catch let r as Rejection {
                try store.appendLog(LogEvent(kind: "reject", peer: peer, author: theirs.author, entry: theirs.hash.hex,
                                             reason: r.code.rawValue,
                                             detail: ["seq": .int(theirs.seq), "message": .string(r.message)]), at: now())
                return false
            }
        }
    }

    /// Inside the installing transaction (after ``rollBackPositionsOutsideTheirKeys(_:version:at:)``): fork evidence
    /// and equivocations are proof only while both statements' keys may sign that position. Those `grants` no longer
    /// cover are taken out (fork evidence into the log row, an equivocation's entry into `rolled_back`), each logged
    /// `evidence-dropped`; a feed with nothing left is no longer flagged.
    func dropEvidenceOutsideTheirKeys(_ grants: [PublicKey: Store.TrustedKey], version: Int64, at: Int64) throws {
        func covered(_ key: PublicKey, _ feed: String, _ seq: Int64) -> Rejection? {
            do { try Self.checkKey(key, feed: feed, seq: seq, what: "statement", in: grants) } catch { return error }
            return nil
        }
        for fork in try store.forks(limit: .max) {
            guard let why = covered(fork.statements.0.key, fork.feed, fork.seq)
                    ?? covered(fork.statements.1.key, fork.feed, fork.seq) else { continue }
            try store.removeFork(fork)
            try store.appendLog(LogEvent(kind: "evidence-dropped", author: fork.feed, reason: why.code.rawValue, detail: [
                "seq": .int(fork.seq), "hashes": .array(fork.hashes.map { .string($0) }), "version": .int(version),
                "evidence": fork.json,
                "message": .string("fork evidence no longer proves a fork under membership version \(version): \(why.message)"),
            ]), at: at)
        }
        for envelope in try store.equivocations() {
            let h = envelope.entry.header
            guard let why = covered(h.key, h.author, h.seq) else { continue }
            try store.rollBackEquivocation(envelope, version: version, at: at)
            try store.appendLog(LogEvent(kind: "evidence-dropped", author: h.author, entry: envelope.entry.hash.hex,
                                         reason: why.code.rawValue, detail: [
                "seq": .int(h.seq), "version": .int(version),
                "message": .string("equivocating entry no longer validly signed under membership version \(version): "
                                   + "\(why.message); kept in rolled_back"),
            ]), at: at)
        }
    }

    /// Per forked feed, a digest of the forks held for it (`forkDigests` in `GET /v1/feeds`, PROTOCOL §5.1): the
    /// SHA-256 of the canonical JSON array of `[seq, hash_a, hash_b]`, in ascending order. Two nodes whose digests
    /// for a feed differ hold different forks of it and exchange them, so every fork reaches every node, not only
    /// the first of each feed.
    public func forkDigests() throws -> [String: SHA256Digest] {
        var positions: [String: [ForkEvidence]] = [:]
        for fork in try store.forks(limit: .max) { positions[fork.feed, default: []].append(fork) }
        return positions.mapValues { forks in
            let items = forks.sorted { ($0.seq, $0.hashes[0], $0.hashes[1]) < ($1.seq, $1.hashes[0], $1.hashes[1]) }
                .map { JSONValue.array([.int($0.seq), .string($0.hashes[0]), .string($0.hashes[1])]) }
            return SHA256Digest.hash(JSONValue.array(items).canonicalBytes)
        }
    }

    /// Every fork held, for `sync`, `peers status` and the peer API.
    public func forks(feed: String? = nil) throws -> [ForkEvidence] { try store.forks(feed: feed) }
}
