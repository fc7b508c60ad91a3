// Record identity, derived from a natural key where the record has one (decision 7 of the brief).
//
// Two forces that record the same crime-scene image (same SHA-256) or the same crime reference number compute the
// same record id without talking to each other, so their entries merge into one record instead of duplicating it.
// Records without a natural key get a random id.

public enum RecordID {
    /// `<prefix>-` + the first 32 hex digits of SHA-256 over the canonical JSON array
    /// `["interforce-record-id/1", <type>, <natural key value>]`.
    public static func natural(type: RecordType, key: String) -> String {
        let material: JSONValue = ["interforce-record-id/1", .string(type.rawValue), .string(key)]
        return "\(type.idPrefix)-\(SHA256Digest.hash(material.canonicalBytes).hex.prefix(32))"
    }

    public static func random(type: RecordType) -> String {
        "\(type.idPrefix)-\(Hex.encode(Random.bytes(16)))"
    }

    /// The id a new record of `type` gets from its document: natural when the natural-key field is present.
    public static func forNewRecord(type: RecordType, document: JSONValue) -> String {
        if let keyField = RecordSchema.of(type).naturalKey, let key = document[keyField]?.string {
            return natural(type: type, key: key)
        }
        return random(type: type)
    }
}
