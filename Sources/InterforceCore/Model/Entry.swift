// The entry: the unit of everything (decision 1 of the brief). A record changes only by an immutable, signed entry.
//
// Each node authors one feed. Its entries are numbered 1, 2, 3... and each header carries the hash of the previous
// one, so a feed is a hash chain. The header is signed with Ed25519 over its canonical JSON (RFC 8785); the header
// carries the SHA-256 of the payload, so a payload can be erased while the chain and every signature still verify.
// The entry's identity (its hash) is SHA-256 over the same canonical header bytes that are signed. The header also
// carries the record's origin (who owns it, see RecordID.swift) and every number in it is within ``Limits``.
// docs/DATA-MODEL.md states all of this precisely enough to write an independent verifier.

public struct EntryHeader: Sendable, Hashable {
    public static let version: Int64 = 2

    public let author: String           // feed id, `<force>/<16 hex>`
    public let key: PublicKey           // the Ed25519 key that signs this entry
    public let seq: Int64               // 1, 2, 3... per feed, no gaps
    public let prev: SHA256Digest?      // hash of entry seq-1 of the same feed; nil only for seq 1
    public let clock: HLCTimestamp
    public let record: String
    public let type: RecordType
    public let op: EntryOp
    public let classification: Classification
    public let audience: Audience
    /// The record's origin: nil for a record with a natural key (shared), else the owner and nonce its id derives from.
    public let origin: RecordOrigin?
    public let payloadHash: SHA256Digest
    public let payloadSize: Int64

    public init(author: String, key: PublicKey, seq: Int64, prev: SHA256Digest?, clock: HLCTimestamp, record: String,
                type: RecordType, op: EntryOp, classification: Classification, audience: Audience,
                origin: RecordOrigin?, payloadHash: SHA256Digest, payloadSize: Int64) {
        self.author = author
        self.key = key
        self.seq = seq
        self.prev = prev
        self.clock = clock
        self.record = record
        self.type = type
        self.op = op
        self.classification = classification
        self.audience = audience
        self.origin = origin
        self.payloadHash = payloadHash
        self.payloadSize = payloadSize
    }

    public var force: String { Identifiers.force(ofFeed: author) }

    public var json: JSONValue {
        [
            "v": .int(Self.version),
            "author": .string(author),
            "key": .string(key.hex),
            "seq": .int(seq),
            "prev": prev.map { .string($0.hex) } ?? .null,
            "time": .int(clock.time),
            "tick": .int(clock.tick),
            "record": .string(record),
            "type": .string(type.rawValue),
            "op": .string(op.rawValue),
            "classification": .string(classification.rawValue),
            "audience": audience.json,
            "origin": origin?.json ?? .null,
            "payload": ["sha256": .string(payloadHash.hex), "size": .int(payloadSize)],
        ]
    }

    /// The bytes that are hashed and signed: RFC 8785 canonical JSON of `json`.
    public var canonicalBytes: [UInt8] { json.canonicalBytes }

    static let keys: Set<String> = ["v", "author", "key", "seq", "prev", "time", "tick", "record", "type", "op",
                                    "classification", "audience", "origin", "payload"]

