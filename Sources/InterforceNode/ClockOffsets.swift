// How far this node's clock is from its peers' (issue 9): the estimate the node reports and acts on.
//
// Admission judges an entry's time by the receiver's own clock (`future-clock` beyond `maxSkewMillis`), so a node
// whose clock is off either signs entries its peers refuse (fast) or refuses its peers' fresh entries and orders its
// own writes before earlier ones made elsewhere (slow). Nothing in an entry can tell which side is wrong; the peers'
// clocks can. Every replication cycle asks each peer for `GET /v1/feeds`, whose answer carries the peer's clock
// (`now`); the sample is the peer's `now` minus the midpoint of our request (Cristian's method), good to half the
// round trip. Each peer's offset is the median of its last few samples, and the federation's the offset at least
// half the peers agree on (the median; of an even number, the middle value nearer zero, or nothing when the two
// middle values disagree in sign), so a minority of peers with a wrong clock (or lying about it) cannot make this
// node refuse to write: with two peers, both must see it off.
//
// The estimate lives in memory: after a restart it is unknown until the first exchange with a peer. It also keeps,
// per peer, the last entry this node refused from it as `future-clock`, so the operator sees which peer's clock
// (or which fast-written feed) is the cause.

import InterforceCore

/// One peer's clock as this node sees it.
public struct ClockOffsets: Sendable {
    /// A peer's clock minus ours, measured at our time `at`.
    struct Sample: Sendable {
        let offset: Int64
        let at: Int64
    }

    /// The last entry refused from a peer as `future-clock`.
    public struct FutureClockRefusal: Sendable, Equatable {
        public let feed: String
        public let seq: Int64
        /// How far the entry's time was ahead of this node's clock when it was refused.
        public let aheadMillis: Int64
        public let at: Int64
    }

    /// Samples kept per peer, and how old one may be to count.
    static let samplesPerPeer = 5
    static let maxSampleAgeMillis: Int64 = 15 * 60 * 1000
    /// A sample whose round trip took longer than this is too loose to count.
    static let maxRoundTripMillis: Int64 = 10_000

    private var samples: [String: [Sample]] = [:]
    private(set) var refusals: [String: FutureClockRefusal] = [:]

    public init() {}

    /// Takes one sample: the peer said its clock read `peerNow` in answer to a request we sent at `sent` and whose
    /// answer we had at `received` (both our clock). A value out of range or a slow round trip is ignored.
    mutating func note(peer: String, peerNow: Int64, sent: Int64, received: Int64) {
        guard (0...Limits.maxTime).contains(peerNow), (0...Limits.maxTime).contains(sent),
            (0...Self.maxRoundTripMillis).contains(received - sent)
        else { return }
        let midpoint = sent + (received - sent) / 2
        var kept = samples[peer, default: []]
        kept.append(Sample(offset: peerNow - midpoint, at: received))
        samples[peer] = Array(kept.suffix(Self.samplesPerPeer))
    }

    /// The peer's clock minus ours: the median of its recent samples; nil without one.
    func offset(peer: String, now: Int64) -> Int64? {
        Self.median((samples[peer] ?? []).filter { now - $0.at <= Self.maxSampleAgeMillis }.map(\.offset))
    }

    /// The peers' clocks minus ours as at least half the peers with a recent sample see it, and how many there are.
    func federation(now: Int64) -> (offset: Int64, peers: Int)? {
        let offsets = samples.keys.compactMap { offset(peer: $0, now: now) }.sorted()
        guard !offsets.isEmpty else { return nil }
        let mid = offsets.count / 2
        if offsets.count % 2 == 1 { return (offsets[mid], offsets.count) }
        let (low, high) = (offsets[mid - 1], offsets[mid])
        if low < 0, high > 0 { return (0, offsets.count) }
        return (low.magnitude < high.magnitude ? low : high, offsets.count)
    }

    mutating func refused(peer: String, feed: String, seq: Int64, aheadMillis: Int64, at: Int64) {
        refusals[peer] = FutureClockRefusal(feed: feed, seq: seq, aheadMillis: aheadMillis, at: at)
    }

    /// An entry of `feed` at `seq` came in from `peer`: a refusal of that position or an earlier one is over.
    mutating func admitted(peer: String, feed: String, seq: Int64) {
        if let r = refusals[peer], r.feed == feed, r.seq <= seq { refusals[peer] = nil }
    }

    /// The middle value (the mean of the middle two for an even count); nil for none. Values are clock readings'
    /// differences, within ±Limits.maxTime, so the sum cannot overflow.
    static func median(_ values: [Int64]) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// Seconds with one decimal, no sign: `150.0 s`.
public func seconds(_ millis: Int64) -> String {
    let m = millis.magnitude
    return "\(m / 1000).\(m % 1000 / 100) s"
}
