// Timing and reporting: a monotonic clock, percentiles, and the aligned table the benchmark prints.
//
// Times come from `CLOCK_MONOTONIC` (through `DispatchTime.now().uptimeNanoseconds`), never the wall clock, so an NTP
// step during a run cannot bend a measurement. Percentiles use the nearest-rank method on the sorted samples; with
// ~200 samples, p99 is the second-largest sample, so it says "the slow tail", not a precise quantile.

import Foundation

/// Nanoseconds on the monotonic clock.
func monotonicNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Runs `body` and returns its result with the elapsed seconds.
func timed<T>(_ body: () throws -> T) rethrows -> (T, seconds: Double) {
    let start = monotonicNanos()
    let result = try body()
    return (result, Double(monotonicNanos() - start) / 1e9)
}

/// Latency samples in seconds.
struct Samples {
    private(set) var values: [Double] = []
    mutating func add(_ seconds: Double) { values.append(seconds) }
    mutating func measure<T>(_ body: () throws -> T) rethrows -> T {
        let (result, seconds) = try timed(body)
        values.append(seconds)
        return result
    }

    var count: Int { values.count }
    var total: Double { values.reduce(0, +) }

    /// Nearest-rank percentile, `p` in 0...1.
    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank - 1, 0), sorted.count - 1)]
    }

    /// "p50 / p99 ms".
    var p50p99: String { "\(Format.millis(percentile(0.5))) / \(Format.millis(percentile(0.99))) ms" }
}

enum Format {
    /// 12345.6 -> "12,346".
    static func grouped(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let digits = String(Int(value.rounded()))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0, i % 3 == 0, c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func rate(_ count: Int, _ seconds: Double) -> String { "\(grouped(Double(count) / seconds)) /s" }

    /// Seconds as milliseconds with three significant figures or so.
    static func millis(_ seconds: Double) -> String {
        let ms = seconds * 1000
        switch ms {
        case ..<1: return String(format: "%.3f", ms)
        case ..<10: return String(format: "%.2f", ms)
        case ..<100: return String(format: "%.1f", ms)
        default: return String(format: "%.0f", ms)
        }
    }

    static func seconds(_ s: Double) -> String { String(format: "%.1f s", s) }
    static func ratio(_ r: Double) -> String { String(format: "%.2f", r) }
    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }
}

/// Rows of cells, printed with every column padded to its widest cell. A row with one cell is a section heading.
struct Table {
    private var rows: [[String]] = []
    mutating func heading(_ title: String) { rows.append([title]) }
    mutating func row(_ cells: [String]) { rows.append(cells) }

    func render() -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows where row.count > 1 {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 3 * max(columns - 1, 0))
        var lines: [String] = []
        for row in rows {
            if row.count == 1 {
                lines.append(rule)
                lines.append(row[0])
                continue
            }
            let padded = row.enumerated().map { i, cell in
                // Label left-aligned, numbers right-aligned, the last (notes) column left-aligned.
                i == 0 || i == row.count - 1
                    ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }
            lines.append(padded.joined(separator: "   ").replacingOccurrences(of: "\\s+$", with: "",
                                                                                options: .regularExpression))
        }
        lines.append(rule)
        return lines.joined(separator: "\n")
    }
}
