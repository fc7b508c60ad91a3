// The admin's view of the federation in /metrics (issue 13, point 5): the build, each peer's reachability and lag
// (in entries and in seconds), histograms of how long replication batches take, entries refused by reason,
// alerts, warnings and the membership version. Prometheus text format 0.0.4; `promtool check metrics` accepts it
// (a test runs it). Batch durations are kept in memory since `serve` started; counts of refusals and alerts come
// from the append-only log, so they never go down.

import InterforceCore

/// Histograms of replication batch durations, by direction (`batch-sent`: a push; `batch-received`: a pull or a
/// push received), in seconds.
struct BatchLatency {
    static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Histogram {
        var buckets = [Int64](repeating: 0, count: BatchLatency.bounds.count)
        var count: Int64 = 0
        var sumMicros: Int64 = 0
    }

    var byKind: [String: Histogram] = ["batch-sent": Histogram(), "batch-received": Histogram()]

    mutating func record(_ kind: String, micros: Int64) {
        var h = byKind[kind] ?? Histogram()
        let seconds = Double(micros) / 1_000_000
        for (i, bound) in Self.bounds.enumerated() where seconds <= bound { h.buckets[i] += 1 }
        h.count += 1
        h.sumMicros += max(0, micros)
        byKind[kind] = h
    }

    var lines: [String] {
        var out = ["# HELP interforce_batch_duration_seconds Time to exchange one replication batch with a peer.",
                   "# TYPE interforce_batch_duration_seconds histogram"]
        for (kind, h) in byKind.sorted(by: { $0.key < $1.key }) {
            let label = "kind=\"\(kind == "batch-sent" ? "sent" : "received")\""
            for (i, bound) in Self.bounds.enumerated() {
                out.append("interforce_batch_duration_seconds_bucket{\(label),le=\"\(bound)\"} \(h.buckets[i])")
            }
            out.append("interforce_batch_duration_seconds_bucket{\(label),le=\"+Inf\"} \(h.count)")
            out.append("interforce_batch_duration_seconds_sum{\(label)} \(Double(h.sumMicros) / 1_000_000)")
            out.append("interforce_batch_duration_seconds_count{\(label)} \(h.count)")
        }
        return out
    }
}

extension Node {
    /// The federation's lines of /metrics.
    func federationMetrics() throws -> [String] {
        let (peers, peerWarnings) = try peerViews()
        var lines = [
            "# HELP interforce_build_info The software version this node runs.", "# TYPE interforce_build_info gauge",
            "interforce_build_info{version=\"\(InterforceVersion.current)\"} 1",
            "# HELP interforce_membership_version The installed membership version (0: none).",
            "# TYPE interforce_membership_version gauge", "interforce_membership_version \(membership?.version ?? 0)",
            "# HELP interforce_peer_up 1 if the last exchange with the peer succeeded.", "# TYPE interforce_peer_up gauge",
        ]
        let linked = peers.filter { $0.link == "peer" }
        for p in linked { lines.append("interforce_peer_up{peer=\"\(p.peer)\"} \(p.reachable == true ? 1 : 0)") }
        lines += ["# HELP interforce_peer_lag_entries Entries the peer lacks (behind) or holds that this node lacks "
                  + "(ahead), as of its last answer.", "# TYPE interforce_peer_lag_entries gauge"]
        for p in linked {
            lines.append("interforce_peer_lag_entries{peer=\"\(p.peer)\",direction=\"behind\"} \(p.entriesBehind)")
            lines.append("interforce_peer_lag_entries{peer=\"\(p.peer)\",direction=\"ahead\"} \(p.entriesAhead)")
        }
        lines += ["# HELP interforce_peer_lag_seconds How long this node has held the oldest entry the peer lacks.",
                  "# TYPE interforce_peer_lag_seconds gauge"]
        for p in linked { lines.append("interforce_peer_lag_seconds{peer=\"\(p.peer)\"} \(Double(p.lagMillis ?? 0) / 1000)") }
        lines += batchLatency.lines

        let counts = try store.logCounts(kinds: ["reject", "alert"])
        lines += ["# HELP interforce_rejected_total Entries, markers, documents and requests refused, by reason (log rows).",
                  "# TYPE interforce_rejected_total counter"]
        for c in counts.filter({ $0.kind == "reject" }).sorted(by: { ($0.reason ?? "") < ($1.reason ?? "") }) {
            lines.append("interforce_rejected_total{reason=\"\(c.reason ?? "none")\"} \(c.count)")
        }
        lines += ["# HELP interforce_alerts_total Alert rows (equivocation evidence) in the log.",
                  "# TYPE interforce_alerts_total counter",
                  "interforce_alerts_total \(counts.filter { $0.kind == "alert" }.map(\.count).reduce(0, +))",
                  "# HELP interforce_warnings Things to act on now (status, /healthz).", "# TYPE interforce_warnings gauge",
                  "interforce_warnings \(try warnings().count)",
                  "# HELP interforce_peer_warnings Warnings about peers: configured non-members, refused memberships.",
                  "# TYPE interforce_peer_warnings gauge", "interforce_peer_warnings \(peerWarnings.count)"]
        return lines
    }
}
