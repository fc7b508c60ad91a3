// The state digest is a sum of per-record terms modulo 2^256: the same records give the same digest in any order,
// a record changed and changed back leaves it where it was, and the empty store's digest is SHA-256 of 32 zero bytes.

import InterforceCore
import InterforceTestSupport
import Testing

struct StateDigestTests {
    func records(_ rng: inout SeededRandom, count: Int) -> [(id: String, stateHash: String)] {
        (0..<count).map { i in
            ("cf-\(i)", SHA256Digest.hash((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }).hex)
        }
    }

    @Test func emptyStoreDigestIsTheHashOfAZeroSum() {
        #expect(StateDigest.compute([]) == SHA256Digest.hash([UInt8](repeating: 0, count: 32)))
    }

    @Test func orderDoesNotMatter() {
        var rng = SeededRandom(seed: 10)
        let rs = records(&rng, count: 200)
        #expect(StateDigest.compute(rs) == StateDigest.compute(rs.shuffled(using: &rng)))
        #expect(StateDigest.compute(rs) != StateDigest.compute(rs.dropLast()))
    }

    @Test func movingATermKeepsTheSumEqualToARecomputation() {
        var rng = SeededRandom(seed: 11)
        var rs = records(&rng, count: 100)
        var sum = StateDigest.Sum.zero
        for r in rs { sum += StateDigest.term(id: r.id, stateHash: r.stateHash) }
        for _ in 0..<500 {
            let i = Int.random(in: 0..<rs.count, using: &rng)
            let new = SHA256Digest.hash([UInt8.random(in: 0...255, using: &rng)]).hex
            sum -= StateDigest.term(id: rs[i].id, stateHash: rs[i].stateHash)
            sum += StateDigest.term(id: rs[i].id, stateHash: new)
            rs[i].stateHash = new
        }
        #expect(sum.digest == StateDigest.compute(rs))
        #expect(StateDigest.Sum(hex: sum.hex) == sum)
    }

    @Test func carriesAndBorrowsWrapModulo2To256() {
        var max = StateDigest.Sum([UInt8](repeating: 0xff, count: 32))
        let one = StateDigest.Sum([UInt8](repeating: 0, count: 31) + [1])
        max += one
        #expect(max == .zero)
        max -= one
        #expect(max.hex == String(repeating: "f", count: 64))
    }
}
