// The federation membership document (decision 3 of the brief): who the members are, which groups they form,
// which Ed25519 keys sign which positions of each feed, where each node listens, and which TLS certificates are
// revoked. A key is valid for a range of positions of its feed, not for a range of times: the signer chooses an
// entry's time, but not which positions of its feed others already hold, so a revoked key cannot sign "before" its
// revocation.
//
// It is signed by the federation authority's Ed25519 key over its canonical JSON. A node installs a document only
// if the signature verifies against the authority key it was configured with and its version is higher than the
// one installed, so rotation and revocation take effect everywhere the new version reaches.
//
// Signed form: {"membership": <document>, "signature": "<hex Ed25519 over canonical bytes of document>"}.

public struct MemberKey: Sendable, Hashable {
    public let key: PublicKey
    /// The first position of the feed the key signs (1 for a feed's first key).
    public let fromSeq: Int64
    /// The last position it signs; nil while it is the feed's current key. Set when it is revoked or rotated.
    public let untilSeq: Int64?

    public init(key: PublicKey, fromSeq: Int64, untilSeq: Int64?) {
        self.key = key
        self.fromSeq = fromSeq
        self.untilSeq = untilSeq
    }

    /// Whether the key signs position `seq`.
    public func covers(_ seq: Int64) -> Bool { seq >= fromSeq && untilSeq.map { seq <= $0 } ?? true }
}

public struct MemberFeed: Sendable, Hashable {
    public let feed: String
    public let keys: [MemberKey]
}

public struct Member: Sendable, Hashable {
    public let force: String
    public let name: String
    public let groups: [String]
    public let endpoint: String          // https://host:port
    public let feeds: [MemberFeed]
}

public struct Membership: Sendable, Hashable {
    public let federation: String
    public let version: Int64
    public let issuedAt: Int64
    public let members: [Member]
    /// SHA-256 fingerprints (hex, of the DER) of TLS certificates that are no longer accepted.
    public let revokedCertificates: [String]
    /// The authority's explicit word that this version may undo a revocation (MembershipChanges.swift): certificate
    /// fingerprints it no longer revokes and keys (hex) whose range it reopens or extends. A node refuses a version
    /// that weakens a revocation of the installed one unless the key or certificate is listed here. Not in the JSON
    /// when empty, so documents from before it sign and verify as they did.
    public let reinstated: [String]

    public init(federation: String, version: Int64, issuedAt: Int64, members: [Member], revokedCertificates: [String],
                reinstated: [String] = []) {
        self.federation = federation
        self.version = version
        self.issuedAt = issuedAt
        self.members = members.sorted { $0.force < $1.force }
        self.revokedCertificates = revokedCertificates.sorted()
        self.reinstated = Array(Set(reinstated)).sorted()
    }

    public func member(_ force: String) -> Member? { members.first { $0.force == force } }

    public func groups(of force: String) -> Set<String> { Set(member(force)?.groups ?? []) }

    /// The feed a key signs for, and its range of positions.
    public func grant(for key: PublicKey) -> (feed: String, key: MemberKey)? {
        for m in members {
            for f in m.feeds { if let k = f.keys.first(where: { $0.key == key }) { return (f.feed, k) } }
        }
        return nil
    }

    /// The member whose feeds include `feed`.
    public func member(ofFeed feed: String) -> Member? {
        members.first { $0.feeds.contains { $0.feed == feed } }
    }

    public var json: JSONValue {
        var document: JSONValue = [
            "federation": .string(federation), "version": .int(version), "issuedAt": .int(issuedAt),
            "members": .array(members.map { m in
                [
                    "force": .string(m.force), "name": .string(m.name),
                    "groups": .array(m.groups.map { .string($0) }), "endpoint": .string(m.endpoint),
                    "feeds": .array(m.feeds.map { f in
                        ["feed": .string(f.feed), "keys": .array(f.keys.map { k in
                            ["key": .string(k.key.hex), "fromSeq": .int(k.fromSeq),
                             "untilSeq": k.untilSeq.map { .int($0) } ?? .null]
                        })]
                    }),
                ]
            }),
            "revokedCertificates": .array(revokedCertificates.map { .string($0) }),
        ]
        if !reinstated.isEmpty, case .object(var o) = document {
            o["reinstated"] = .array(reinstated.map { .string($0) })
            document = .object(o)
        }
        return document
    }

