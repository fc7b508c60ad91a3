// One hash that proves two nodes hold the same merged state (decision 6 of the brief), kept up to date on every write.
//
// Each record contributes its *term* t = SHA-256("<record id> <state hash hex>"), read as a 256-bit big-endian
// unsigned integer, where a record's state hash is SHA-256 of the canonical JSON of its ``RecordState``. The *sum*
// is the sum of every record's term modulo 2^256, and the digest is SHA-256 of the sum's 32 big-endian bytes. The
// sum does not depend on the order records are visited in, and a write changes it by (new term - old term), so the
// node keeps it in the store and the digest costs the same at a million records as at one. The empty store's sum is
// zero. docs/DATA-MODEL.md §9 has the definition for an independent checker.

public enum StateDigest {
    /// One record's term.
    public static func term(id: String, stateHash: String) -> Sum {
        Sum(SHA256Digest.hash(Array(id.utf8) + [0x20] + Array(stateHash.utf8)).bytes)
    }

    /// The digest from scratch: every record's term summed (any order).
    public static func compute(_ records: some Sequence<(id: String, stateHash: String)>) -> SHA256Digest {
        var sum = Sum.zero
        for r in records { sum += term(id: r.id, stateHash: r.stateHash) }
        return sum.digest
    }

    /// A 256-bit unsigned integer modulo 2^256, as four 64-bit limbs, most significant first.
    public struct Sum: Sendable, Hashable {
        public private(set) var limbs: [UInt64]

        public static let zero = Sum(limbs: [0, 0, 0, 0])

        private init(limbs: [UInt64]) { self.limbs = limbs }

        /// From 32 big-endian bytes.
        public init(_ bytes: [UInt8]) {
            precondition(bytes.count == 32, "a state digest sum is 32 bytes")
            limbs = (0..<4).map { i in bytes[(i * 8)..<(i * 8 + 8)].reduce(0) { $0 << 8 | UInt64($1) } }
        }

        /// From 64 hex digits (as the store keeps it); nil otherwise.
        public init?(hex: String) {
            guard let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
            self.init(bytes)
        }

        public var bytes: [UInt8] { limbs.flatMap { limb in (0..<8).map { UInt8(truncatingIfNeeded: limb >> (56 - 8 * $0)) } } }
        public var hex: String { Hex.encode(bytes) }
        public var digest: SHA256Digest { SHA256Digest.hash(bytes) }

        public static func += (a: inout Sum, b: Sum) {
            var carry: UInt64 = 0
            for i in (0..<4).reversed() {
                let (s1, o1) = a.limbs[i].addingReportingOverflow(b.limbs[i])
                let (s2, o2) = s1.addingReportingOverflow(carry)
                a.limbs[i] = s2
                carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            }
        }

        public static func -= (a: inout Sum, b: Sum) {
            var borrow: UInt64 = 0
            for i in (0..<4).reversed() {
                let (d1, o1) = a.limbs[i].subtractingReportingOverflow(b.limbs[i])
                let (d2, o2) = d1.subtractingReportingOverflow(borrow)
                a.limbs[i] = d2
                borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            }
        }
    }
}
