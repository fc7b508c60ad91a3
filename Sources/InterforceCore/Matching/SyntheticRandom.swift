// A seeded random source for synthetic test data, so that a benchmark figure names a seed and anyone can rerun it.
//
// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014): 64 bits of state,
// fast, and identical output on every platform. Every draw goes through the methods here rather than the
// standard library's `random(in:using:)`, whose algorithm is not promised to stay the same between toolchains.
// Not for anything secret: keys and nonces use Random (libsodium).

public struct SyntheticRandom: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in 0..<n; n must be positive.
    public mutating func below(_ n: Int) -> Int { min(Int(unit() * Double(n)), n - 1) }

    /// Uniform in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// A uniformly chosen element; `items` must not be empty.
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Fisher-Yates.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, below(i + 1)) }
    }
}

/// Items drawn in proportion to their weights.
public struct WeightedChoice<T>: Sendable where T: Sendable {
    private let items: [T]
    private let cumulative: [Double]

    /// `weighted` must not be empty and its weights must be positive.
    public init(_ weighted: [(T, Double)]) {
        items = weighted.map(\.0)
        var total = 0.0
        cumulative = weighted.map { total += $0.1; return total }
    }

    /// Weights 1/rank^exponent over `items` in order: a Zipf-like spread, the first the most common.
    public init(ranked: [T], exponent: Double) {
        self.init(ranked.enumerated().map { ($0.element, 1 / Self.power(Double($0.offset + 1), exponent)) })
    }

    public func draw(_ random: inout SyntheticRandom) -> T {
        let x = random.unit() * (cumulative.last ?? 0)
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return items[lo]
    }

    /// x^e for x >= 1 and e in [0, 2], to 1e-6, by a binary expansion of e (the core has no libm).
    static func power(_ x: Double, _ e: Double) -> Double {
        var result = 1.0, root = x, remaining = e
        var whole = Int(remaining)
        remaining -= Double(whole)
        while whole > 0 { result *= x; whole -= 1 }
        for _ in 0..<30 {
            root = root.squareRoot()
            remaining *= 2
            if remaining >= 1 { result *= root; remaining -= 1 }
        }
        return result
    }
}
