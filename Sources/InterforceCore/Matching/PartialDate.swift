// Dates of birth as forces really hold them: sometimes whole, sometimes only a year, sometimes keyed wrongly.
//
// A date of birth is the strongest single fact for telling two people of the same name apart, and the most often
// damaged: the day and month swapped (a US-format form, or 03/04 read the wrong way), one digit mistyped, or only
// the year known. `PartialDate` keeps whichever of year, month and day were recorded, and `compare` grades two
// dates into the findings an officer can check by eye: the same date, the day and month swapped, one keying error
// (one digit wrong, or two adjacent digits swapped), agreement on the parts both records hold, nothing to compare,
// or a conflict.

public struct PartialDate: Sendable, Hashable, CustomStringConvertible {
    public let year: Int?
    public let month: Int?
    public let day: Int?

    /// Years accepted for a person's date of birth.
    public static let years = 1880...2100

    /// A date from its parts, each checked: the year in `years`, the month 1-12, the day within its month (29 February
    /// only in a leap year, or any year when the year is unknown). A day without a month is refused.
    public init(year: Int?, month: Int?, day: Int?) throws(ModelError) {
        if let year, !Self.years.contains(year) {
            throw ModelError("date of birth: year must be \(Self.years.lowerBound)-\(Self.years.upperBound)")
        }
        if let month, !(1...12).contains(month) { throw ModelError("date of birth: month must be 1-12") }
        if let day {
            guard let month else { throw ModelError("date of birth: a day needs a month") }
            guard (1...Self.daysIn(month: month, year: year)).contains(day) else {
                throw ModelError("date of birth: day is not in its month")
            }
        }
        guard year != nil || month != nil else { throw ModelError("date of birth: no year and no month") }
        (self.year, self.month, self.day) = (year, month, day)
    }

    /// Parses "YYYY-MM-DD", "YYYY-MM" or "YYYY" (ISO 8601), or "DD/MM/YYYY" (the British written form), where any
    /// part may be written as "XX", "XXXX" or "00"/"0000" for unknown.
    public init(parsing text: String) throws(ModelError) {
        guard text.utf8.count <= 10 else { throw ModelError("date of birth: longer than 10 characters") }
        let iso = text.split(separator: "-", omittingEmptySubsequences: false)
        let british = text.split(separator: "/", omittingEmptySubsequences: false)
        let parts: (year: Substring, month: Substring?, day: Substring?)
        if british.count == 3 {
            parts = (british[2], british[1], british[0])
        } else if (1...3).contains(iso.count) {
            parts = (iso[0], iso.count > 1 ? iso[1] : nil, iso.count > 2 ? iso[2] : nil)
        } else {
            throw ModelError("date of birth: expected YYYY-MM-DD, YYYY-MM, YYYY or DD/MM/YYYY")
        }
        let year = try Self.part(parts.year, digits: 4, name: "year")
        var month: Int?, day: Int?
        if let m = parts.month { month = try Self.part(m, digits: 2, name: "month") }
        if let d = parts.day { day = try Self.part(d, digits: 2, name: "day") }
        try self.init(year: year, month: month, day: day)
    }

    /// One part: `digits` ASCII digits (nil when all zero), or X's for unknown.
    private static func part(_ text: Substring, digits: Int, name: String) throws(ModelError) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == digits else { throw ModelError("date of birth: \(name) must have \(digits) digits") }
        if bytes.allSatisfy({ $0 == UInt8(ascii: "X") || $0 == UInt8(ascii: "x") }) { return nil }
        guard bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw ModelError("date of birth: \(name) must be digits or X")
        }
        let value = bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return value == 0 ? nil : value
    }

    static func daysIn(month: Int, year: Int?) -> Int {
        switch month {
        case 2:
            guard let year else { return 29 }
            return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public var isComplete: Bool { year != nil && month != nil && day != nil }

    /// ISO form with X for unknown parts: "1985-03-XX".
    public var description: String {
        func pad(_ v: Int?, _ width: Int) -> String {
            guard let v else { return String(repeating: "X", count: width) }
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// How two dates of birth relate, from strongest agreement to conflict.
    public enum Agreement: String, Sendable, Hashable {
        /// All three parts recorded on both and equal.
        case exact
        /// Both complete, same year, day and month exchanged (3 April / 4 March).
        case dayMonthSwapped = "day-month-swapped"
        /// Both complete and eight digits apart by one wrong digit or one swap of adjacent digits.
        case keyingError = "keying-error"
        /// Year and month recorded on both and equal, the day missing on at least one.
        case yearAndMonth = "year-and-month"
        /// Only the year is comparable, and it is equal.
        case yearOnly = "year-only"
        /// Not on one record or the other.
        case missing
        /// Comparable parts differ beyond one keying error.
        case conflict
    }

    /// Grades `a` against `b`; symmetric.
    public static func compare(_ a: PartialDate?, _ b: PartialDate?) -> Agreement {
        guard let a, let b else { return .missing }
        if a.isComplete && b.isComplete {
            if a == b { return .exact }
            if a.year == b.year, a.day == b.month, a.month == b.day { return .dayMonthSwapped }
            return oneKeyingError(a.digits, b.digits) ? .keyingError : .conflict
        }
        // Compare what both hold. A missing year makes month-and-day-only records too weak to call.
        guard let ya = a.year, let yb = b.year else { return .missing }
        guard ya == yb else { return .conflict }
        guard let ma = a.month, let mb = b.month else { return .yearOnly }
        guard ma == mb else { return .conflict }
        return .yearAndMonth
    }

    /// The eight digits YYYYMMDD of a complete date, as they are keyed (the separators are not keys).
    private var digits: [UInt8] {
        Array(String((year ?? 0) * 10_000 + (month ?? 0) * 100 + (day ?? 0)).utf8)
    }

    /// Whether two digit strings of one length differ in exactly one place, or by one swap of adjacent digits.
    private static func oneKeyingError(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let differ = a.indices.filter { a[$0] != b[$0] }
        if differ.count == 1 { return true }
        if differ.count == 2, differ[1] == differ[0] + 1 {
            let i = differ[0]
            return a[i] == b[i + 1] && a[i + 1] == b[i]
        }
        return false
    }
}
