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

    /// Every fork held, for `sync`, `peers status` and the peer API.
    public func forks(feed: String? = nil) throws -> [ForkEvidence] { try store.forks(feed: feed) }
}
