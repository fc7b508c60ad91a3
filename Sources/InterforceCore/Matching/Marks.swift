// Registration marks, VINs and serial numbers: identifiers that are read off an object, and so misread.
//
// A plate photographed at night, a VIN copied from a windscreen, a serial number read off a phone: the errors are
// characters that look alike (0 and O, 1 and I, 5 and S, 8 and B, 2 and Z, 6 and G, and D or Q for 0), plus the
// spacing and separators people add. Each identifier is normalised to upper-case letters and digits, and
// `Misreads.fold` maps every look-alike to one representative, so two readings of one plate share a key while
// the evidence still names each character that had to be read the other way. A VIN (ISO 3779) never contains
// I, O or Q, so in a VIN those letters can only be misreadings of 1, 0 and 0, and are corrected outright.

public enum Misreads {
    /// Look-alike classes; the first character of each is its representative.
    public static let classes: [[UInt8]] = ["0ODQ", "1I", "2Z", "5S", "6G", "8B"].map { Array($0.utf8) }

    private static let representative: [UInt8] = {
        var table = Array(0...255).map(UInt8.init)
        for c in classes { for member in c { table[Int(member)] = c[0] } }
        return table
    }()

    /// `text` with each look-alike replaced by its class representative.
    public static func fold(_ text: String) -> String {
        String(decoding: text.utf8.map { representative[Int($0)] }, as: UTF8.self)
    }

    /// Where two same-length identifiers differ only by look-alikes: "position 6: O read as 0" for each such place,
    /// or nil when they differ otherwise (or not at all, or in length).
    public static func explain(_ a: String, _ b: String) -> [String]? {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, x != y else { return nil }
        var notes: [String] = []
        for i in x.indices where x[i] != y[i] {
            guard representative[Int(x[i])] == representative[Int(y[i])] else { return nil }
            let (read, other) = (Character(Unicode.Scalar(x[i])), Character(Unicode.Scalar(y[i])))
            notes.append("position \(i + 1): \(read) read as \(other)")
        }
        return notes
    }

    /// Upper-case letters and digits of `text` (spaces, hyphens and other separators removed), or nil when there
    /// are none or more than `maximum`.
    static func compact(_ text: String, maximum: Int) -> String? {
        let kept = TextFold.fold(text).utf8.filter { Postcode.isLetter($0) || Postcode.isDigit($0) }
        guard !kept.isEmpty, kept.count <= maximum else { return nil }
        return String(decoding: kept, as: UTF8.self)
    }
}

/// A vehicle registration mark, e.g. "AB12 CDE" -> "AB12CDE". Up to 10 characters (UK marks have at most 7; some
/// foreign marks more).
public struct RegistrationMark: Sendable, Hashable, CustomStringConvertible {
    public let normalised: String
    public init?(_ text: String) {
        guard let c = Misreads.compact(text, maximum: 10) else { return nil }
        normalised = c
    }
    /// The mark with look-alikes folded: two readings of one plate share it.
    public var misreadKey: String { Misreads.fold(normalised) }
    public var description: String { normalised }
}

/// A vehicle identification number (ISO 3779): exactly 17 letters and digits, I/O/Q corrected to 1/0/0.
public struct VIN: Sendable, Hashable, CustomStringConvertible {
    public let normalised: String
    public init?(_ text: String) {
        guard let c = Misreads.compact(text, maximum: 17), c.utf8.count == 17 else { return nil }
        normalised = String(decoding: c.utf8.map { b -> UInt8 in
            switch b {
            case UInt8(ascii: "I"): UInt8(ascii: "1")
            case UInt8(ascii: "O"), UInt8(ascii: "Q"): UInt8(ascii: "0")
            default: b
            }
        }, as: UTF8.self)
    }
    public var description: String { normalised }
}

/// An object's serial number (phones, weapons, property): letters and digits only, at most 40.
public struct SerialNumber: Sendable, Hashable, CustomStringConvertible {
    public let normalised: String
    public init?(_ text: String) {
        guard let c = Misreads.compact(text, maximum: 40) else { return nil }
        normalised = c
    }
    public var misreadKey: String { Misreads.fold(normalised) }
    public var description: String { normalised }
}
