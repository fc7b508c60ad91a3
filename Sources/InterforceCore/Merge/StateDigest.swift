// One hash that proves two nodes hold the same merged state (decision 6 of the brief).
//
// digest = SHA-256 over the lines "<record id> <state hash hex>\n" for every record, in ascending id order, where a
// record's state hash is SHA-256 of the canonical JSON of its ``RecordState``. The empty store has the digest of
// zero bytes.

public enum StateDigest {
    public static func compute(_ records: some Sequence<(id: String, stateHash: String)>) -> SHA256Digest {
        compute(sorted: records.sorted { Array($0.id.utf8).lexicographicallyPrecedes($1.id.utf8) })
    }

    /// The same, for records already in ascending byte order of id (as the store reads them).
    public static func compute(sorted records: [(id: String, stateHash: String)]) -> SHA256Digest {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.count * 100)
        for r in records {
            bytes.append(contentsOf: r.id.utf8)
            bytes.append(0x20)
            bytes.append(contentsOf: r.stateHash.utf8)
            bytes.append(0x0a)
        }
        return SHA256Digest.hash(bytes)
    }
}
