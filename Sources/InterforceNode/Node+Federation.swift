// The node's side of the federation: installing signed membership, deciding who is entitled to an entry, admitting
// withheld markers, and choosing what each peer may be sent (decisions 3, 4 and 5 of the brief).
//
// Sharing policy: a force may hold an entry if it is the author's force, is named in the audience, or belongs to
// a group named in it (groups as the installed membership states them). A peer is sent, for each feed position,
// either the entry (if entitled) or a withheld marker (hash and audience, no content) so its copy of the feed stays
// gap-free. A relay that holds only a marker for a position the peer is entitled to stops that feed there: the
// peer gets the entry from a node that holds it.

import Foundation
public import InterforceCore
import InterforceStore

extension Node {
    static let membershipMetaKey = "membership"

    static func loadMembership(_ store: Store) throws -> Membership? {
        guard let text = try store.meta(membershipMetaKey) else { return nil }
        do {
            return try SignedMembership(json: JSONValue(parsing: text)).membership
        } catch {
            throw NodeError("installed membership cannot be read (\(error)); reinstall it")
        }
    }

    /// The signed document as installed, for serving to peers.
    public func signedMembership() throws -> SignedMembership? {
        guard let text = try store.meta(Self.membershipMetaKey) else { return nil }
        return try? SignedMembership(json: JSONValue(parsing: text))
    }

    /// Installs a newer membership signed by the configured authority: trusted keys become exactly those listed
    /// (so rotation and revocation take effect), and the change is logged. Returns false, changing nothing, when
    /// the document is not newer than the installed one.
    @discardableResult
    public func installMembership(_ signed: SignedMembership, source: String?, officer: String?) throws -> Bool {
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
        let before = Dictionary(try store.trustedKeys().map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var keys: [(feed: String, key: PublicKey, validFrom: Int64, validUntil: Int64?)] = []
        for member in new.members {
            for feed in member.feeds {
                for k in feed.keys { keys.append((feed.feed, k.key, k.validFrom, k.validUntil)) }
            }
        }
        try store.transaction {
            try store.replaceTrustedKeys(keys)
            try store.setMeta(Self.membershipMetaKey, signed.json.canonicalText)
            let at = now()
            try store.appendLog(LogEvent(kind: "membership-installed", officer: officer, peer: source,
                                         detail: ["version": .int(new.version), "previous": membership.map { .int($0.version) } ?? .null,
                                                  "members": .int(Int64(new.members.count))]), at: at)
            for k in keys {
                let old = before[k.key]
                if old == nil {
                    try store.appendLog(LogEvent(kind: "key-trusted", author: k.feed,
                                                 detail: ["key": .string(k.key.hex), "version": .int(new.version)]), at: at)
                } else if let until = k.validUntil, old?.validUntil != until {
                    try store.appendLog(LogEvent(kind: "key-revoked", author: k.feed,
                                                 detail: ["key": .string(k.key.hex), "validUntil": .int(until),
                                                          "version": .int(new.version)]), at: at)
                }
            }
        }
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

    /// Admits a withheld marker (inside the caller's transaction).
    func admitWithheld(_ marker: WithheldMarker, peer: String?) throws -> IngestOutcome {
        let at = now()
        if try store.hashAt(author: marker.author, seq: marker.seq) == marker.hash.hex {
            try store.appendLog(LogEvent(kind: "duplicate", peer: peer, author: marker.author, entry: marker.hash.hex,
                                         detail: ["seq": .int(marker.seq), "withheld": true]), at: at)
            return .duplicate(marker.hash)
        }
        do {
            guard try store.trustedKey(marker.key)?.feed == marker.author else {
                throw Rejection(.unknownKey, "marker key \(marker.key.hex.prefix(16))... is not trusted for feed \(marker.author)")
            }
            guard marker.verifySignature() else {
                throw Rejection(.badSignature, "withheld marker for \(marker.author) seq \(marker.seq): position "
                                + "signature does not verify")
            }
            guard !isEntitled(force: config.force, to: marker.audience, authorForce: Identifiers.force(ofFeed: marker.author))
            else {
                throw Rejection(.malformed, "withheld marker for \(marker.author) seq \(marker.seq), an entry "
                                + "\(config.force) is entitled to: the entry itself is needed")
            }
            let head = try store.feedHead(marker.author)
            let expected = (head?.seq ?? 0) + 1
            guard marker.seq == expected else {
                throw Rejection(marker.seq > expected ? .gap : .conflict,
                                "withheld marker for \(marker.author): expected seq \(expected), got \(marker.seq)")
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
    /// rest, stopping before a position held here only as a marker that the peer is entitled to.
    public func deliveries(for peerForce: String, author: String, after: Int64, limit: Int) throws -> [Delivery] {
        var out: [Delivery] = []
        var expected = after + 1
        for item in try store.feedItems(author: author, after: after, limit: limit) {
            guard item.seq == expected else { break }
            expected += 1
            switch item {
            case .entry(let stored):
                let h = stored.entry.header
                if isEntitled(force: peerForce, to: h.audience, authorForce: h.force) {
                    out.append(.entry(try envelopeForSending(stored)))
                } else {
                    out.append(.withheld(WithheldMarker(stored)))
                }
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
