// The node's side of the federation: installing signed membership, deciding who is entitled to an entry, admitting
// withheld markers, and choosing what each peer may be sent (decisions 3, 4 and 5 of the brief).
//
// Sharing policy: a force may hold an entry if it is the author's force, is named in the audience, or belongs to
// a group named in it (groups as the installed membership states them). A peer is sent, for each feed position,
// either the entry (if entitled) or a withheld marker (hash and audience, no content) so its copy of the feed stays
// gap-free. A relay that holds only a marker for a position the peer is entitled to stops that feed there: the
// peer gets the entry from a node that holds it. Installing a membership rolls back positions now outside the
// range of their key (Node+Rollback.swift).

import Foundation
public import InterforceCore
import InterforceStore

extension Node {
    /// The signed document as installed, for serving to peers (nil if none, or if it cannot be trusted).
    public func signedMembership() throws -> SignedMembership? {
        guard membership != nil, let text = try store.meta(Self.membershipMetaKey) else { return nil }
        return try? SignedMembership(json: JSONValue(parsing: text))
    }

    /// Installs a newer membership signed by the configured authority: trusted keys become exactly those listed
    /// (so rotation and revocation take effect), positions now outside their key's range are rolled back, and the
    /// change is logged. Returns false, changing nothing, when the document is not newer than the installed one.
    @discardableResult
    public func installMembership(_ signed: SignedMembership, source: String?, officer: String?) throws -> Bool {
        try requireIntact()
        guard let authorityHex = config.authority, let authority = try? PublicKey(hex: authorityHex) else {
            throw NodeError("no federation authority key configured ('authority' in config.json)")
        }
        guard signed.verify(authority: authority) else {
            try store.transaction {
                try store.appendLog(LogEvent(kind: "reject", officer: officer, peer: source, reason: "bad-signature",
                                             detail: ["message": "membership signature does not verify against the authority key",
                                                      "version": .int(signed.membership.version)]), at: now())
            }
            throw NodeError("membership signature does not verify against the federation authority key")
        }
        let new = signed.membership
        if let current = membership, new.version <= current.version { return false }
        guard new.member(config.force)?.feeds.contains(where: { $0.feed == config.feed }) ?? false else {
            throw NodeError("membership version \(new.version) does not list this node's feed \(config.feed)")
        }
        if let current = membership {
            let weakenings = new.unauthorisedWeakenings(since: current)
            if !weakenings.isEmpty {
                let message = "membership version \(new.version) undoes revocations of the installed version "
                    + "\(current.version) that the authority has not reinstated: "
                    + weakenings.map(\.text).joined(separator: "; ") + ". Nothing was installed. Build the next "
                    + "version with 'membership create --from' the current signed document, which keeps every "
                    + "revocation; if undoing one is intended, the authority lists it with --reinstate"
                try store.transaction {
                    try store.appendLog(LogEvent(kind: "reject", officer: officer, peer: source, reason: "unrevokes",
                                                 detail: ["message": .string(message), "version": .int(new.version),
                                                          "previous": .int(current.version),
                                                          "changes": .array(weakenings.map(\.json))]), at: now())
                }
                throw NodeError(message)
            }
        }
        let changes = membership.map { new.changes(since: $0) } ?? []
        let before = grants
        let after = try Self.grants(membership: new, store: store)
        let text = signed.json.canonicalText
        try store.transaction {
            try store.replaceTrustedKeys(after.values.sorted { $0.key.hex < $1.key.hex })
            try store.setMeta(Self.membershipMetaKey, text)
            let at = now()
            try store.appendLog(LogEvent(kind: "membership-installed", officer: officer, peer: source,
                                         detail: ["version": .int(new.version), "previous": membership.map { .int($0.version) } ?? .null,
                                                  "members": .int(Int64(new.members.count)),
                                                  "sha256": .string(SHA256Digest.hash(text).hex),
                                                  "changes": .array(changes.map(\.json))]), at: at)
            for k in after.values.sorted(by: { ($0.feed, $0.key.hex) < ($1.feed, $1.key.hex) }) {
                let old = before[k.key]
                if old == nil {
                    try store.appendLog(LogEvent(kind: "key-trusted", author: k.feed,
                                                 detail: ["key": .string(k.key.hex), "fromSeq": .int(k.fromSeq),
                                                          "untilSeq": k.untilSeq.map { .int($0) } ?? .null,
                                                          "version": .int(new.version)]), at: at)
                } else if let until = k.untilSeq, old?.untilSeq != until {
                    try store.appendLog(LogEvent(kind: "key-revoked", author: k.feed,
                                                 detail: ["key": .string(k.key.hex), "untilSeq": .int(until),
                                                          "version": .int(new.version)]), at: at)
                }
            }
            try rollBackPositionsOutsideTheirKeys(after, version: new.version, at: at)
            try dropEvidenceOutsideTheirKeys(after, version: new.version, at: at)
        }
        grants = after
        membership = new
        return true
    }

