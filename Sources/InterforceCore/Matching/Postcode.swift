// UK postcodes: the one part of an address that is short, structured, and the same however a force writes it.
//
// "ng92jl", "NG9 2JL" and "N G 9 2 J L" are one postcode. A postcode is an outward code (area and district: NG9)
// and an inward code (sector digit and unit: 2JL). The outward code is one of A9, A99, AA9, AA99, A9A or AA9A; the
// inward code is a digit and two letters. `Postcode` accepts exactly those shapes (and the Girobank GIR 0AA),
// upper-cases, removes the spacing and writes it back with one space before the inward code. Where the inward
// code must hold its digit, a letter O or I typed in its place is read as 0 or 1, the one misread that the
// structure settles without guessing.

public struct Postcode: Sendable, Hashable, CustomStringConvertible {
    public let outward: String
    public let inward: String

    /// The postcode in `text`, which must contain nothing else (spacing and case are free); nil when it is not one.
    public init?(_ text: String) {
        self.init(compact: Array(TextFold.fold(text).utf8.filter { $0 != UInt8(ascii: " ") }))
    }

    /// From folded letters and digits without spaces.
    init?(compact c: [UInt8]) {
        guard (5...7).contains(c.count) else { return nil }
        var inward = Array(c.suffix(3))
        let outward = Array(c.prefix(c.count - 3))
        switch inward[0] {
        case UInt8(ascii: "O"): inward[0] = UInt8(ascii: "0")
        case UInt8(ascii: "I"): inward[0] = UInt8(ascii: "1")
        default: break
        }
        guard Self.isDigit(inward[0]), Self.isLetter(inward[1]), Self.isLetter(inward[2]) else { return nil }
        let shape = String(outward.map { Self.isLetter($0) ? "A" : Self.isDigit($0) ? "9" : "?" })
        let girobank = outward == Array("GIR".utf8) && inward == Array("0AA".utf8)
        guard girobank || ["A9", "A99", "AA9", "AA99", "A9A", "AA9A"].contains(shape) else { return nil }
        self.outward = String(decoding: outward, as: UTF8.self)
        self.inward = String(decoding: inward, as: UTF8.self)
    }

    /// "NG9 2JL".
    public var description: String { "\(outward) \(inward)" }

    static func isLetter(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
}
