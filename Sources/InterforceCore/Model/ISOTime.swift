// UTC time stamps as officers read them (2026-11-22T03:04:57.123Z), computed without I/O or locale.
// Days-from-civil arithmetic after Howard Hinnant's public-domain algorithms.

public enum ISOTime {
    public static func format(millis: Int64) -> String {
        let ms = Int(millis % 1000 + 1000) % 1000
        let totalSeconds = (millis - Int64(ms)) / 1000
        var days = totalSeconds / 86_400
        var secs = totalSeconds % 86_400
        if secs < 0 { secs += 86_400; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        func pad(_ v: Int64, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):"
            + "\(pad(secs % 60, 2)).\(pad(Int64(ms), 3))Z"
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ssZ` or `YYYY-MM-DDThh:mm:ss.mmmZ` (UTC) to Unix milliseconds.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func num(_ r: Range<Int>) -> Int64? {
            guard r.upperBound <= b.count, r.allSatisfy({ Identifiers.isDigit(b[$0]) }) else { return nil }
            return r.reduce(0) { $0 * 10 + Int64(b[$1] - 48) }
        }
        guard b.count >= 10, b[4] == 45, b[7] == 45, let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10),
              (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var millis = days(fromCivil: y, mo, d) * 86_400_000
        if b.count == 10 { return millis }
        guard b.count == 20 || b.count == 24, b[10] == 84, b[13] == 58, b[16] == 58, b.last == 90,
              let h = num(11..<13), let mi = num(14..<16), let s = num(17..<19), h < 24, mi < 60, s < 61
        else { return nil }
        millis += ((h * 60 + mi) * 60 + s) * 1000
        if b.count == 24 {
            guard b[19] == 46, let f = num(20..<23) else { return nil }
            millis += f
        }
        return millis
    }

    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
