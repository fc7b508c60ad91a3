// How many audit log rows of some kinds the log holds, by kind and reason: for /metrics, whose counters of refused
// entries and alerts are these counts (the log is append-only, so they only grow, as Prometheus counters must).

extension Store {
    /// Rows of each of `kinds`, by kind and reason (nil reason: rows without one).
    public func logCounts(kinds: [String]) throws -> [(kind: String, reason: String?, count: Int64)] {
        guard !kinds.isEmpty else { return [] }
        let marks = kinds.map { _ in "?" }.joined(separator: ", ")
        return try db.query("SELECT kind, reason, count(*) FROM log WHERE kind IN (\(marks)) GROUP BY kind, reason",
                            values: kinds.map { .text($0) }).map { ($0.text(0) ?? "", $0.text(1), $0.int(2) ?? 0) }
    }
}
