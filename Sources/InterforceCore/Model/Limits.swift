// The bounds every number from outside is held to, named once so that admission, the node's own clock, the peer
// API and the docs agree (decision 12 of the brief: nothing from outside is trusted to be small or sane).
//
// A value is refused where it enters (a header, a marker, a membership document, a query parameter), so that no
// arithmetic on it can trap and nothing admitted can make the node produce a value it could not read back: the
// JSON parser reads integers only up to 2^53 - 1, so the clock stops short of it by construction, and a feed ends
// at 2^53 - 1 entries.

public enum Limits {
    /// Largest feed position (`seq`), and so the largest `after` a peer may ask from: 2^53 - 1.
    public static let maxSeq: Int64 = JSONValue.maxSafeInteger
    /// Largest hybrid-logical-clock `time`: 9999-12-31T23:59:59.999Z in Unix milliseconds.
    public static let maxTime: Int64 = 253_402_300_799_999
    /// Largest hybrid-logical-clock `tick` (2^20). The node's own clock moves to the next millisecond instead of
    /// passing it, so a peer's tick can never push it out of range.
    public static let maxTick: Int64 = 1 << 20

    /// Whether `value` is a feed position: 1...maxSeq.
    public static func isSeq(_ value: Int64) -> Bool { value >= 1 && value <= maxSeq }

    /// Whether `clock` is a clock reading an entry may carry.
    public static func isClock(_ clock: HLCTimestamp) -> Bool {
        clock.time >= 0 && clock.time <= maxTime && clock.tick >= 0 && clock.tick <= maxTick
    }
}
