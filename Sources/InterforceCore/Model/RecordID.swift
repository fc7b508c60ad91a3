// Record identity (decisions 7 and 10 of the brief): derived from a natural key where the record has one, and
// otherwise from an *origin* that names the force that owns the record.
//
// Two forces that record the same crime-scene image (same SHA-256) or the same crime reference number compute the
// same record id without talking to each other, so their entries merge into one record instead of duplicating it;
// such a record is *shared* and has no owner. Any other record gets an origin `{"force", "nonce"}` with a random
// nonce, carried in every entry header of the record, and its id is derived from it: the id proves which force owns
// the record, nobody can take over an id another force will use next, and no entry can claim another origin for
// an id (admission checks the derivation).

/// The force that owns a record without a natural key, and the random nonce its id derives from.
public struct RecordOrigin: Sendable, Hashable, Comparable {
    public let force: String
    /// 32 lowercase hex digits (16 random bytes).
    public let nonce: String

    public init(force: String, nonce: String) throws(ModelError) {
        guard Identifiers.isSlug(force) else { throw ModelError("origin.force: expected a force slug") }
        guard Identifiers.isLowerHex(nonce, count: 32) else {
            throw ModelError("origin.nonce: expected 32 lowercase hex digits")
        }
        self.force = force
        self.nonce = nonce
    }

    private init(unchecked force: String, nonce: String) {
        self.force = force
        self.nonce = nonce
    }

    /// A new origin, with a fresh random nonce, for a record that `force` (a slug) creates.
    public static func new(force: String) -> RecordOrigin {
        RecordOrigin(unchecked: force, nonce: Hex.encode(Random.bytes(16)))
    }

    public var json: JSONValue { ["force": .string(force), "nonce": .string(nonce)] }

    public init(json: JSONValue) throws(ModelError) {
        guard let o = json.object, Set(o.keys) == ["force", "nonce"], let force = o["force"]?.string,
              let nonce = o["nonce"]?.string
        else { throw ModelError("origin: expected null or {\"force\": slug, \"nonce\": 32 hex digits}") }
        try self.init(force: force, nonce: nonce)
    }

    /// Byte order of (force, nonce): the tie-break should two origins ever derive one id.
    public static func < (a: Self, b: Self) -> Bool {
        a.force != b.force ? Array(a.force.utf8).lexicographicallyPrecedes(b.force.utf8) : a.nonce < b.nonce
    }
}

public enum RecordID {
    /// `<prefix>-` + the first 32 hex digits of SHA-256 over the canonical JSON array
    /// `["interforce-record-id/1", <type>, <natural key value>]`.
    public static func natural(type: RecordType, key: String) -> String {
        let material: JSONValue = ["interforce-record-id/1", .string(type.rawValue), .string(key)]
        return "\(type.idPrefix)-\(SHA256Digest.hash(material.canonicalBytes).hex.prefix(32))"
    }

    /// `<prefix>-` + the first 32 hex digits of SHA-256 over the canonical JSON array
    /// `["interforce-record-id/2", <type>, <origin force>, <origin nonce>]`.
    public static func owned(type: RecordType, origin: RecordOrigin) -> String {
        let material: JSONValue = ["interforce-record-id/2", .string(type.rawValue), .string(origin.force),
                                   .string(origin.nonce)]
        return "\(type.idPrefix)-\(SHA256Digest.hash(material.canonicalBytes).hex.prefix(32))"
    }

    /// The id and origin a new record of `type` gets from its document when `force` writes it: the natural id (no
    /// origin) when the natural-key field is present, else a new origin owned by `force`.
    public static func forNewRecord(type: RecordType, document: JSONValue, force: String)
        -> (id: String, origin: RecordOrigin?) {
        if let keyField = RecordSchema.of(type).naturalKey, let key = document[keyField]?.string {
            return (natural(type: type, key: key), nil)
        }
        let origin = RecordOrigin.new(force: force)
        return (owned(type: type, origin: origin), origin)
    }

    /// The natural id `document` gives a record of `type`, if it has one.
    public static func naturalID(type: RecordType, document: JSONValue) -> String? {
        guard let keyField = RecordSchema.of(type).naturalKey, let key = document[keyField]?.string else { return nil }
        return natural(type: type, key: key)
    }
}
