// One hash that proves two nodes hold the same merged state (decision 6 of the brief).
//
// digest = SHA-256 over the lines "<record id> <state hash hex>\n" for every record, in ascending id order, where a
// record's state hash is SHA-256 of the canonical JSON of its ``RecordState``. The empty store has the digest of
// zero bytes.

public enum StateDigest {
    public static func compute(_ records: some Sequence<(id: String, stateHash: String)>) -> SHA256Digest {
        var bytes: [UInt8] = []
        for r in records.sorted(by: { $0.id < $1.id }) {
            bytes.append(contentsOf: r.id.utf8)
            bytes.append(0x20)
            bytes.append(contentsOf: r.stateHash.utf8)
            bytes.append(0x0a)
        }
        return SHA256Digest.hash(bytes)
    }
}
