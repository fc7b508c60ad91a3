// Feed position statements and the proof of a fork (decisions 1 and 5 of the brief).
//
// Every entry carries a second signature by its key over the canonical JSON
// `{"audience": <header.audience>, "feed": <author>, "hash": <entry hash>, "seq": <seq>}`: the author's statement
// that its feed holds that entry at that position. A node outside the entry's audience holds just the statement
// (a *withheld marker*, `{"withheld": {...}}` on the wire) so its copy of the feed stays gap-free. Two validly
// signed statements for one feed position with different hashes are proof that the author forked its feed
// (equivocated): whoever holds them can hand them to anyone, who can check them with nothing but the author's
// keys. ``ForkEvidence`` is that pair.

/// One signed feed position statement: feed `author` holds entry `hash` at `seq`, for `audience`.
public struct PositionStatement: Sendable, Hashable {
    public let author: String
    public let seq: Int64
    public let hash: SHA256Digest
    public let audience: Audience
    /// The author's key and its signature of the statement (the entry's `position`).
    public let key: PublicKey
    public let signature: Signature

    public init(author: String, seq: Int64, hash: SHA256Digest, audience: Audience, key: PublicKey,
                signature: Signature) {
        self.author = author
        self.seq = seq
        self.hash = hash
        self.audience = audience
        self.key = key
        self.signature = signature
    }

    /// The statement carried by an entry envelope.
    public init(_ envelope: EntryEnvelope) {
        let h = envelope.entry.header
        self.init(author: h.author, seq: h.seq, hash: envelope.entry.hash, audience: h.audience, key: h.key,
                  signature: envelope.position)
    }

    /// Whether `signature` is `key`'s signature of this statement (whether `key` may sign for the feed at `seq` is
    /// the node's question).
    public func verifySignature() -> Bool {
        key.verify(signature, for: FeedPosition.bytes(feed: author, seq: seq, hash: hash.hex, audience: audience.json))
    }

    /// `{"author", "seq", "hash", "audience", "key", "signature"}`.
    public var json: JSONValue {
        ["author": .string(author), "seq": .int(seq), "hash": .string(hash.hex), "audience": audience.json,
         "key": .string(key.hex), "signature": .string(signature.hex)]
    }

    public init(json: JSONValue) throws(Rejection) {
        guard let w = json.object, Set(w.keys) == ["author", "seq", "hash", "audience", "key", "signature"],
              let author = w["author"]?.string, Identifiers.isFeedID(author),
              let seq = w["seq"]?.int, Limits.isSeq(seq), let hex = w["hash"]?.string,
              Identifiers.isLowerHex(hex, count: 64), let hash = SHA256Digest(hex: hex), let audienceJSON = w["audience"],
              let audience = try? Audience(json: audienceJSON),
              let keyHex = w["key"]?.string, Identifiers.isLowerHex(keyHex, count: 64), let key = try? PublicKey(hex: keyHex),
              let sigHex = w["signature"]?.string, Identifiers.isLowerHex(sigHex, count: 128),
              let signature = try? Signature(hex: sigHex)
        else {
            throw Rejection(.malformed, "position statement must be {author, seq 1...\(Limits.maxSeq), hash, audience, "
                            + "key, signature}")
        }
        self.init(author: author, seq: seq, hash: hash, audience: audience, key: key, signature: signature)
    }

    /// The withheld-marker form: `{"withheld": <statement>}`.
    public var markerJSON: JSONValue { ["withheld": json] }

    public init(markerJSON json: JSONValue) throws(Rejection) {
        guard let o = json.object, o.count == 1, let inner = o["withheld"] else {
            throw Rejection(.malformed, "withheld marker must be {\"withheld\": {author, seq, hash, audience, key, signature}}")
        }
        do { try self.init(json: inner) } catch {
            throw Rejection(.malformed, "withheld marker must be {author, seq 1...\(Limits.maxSeq), hash, audience, key, signature}")
        }
    }
}

/// Two signed statements for one feed position with different hashes: proof that the feed's author forked it.
public struct ForkEvidence: Sendable, Hashable {
    /// The two statements, the one with the smaller hash first.
    public let statements: (PositionStatement, PositionStatement)

    /// Nil unless `a` and `b` are for the same feed and seq and name different hashes.
    public init?(_ a: PositionStatement, _ b: PositionStatement) {
        guard a.author == b.author, a.seq == b.seq, a.hash != b.hash else { return nil }
        statements = a.hash.hex < b.hash.hex ? (a, b) : (b, a)
    }

    public var feed: String { statements.0.author }
    public var seq: Int64 { statements.0.seq }
    public var hashes: [String] { [statements.0.hash.hex, statements.1.hash.hex] }

    /// Whether both signatures verify (the node also checks that both keys may sign the feed at `seq`).
    public func verifySignatures() -> Bool { statements.0.verifySignature() && statements.1.verifySignature() }

    /// `{"feed", "seq", "statements": [<statement>, <statement>]}`, statements in ascending hash order.
    public var json: JSONValue {
        ["feed": .string(feed), "seq": .int(seq), "statements": [statements.0.json, statements.1.json]]
    }

    public init(json: JSONValue) throws(Rejection) {
        guard let o = json.object, Set(o.keys) == ["feed", "seq", "statements"], let items = o["statements"]?.array,
              items.count == 2
        else { throw Rejection(.malformed, "fork evidence must be {feed, seq, statements: [two statements]}") }
        let a = try PositionStatement(json: items[0]), b = try PositionStatement(json: items[1])
        guard let evidence = ForkEvidence(a, b), o["feed"]?.string == evidence.feed, o["seq"]?.int == evidence.seq else {
            throw Rejection(.malformed, "fork evidence must name two different hashes for the one position it names")
        }
        self = evidence
    }

    public static func == (a: Self, b: Self) -> Bool { a.statements.0 == b.statements.0 && a.statements.1 == b.statements.1 }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(statements.0)
        hasher.combine(statements.1)
    }
}