    /// Parses a header strictly: exactly the documented members, each well formed. Errors say which member.
    public init(json: JSONValue) throws(ModelError) {
        guard let o = json.object else { throw ModelError("header: expected an object") }
        if let extra = Set(o.keys).subtracting(Self.keys).sorted().first {
            throw ModelError("header: unknown member '\(extra.prefix(40))'")
        }
        if let missing = Self.keys.subtracting(o.keys).sorted().first {
            throw ModelError("header: missing member '\(missing)'")
        }
        guard o["v"]?.int == Self.version else { throw ModelError("header.v: unsupported version (expected \(Self.version))") }
        guard let author = o["author"]?.string, Identifiers.isFeedID(author) else {
            throw ModelError("header.author: expected a feed id <force>/<16 hex digits>")
        }
        guard let keyHex = o["key"]?.string, Identifiers.isLowerHex(keyHex, count: 64), let key = try? PublicKey(hex: keyHex) else {
            throw ModelError("header.key: expected a 32-byte Ed25519 public key in lowercase hex")
        }
        guard let seq = o["seq"]?.int, Limits.isSeq(seq) else {
            throw ModelError("header.seq: expected an integer 1...\(Limits.maxSeq)")
        }
        let prev: SHA256Digest?
        switch o["prev"] {
        case .null?: prev = nil
        case .string(let hex)?:
            guard Identifiers.isLowerHex(hex, count: 64), let d = SHA256Digest(hex: hex) else {
                throw ModelError("header.prev: expected 64 lowercase hex digits")
            }
            prev = d
        default: throw ModelError("header.prev: expected a hash or null")
        }
        guard (seq == 1) == (prev == nil) else {
            throw ModelError("header.prev: must be null exactly when seq is 1")
        }
        guard let time = o["time"]?.int, (0...Limits.maxTime).contains(time) else {
            throw ModelError("header.time: expected an integer 0...\(Limits.maxTime) (Unix ms up to the year 9999)")
        }
        guard let tick = o["tick"]?.int, (0...Limits.maxTick).contains(tick) else {
            throw ModelError("header.tick: expected an integer 0...\(Limits.maxTick)")
        }
        guard let record = o["record"]?.string, Identifiers.isRecordID(record) else {
            throw ModelError("header.record: expected a record id")
        }
        guard let typeText = o["type"]?.string else { throw ModelError("header.type: expected a string") }
        let type = try RecordType(validating: typeText)
        guard RecordType(recordID: record) == type else {
            throw ModelError("header.record: id prefix does not match type \(type.rawValue)")
        }
        guard let opText = o["op"]?.string, let op = EntryOp(rawValue: opText) else {
            throw ModelError("header.op: expected 'write' or 'erase'")
        }
        guard let classificationText = o["classification"]?.string else {
            throw ModelError("header.classification: expected a string")
        }
        let classification = try Classification(validating: classificationText)
        let audience = try Audience(json: o["audience"]!)
        var origin: RecordOrigin?
        if let value = o["origin"], !value.isNull {
            do { origin = try RecordOrigin(json: value) } catch { throw ModelError("header.\(error.message)") }
        }
        if let origin {
            guard RecordID.owned(type: type, origin: origin) == record else {
                throw ModelError("header.origin: record id \(record) is not the one derived from this origin")
            }
        } else if RecordSchema.of(type).naturalKey == nil {
            throw ModelError("header.origin: \(type.rawValue) records have no natural key, so they need an origin")
        }
        guard let p = o["payload"]?.object, Set(p.keys) == ["sha256", "size"],
              let ph = p["sha256"]?.string, Identifiers.isLowerHex(ph, count: 64), let payloadHash = SHA256Digest(hex: ph),
              let size = p["size"]?.int, size >= 0, size <= Admission.maxPayloadBytes
        else {
            throw ModelError("header.payload: expected {\"sha256\": hex, \"size\": integer 0...\(Admission.maxPayloadBytes)}")
        }
        self.init(author: author, key: key, seq: seq, prev: prev, clock: HLCTimestamp(time: time, tick: tick),
                  record: record, type: type, op: op, classification: classification, audience: audience,
                  origin: origin, payloadHash: payloadHash, payloadSize: size)
    }
}

/// A signed header. Immutable; its `hash` is its identity.
public struct Entry: Sendable, Hashable {
    public let header: EntryHeader
    public let signature: Signature
    public let canonicalHeader: [UInt8]
    public let hash: SHA256Digest

    /// Wraps a header and signature as received; the signature is not checked here (see `verifySignature`).
    public init(header: EntryHeader, signature: Signature) {
        self.header = header
        self.signature = signature
        self.canonicalHeader = header.canonicalBytes
        self.hash = SHA256Digest.hash(canonicalHeader)
    }

    /// Signs `header` with `secretKey`, whose public key must be `header.key`.
    public init(signing header: EntryHeader, with secretKey: SecretKey) {
        precondition(secretKey.publicKey == header.key, "signing key does not match header.key")
        let bytes = header.canonicalBytes
        self.header = header
        self.signature = secretKey.sign(bytes)
        self.canonicalHeader = bytes
        self.hash = SHA256Digest.hash(bytes)
    }

    public func verifySignature() -> Bool {
        header.key.verify(signature, for: canonicalHeader)
    }
}

/// A feed position statement: the author's second signature on every entry, over the canonical JSON
/// `{"audience": <header.audience>, "feed": <author>, "hash": <entry hash>, "seq": <seq>}`. It lets a node that is
/// not entitled to an entry verify a *withheld marker* for its position (that feed F holds entry H at seq N for
/// audience A) without seeing the header, so a relay cannot forge or alter markers.
public enum FeedPosition {
    public static func bytes(feed: String, seq: Int64, hash: String, audience: JSONValue) -> [UInt8] {
        JSONValue.object(["audience": audience, "feed": .string(feed), "hash": .string(hash), "seq": .int(seq)])
            .canonicalBytes
    }

    public static func bytes(of entry: Entry) -> [UInt8] {
        bytes(feed: entry.header.author, seq: entry.header.seq, hash: entry.hash.hex, audience: entry.header.audience.json)
    }
}

/// Payload bytes are the canonical JSON of the operations; the header commits to their SHA-256 and length.
public enum Payload {
    public static func bytes(_ ops: Operations) -> [UInt8] { ops.json.canonicalBytes }
}
