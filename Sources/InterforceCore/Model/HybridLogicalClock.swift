// Hybrid logical clock (Kulkarni et al., 2014): wall-clock milliseconds plus a counter, so that timestamps follow
// causality even when machine clocks disagree a little, and stay close to real time for officers reading them.
//
// Every entry carries one. Last-writer-wins merge orders writes by (time, tick, author, entry hash): the clock
// first, then a deterministic tie-break that every node computes the same way.

/// One HLC reading: `time` is Unix milliseconds, `tick` breaks ties within the same millisecond.
public struct HLCTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let time: Int64
    public let tick: Int64

    public init(time: Int64, tick: Int64) {
        self.time = time
        self.tick = tick
    }

    public static let zero = HLCTimestamp(time: 0, tick: 0)

    public static func < (a: Self, b: Self) -> Bool { (a.time, a.tick) < (b.time, b.tick) }

    public var description: String { "\(time).\(tick)" }
}

/// The clock of one node. A value type: the node persists its last reading so restarts never go backwards.
///
/// One deviation from plain HLC keeps every reading inside ``Limits``: when `tick` would pass ``Limits/maxTick``,
/// the reading moves to the next millisecond with tick 0 instead (still strictly after every reading so far).
public struct HybridLogicalClock: Sendable {
    public private(set) var last: HLCTimestamp

    public init(last: HLCTimestamp = .zero) { self.last = last }

    /// A reading for a local event at wall-clock `wallMillis`, strictly after every reading so far; nil (and the
    /// clock unchanged) when that reading would pass ``Limits/maxTime``.
    public mutating func tick(wallMillis: Int64) -> HLCTimestamp? {
        let next: HLCTimestamp
        if wallMillis > last.time {
            next = HLCTimestamp(time: wallMillis, tick: 0)
        } else if last.tick < Limits.maxTick {
            next = HLCTimestamp(time: last.time, tick: last.tick + 1)
        } else {
            next = HLCTimestamp(time: last.time + 1, tick: 0)   // last.time <= maxTime, so no overflow
        }
        guard Limits.isClock(next) else { return nil }
        last = next
        return next
    }

    /// Takes in a reading from another node so that later local readings order after it. A reading outside
    /// ``Limits`` (which admission never lets in) is ignored.
    public mutating func observe(_ remote: HLCTimestamp) {
        if remote > last, Limits.isClock(remote) { last = remote }
    }
}
