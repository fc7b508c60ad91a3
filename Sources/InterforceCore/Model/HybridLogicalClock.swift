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
public struct HybridLogicalClock: Sendable {
    public private(set) var last: HLCTimestamp

    public init(last: HLCTimestamp = .zero) { self.last = last }

    /// A reading for a local event at wall-clock `wallMillis`, strictly after every reading so far.
    public mutating func tick(wallMillis: Int64) -> HLCTimestamp {
        last = wallMillis > last.time
            ? HLCTimestamp(time: wallMillis, tick: 0)
            : HLCTimestamp(time: last.time, tick: last.tick + 1)
        return last
    }

    /// Takes in a reading from another node so that later local readings order after it.
    public mutating func observe(_ remote: HLCTimestamp) {
        if remote > last { last = remote }
    }
}
