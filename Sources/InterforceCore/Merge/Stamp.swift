// The total order every node uses to settle concurrent writes: hybrid-logical-clock time, then tick, then author
// feed id, then entry hash (all compared as integers or as UTF-8 byte strings). No two entries share a stamp.

public struct Stamp: Sendable, Hashable, Comparable {
    public let clock: HLCTimestamp
    public let author: String
    public let entry: String   // entry hash, hex

    public init(clock: HLCTimestamp, author: String, entry: String) {
        self.clock = clock
        self.author = author
        self.entry = entry
    }

    public init(_ entry: Entry) {
        self.init(clock: entry.header.clock, author: entry.header.author, entry: entry.hash.hex)
    }

    public static func < (a: Self, b: Self) -> Bool {
        if a.clock != b.clock { return a.clock < b.clock }
        if a.author != b.author { return Array(a.author.utf8).lexicographicallyPrecedes(b.author.utf8) }
        return a.entry < b.entry   // lowercase hex: string order is byte order
    }

    public var force: String { Identifiers.force(ofFeed: author) }

    /// Stored as `[time, tick, author, entry]`.
    var json: JSONValue { [.int(clock.time), .int(clock.tick), .string(author), .string(entry)] }

    init(json: JSONValue) throws(ModelError) {
        guard let a = json.array, a.count == 4, let t = a[0].int, let k = a[1].int, let au = a[2].string,
              let e = a[3].string
        else { throw ModelError("stored state: malformed stamp") }
        self.init(clock: HLCTimestamp(time: t, tick: k), author: au, entry: e)
    }

    /// How provenance is shown to officers.
    public var provenance: JSONValue {
        ["force": .string(force), "author": .string(author), "at": .string(ISOTime.format(millis: clock.time)),
         "entry": .string(entry)]
    }
}