    /// The groups a force belongs to: from the membership, or this node's config for itself before one is installed.
    public func groups(of force: String) -> Set<String> {
        if let membership { return membership.groups(of: force) }
        return force == config.force ? Set(config.groups) : []
    }

    public func isEntitled(force: String, to audience: Audience, authorForce: String) -> Bool {
        audience.admits(force: force, groupsOfForce: groups(of: force), authorForce: authorForce)
    }

    /// Admits a withheld marker (inside the caller's transaction). A marker for a position already held with
    /// another hash is fork evidence (both statements are the author's).
    func admitWithheld(_ marker: WithheldMarker, peer: String?) throws -> IngestOutcome {
        let at = now()
        if try store.hashAt(author: marker.author, seq: marker.seq) == marker.hash.hex {
            try store.appendLog(LogEvent(kind: "duplicate", peer: peer, author: marker.author, entry: marker.hash.hex,
                                         detail: ["seq": .int(marker.seq), "withheld": true]), at: at)
            return .duplicate(marker.hash)
        }
        do {
            try checkKey(marker.key, feed: marker.author, seq: marker.seq, what: "withheld marker")
            guard marker.verifySignature() else {
                throw Rejection(.badSignature, "withheld marker for \(marker.author) seq \(marker.seq): position "
                                + "signature does not verify")
            }
            let head = try store.feedHead(marker.author)
            let expected = (head?.seq ?? 0) + 1
            if marker.seq < expected {
                if let held = try heldStatement(feed: marker.author, seq: marker.seq), let fork = ForkEvidence(held, marker) {
                    do { try recordFork(fork, newHash: marker.hash.hex, peer: peer, source: "marker") }
                    catch is Rejection {}   // the held statement no longer verifies: no proof, the refusal stands
                }
                throw Rejection(.equivocation, "feed \(marker.author) already holds a different entry at seq \(marker.seq) "
                                + "than this withheld marker names: equivocation; evidence kept and the feed flagged")
            }
            guard !isEntitled(force: config.force, to: marker.audience, authorForce: Identifiers.force(ofFeed: marker.author))
            else {
                throw Rejection(.malformed, "withheld marker for \(marker.author) seq \(marker.seq), an entry "
                                + "\(config.force) is entitled to: the entry itself is needed")
            }
            guard marker.seq == expected else {
                throw Rejection(.gap, "withheld marker for \(marker.author): expected seq \(expected), got \(marker.seq)")
            }
            try store.insertWithheld(marker, receivedAt: at)
            try store.appendLog(LogEvent(kind: "withheld", peer: peer, author: marker.author, entry: marker.hash.hex,
                                         detail: ["seq": .int(marker.seq)]), at: at)
            return .withheld(marker)
        } catch let rejection as Rejection {
            try store.appendLog(LogEvent(kind: "reject", peer: peer, author: marker.author, entry: marker.hash.hex,
                                         reason: rejection.code.rawValue,
                                         detail: ["seq": .int(marker.seq), "message": .string(rejection.message)]), at: at)
            return .rejected(rejection)
        }
    }

    /// What `peerForce` may be sent of `author`'s feed after `after`: entries it is entitled to, markers for the
    /// rest, stopping before a position held here only as a marker that the peer is entitled to, and before a write
    /// whose payload was dropped here by an erase the peer is not entitled to (it could not admit it).
    public func deliveries(for peerForce: String, author: String, after: Int64, limit: Int) throws -> [Delivery] {
        guard (0..<Limits.maxSeq).contains(after), limit > 0 else { return [] }
        var out: [Delivery] = []
        var expected = after + 1
        for item in try store.feedItems(author: author, after: after, limit: limit) {
            guard item.seq == expected else { break }
            expected += 1
            switch item {
            case .entry(let stored):
                let h = stored.entry.header
                guard isEntitled(force: peerForce, to: h.audience, authorForce: h.force) else {
                    out.append(.withheld(WithheldMarker(stored)))
                    continue
                }
                let envelope = try envelopeForSending(stored)
                if envelope.payload == nil, h.op == .write {
                    guard let e = envelope.erasure?.envelope.entry.header,
                          isEntitled(force: peerForce, to: e.audience, authorForce: e.force)
                    else { return out }
                }
                out.append(.entry(envelope))
            case .withheld(let marker):
                if isEntitled(force: peerForce, to: marker.audience, authorForce: Identifiers.force(ofFeed: author)) {
                    return out
                }
                out.append(.withheld(marker))
            }
        }
        return out
    }
}
