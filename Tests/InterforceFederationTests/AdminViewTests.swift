// The admin's view (issue 13, point 5), on real nodes: the version (`--version`, /healthz, /metrics); `peers status`
// with reachability, lag in entries and time, and the last error in full with its time; /metrics accepted by
// Prometheus's own `promtool check metrics`, with per-peer lag, batch latency histograms, refusals by reason and
// alerts; and the status page, rendered by a real headless Chromium, whose screenshot is kept in the test output
// (.build/test-output/status-page.png) and whose DOM must show each peer with its lag.

import Foundation
import InterforceTestSupport
import Testing

@Suite struct AdminViewTests {
    static let version = "0.13.0"

    @Test func versionPeersStatusMetricsAndTheStatusPage() throws {
        let fed = try Federation([("hampshire", ["south-east"]), ("surrey", ["south-east"]), ("sussex", ["south-east"])],
                                 links: [("hampshire", "surrey"), ("hampshire", "sussex")])
        let hampshire = fed.member("hampshire")
        #expect(try fed.require(fed.run(fed.binary, ["--version"])).stdout == "interforce \(Self.version)\n")
        for n in 1...3 { _ = try fed.write("hampshire", "case-file", #"{"title":"op \#(n)"}"#, audience: "group:south-east") }
        try fed.ok("hampshire", "sync")
        // Sussex goes down; two more entries it lacks.
        try fed.stop("sussex")
        for n in 4...5 { _ = try fed.write("hampshire", "case-file", #"{"title":"op \#(n)"}"#, audience: "group:south-east") }
        let sync = try fed.cli("hampshire", "sync", "-o", "json")
        #expect(sync.status == 1, "\(sync)")
        let syncJSON = try sync.object()
        #expect(syncJSON["inSync"] as? Bool == false && (syncJSON["errors"] as? [String: String])?["sussex"] != nil
                && (syncJSON["errors"] as? [String: String])?["surrey"] == nil, "\(syncJSON)")

        // peers status: the reachable peer in step, the other unreachable with its lag and its error in full.
        let table = try fed.ok("hampshire", "peers", "status").stdout
        let surreyRow = try #require(table.split(separator: "\n").first { $0.hasPrefix("surrey ") })
        #expect(surreyRow.contains(" ok ") && surreyRow.contains("in step"), "\(table)")
        let sussexRow = try #require(table.split(separator: "\n").first { $0.hasPrefix("sussex ") })
        #expect(sussexRow.contains("unreachable") && sussexRow.contains("+2 -0") && sussexRow.contains("as of its last answer"),
                "\(table)")
        #expect(table.contains("sussex last error at ") && table.contains("Couldn't connect to server"), "\(table)")
        let json = try fed.ok("hampshire", "peers", "status", "-o", "json").array()
        let sussex = try #require(json.first { $0["peer"] as? String == "sussex" })
        #expect(sussex["reachable"] as? Bool == false && int(sussex["entriesBehind"]) == 2, "\(sussex)")
        #expect(int(sussex["lagMillis"]) ?? -1 >= 0 && int(sussex["lastErrorAt"]) != nil)
        let error = try #require(sussex["lastError"] as? String)
        #expect(error.count > 80 && error.contains("(attempt 2 of 2)"), "the error is not truncated: \(error)")

        // /healthz and /metrics.
        let health = try fed.curl(["--cacert", fed.caCertificate, hampshire.url + "/healthz"]).stdout
        #expect(health.contains("\nversion: \(Self.version)\n"), "\(health)")
        let metrics = try fed.curl(["--cacert", fed.caCertificate, "--cert", hampshire.certificate, "--key", hampshire.key,
                                    hampshire.url + "/metrics"]).stdout
        for line in ["interforce_build_info{version=\"\(Self.version)\"} 1", "interforce_peer_up{peer=\"surrey\"} 1",
                     "interforce_peer_up{peer=\"sussex\"} 0",
                     "interforce_peer_lag_entries{peer=\"sussex\",direction=\"behind\"} 2",
                     "interforce_peer_lag_entries{peer=\"surrey\",direction=\"behind\"} 0",
                     "interforce_batch_duration_seconds_bucket{kind=\"sent\",le=\"+Inf\"} ", "interforce_alerts_total 0",
                     "interforce_http_refused_total{reason=\"not-a-member\"} 0", "interforce_membership_version 1"] {
            #expect(metrics.contains(line), "\(line) in\n\(metrics)")
        }
        let file = fed.tmp.file("metrics.txt")
        try Data(metrics.utf8).write(to: URL(fileURLWithPath: file))
        let promtool = try fed.run("/bin/sh", ["-c", "promtool check metrics < '\(file)'"])
        #expect(promtool.status == 0, "promtool check metrics (Debian's prometheus, debian-deps.sh --with-python) refused /metrics: \(promtool)")
        // Its negative control: promtool does refuse a malformed exposition.
        try Data("interforce_x{peer=\"a\" 1\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(try fed.run("/bin/sh", ["-c", "promtool check metrics < '\(file)'"]).status != 0)

        // The status page: refused to a stranger from elsewhere is not testable on loopback, so check that a client
        // without a certificate gets it here only because it is local, and what a browser renders.
        let page = try fed.curl(["--cacert", fed.caCertificate, "-i", hampshire.url + "/status"]).stdout
        #expect(page.contains("Content-Security-Policy: default-src 'none'"), "\(page.prefix(600))")
        let output = Fixtures.packageRoot + "/.build/test-output"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let screenshot = output + "/status-page.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        let chromium = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors",
                        "--user-data-dir=" + fed.tmp.file("chromium"), "--window-size=1280,900"]
        let shot = try fed.run("/usr/bin/env", chromium + ["--screenshot=" + screenshot, hampshire.url + "/status"],
                               timeout: 120)
        #expect(shot.status == 0, "\(shot)")
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4e, 0x47]), "a PNG screenshot")
        print("status page screenshot: \(screenshot)")
        let dom = try fed.run("/usr/bin/env", chromium + ["--dump-dom", hampshire.url + "/status"], timeout: 120).stdout
        for (peer, state, lag) in [("surrey", "ok", "in step"), ("sussex", "unreachable", "+2 -0")] {
            let row = try #require(dom.components(separatedBy: "<tr class=\"peer\" data-peer=\"\(peer)\">").dropFirst().first,
                                   "the page shows \(peer): \(dom.prefix(2000))")
            let cells = row.components(separatedBy: "</tr>")[0]
            #expect(cells.contains(">\(state)</td>") && cells.contains("<td class=\"lag\">\(lag)"), "\(peer): \(cells)")
        }
        #expect(dom.contains("id=\"log-head\">row "), "the log head")
    }
}