    public init(json: JSONValue) throws(ModelError) {
        func fail(_ what: String) -> ModelError { ModelError("membership: \(what)") }
        guard let o = json.object, let federation = o["federation"]?.string, let version = o["version"]?.int,
              version >= 1, let issuedAt = o["issuedAt"]?.int, (0...Limits.maxTime).contains(issuedAt),
              let members = o["members"]?.array, let revoked = o["revokedCertificates"]?.array
        else {
            throw fail("expected federation, version >= 1, issuedAt (Unix ms 0...\(Limits.maxTime)), members and "
                       + "revokedCertificates")
        }
        if let extra = Set(o.keys).subtracting(["federation", "version", "issuedAt", "members",
                                                "revokedCertificates", "reinstated"]).sorted().first {
            throw fail("unknown member '\(extra.prefix(40))'")
        }
        var parsed: [Member] = []
        var seenFeeds = Set<String>(), seenKeys = Set<PublicKey>()
        for m in members {
            guard let force = m["force"]?.string, Identifiers.isSlug(force) else { throw fail("member force must be a slug") }
            guard let name = m["name"]?.string, let endpoint = m["endpoint"]?.string, endpoint.hasPrefix("https://"),
                  let groups = m["groups"]?.array, let feeds = m["feeds"]?.array
            else { throw fail("member \(force): expected name, https endpoint, groups and feeds") }
            let groupNames = groups.compactMap(\.string)
            guard groupNames.count == groups.count, groupNames.allSatisfy(Identifiers.isSlug) else {
                throw fail("member \(force): groups must be slugs")
            }
            var memberFeeds: [MemberFeed] = []
            for f in feeds {
                guard let feed = f["feed"]?.string, Identifiers.isFeedID(feed), Identifiers.force(ofFeed: feed) == force
                else { throw fail("member \(force): feed ids must be \(force)/<16 hex digits>") }
                guard seenFeeds.insert(feed).inserted else { throw fail("feed \(feed) listed twice") }
                var keys: [MemberKey] = []
                for k in f["keys"]?.array ?? [] {
                    guard let ko = k.object, Set(ko.keys) == ["key", "fromSeq", "untilSeq"],
                          let hex = ko["key"]?.string, Identifiers.isLowerHex(hex, count: 64),
                          let key = try? PublicKey(hex: hex), let from = ko["fromSeq"]?.int, Limits.isSeq(from)
                    else { throw fail("feed \(feed): keys must be {key: hex, fromSeq: 1...\(Limits.maxSeq), untilSeq}") }
                    var until: Int64?
                    if let u = ko["untilSeq"], !u.isNull {
                        guard let n = u.int, n >= from, n <= Limits.maxSeq else {
                            throw fail("feed \(feed): untilSeq must be null or an integer fromSeq...\(Limits.maxSeq)")
                        }
                        until = n
                    }
                    guard seenKeys.insert(key).inserted else { throw fail("key \(hex.prefix(16))... listed twice") }
                    keys.append(MemberKey(key: key, fromSeq: from, untilSeq: until))
                }
                memberFeeds.append(MemberFeed(feed: feed, keys: keys))
            }
            parsed.append(Member(force: force, name: name, groups: groupNames.sorted(), endpoint: endpoint,
                                 feeds: memberFeeds))
        }
        guard Set(parsed.map(\.force)).count == parsed.count else { throw fail("a force is listed twice") }
        let fingerprints = revoked.compactMap(\.string)
        guard fingerprints.count == revoked.count,
              fingerprints.allSatisfy({ Identifiers.isLowerHex($0, count: 64) })
        else { throw fail("revokedCertificates must be SHA-256 fingerprints in lowercase hex") }
        let reinstatedItems = o["reinstated"]?.array ?? []
        let reinstated = reinstatedItems.compactMap(\.string)
        guard reinstated.count == reinstatedItems.count, reinstated.allSatisfy({ Identifiers.isLowerHex($0, count: 64) })
        else { throw fail("reinstated must list keys and certificate fingerprints in lowercase hex") }
        if let both = Set(reinstated).intersection(fingerprints).sorted().first {
            throw fail("certificate \(both.prefix(16))... is both revoked and reinstated")
        }
        self.init(federation: federation, version: version, issuedAt: issuedAt, members: parsed,
                  revokedCertificates: fingerprints, reinstated: reinstated)
    }
}

/// A membership document with the authority's signature.
public struct SignedMembership: Sendable {
    public let membership: Membership
    public let signature: Signature

    public static func sign(_ membership: Membership, with authority: SecretKey) -> SignedMembership {
        SignedMembership(membership: membership, signature: authority.sign(membership.json.canonicalBytes))
    }

    public init(membership: Membership, signature: Signature) {
        self.membership = membership
        self.signature = signature
    }

    public func verify(authority: PublicKey) -> Bool {
        authority.verify(signature, for: membership.json.canonicalBytes)
    }

    public var json: JSONValue { ["membership": membership.json, "signature": .string(signature.hex)] }

    public init(json: JSONValue) throws(ModelError) {
        guard let o = json.object, Set(o.keys) == ["membership", "signature"], let doc = o["membership"],
              let hex = o["signature"]?.string, let signature = try? Signature(hex: hex)
        else { throw ModelError("signed membership must be {\"membership\": {...}, \"signature\": hex}") }
        self.init(membership: try Membership(json: doc), signature: signature)
    }
}

extension SecretKey {
    /// Reads an Ed25519 private key in PKCS#8 PEM as `openssl genpkey -algorithm ed25519` writes it
    /// (DER 302e020100300506032b657004220420 followed by the 32-byte seed).
    public static func fromPKCS8PEM(_ pem: String) throws(ModelError) -> SecretKey {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Base64.decode(body), der.count == 48,
              Hex.encode(der.prefix(16)) == "302e020100300506032b657004220420",
              let key = try? SecretKey(seed: Array(der.suffix(32)))
        else { throw ModelError("not an Ed25519 private key in PKCS#8 PEM") }
        return key
    }
}

extension PublicKey {
    /// Reads an Ed25519 public key in SubjectPublicKeyInfo PEM (DER 302a300506032b6570032100 + 32 bytes).
    public static func fromSPKIPEM(_ pem: String) throws(ModelError) -> PublicKey {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Base64.decode(body), der.count == 44, Hex.encode(der.prefix(12)) == "302a300506032b6570032100",
              let key = try? PublicKey(bytes: Array(der.suffix(32)))
        else { throw ModelError("not an Ed25519 public key in SubjectPublicKeyInfo PEM") }
        return key
    }
}

/// Standard base64 (RFC 4648 §4) decoding for PEM bodies.
public enum Base64 {
    public static func decode(_ text: String) -> [UInt8]? {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        var out: [UInt8] = [], buffer: UInt32 = 0, bits = 0, padding = 0
        for c in text.utf8 where !(c == 0x0a || c == 0x0d || c == 0x20) {
            if c == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0, table[Int(c)] != 0xff else { return nil }
            buffer = buffer << 6 | UInt32(table[Int(c)])
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return padding <= 2 ? out : nil
    }
}
