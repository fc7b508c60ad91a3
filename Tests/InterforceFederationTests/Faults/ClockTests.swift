// Fault suite, clock (issue 9, fault 2): nodes whose clocks are 10 minutes fast or slow, made so by Debian's
// faketime (its libfaketime preloaded into `serve`: the process sees a shifted wall clock, nothing else changes).
// Certificates are issued as if an hour ago (pki.sh under faketime), so the slow node still finds them valid.
//
// What an operator and an officer must see:
// - fast: the node measures its clock 600 s ahead of its peers', says so in status, peers status, /healthz and
//   /metrics, and refuses writes with the reason and the fix;
// - slow: the node refuses its peers' fresh entries as future-clock and says which peer and why, with the offset;
// - corrected: a node whose feed head was written while its clock ran fast writes again as soon as its clock is
//   right (it does not refuse its own entry), says that peers hold its feed back and until when, and its feed flows
//   once the peers' clocks reach the head's time less the allowed skew.

import Foundation
import InterforceTestSupport
import Testing

@Suite(.serialized, .enabled(if: FaultSuite.faketimeUnavailable == nil, "\(FaultSuite.faketimeUnavailable ?? "")"))
struct ClockTests {
    static func shifted(_ offset: String) -> [String] { FaultSuite.faketime(offset) }

    static func clock(_ fed: Federation, _ force: String) throws -> [String: Any] {
        try #require(try fed.status(force)["clock"] as? [String: Any])
    }

    static func warnings(_ fed: Federation, _ force: String) throws -> [String] {
        try fed.status(force)["warnings"] as? [String] ?? []
    }

    /// Waits until `force` has measured `peers` peers and returns its clock offset.
    static func offset(_ fed: Federation, _ force: String, peers: Int) throws -> Int {
        var offset: Int?
        try waitUntil(timeout: 30, "\(force) to measure \(peers) peers' clocks") {
            let c = try clock(fed, force)
            offset = int(c["offsetMillis"])
            return int(c["peers"]) == peers && offset != nil
        }
        return offset!
    }

    static let document = #"{"title": "Clock test", "summary": "written at a node with a wrong clock"}"#

    @Test func fastAndSlowNodesSayWhyAndACorrectedNodeWritesAgain() throws {
        FaultSuite.report("clock", "ran with faketime: a node 10 minutes fast, one 10 minutes slow, a corrected one")
        let fed = try Federation(
            [("dorset", ["wessex"]), ("essex", ["wessex"]), ("gwent", ["wessex"])],
            links: [("dorset", "essex"), ("essex", "gwent"), ("dorset", "gwent")], syncIntervalSeconds: 1,
            start: false, pkiWrapper: Self.shifted("-1h"))
        try fed.start("essex")
        try fed.start("gwent")

        // Fast: dorset's clock runs 10 minutes ahead.
        try fed.start("dorset", wrapper: Self.shifted("+10m"))
        let fast = try Self.offset(fed, "dorset", peers: 2)
        #expect((595_000...605_000).contains(fast), "dorset measures itself 600 s ahead: \(fast) ms")
        #expect(try Self.clock(fed, "dorset")["writesRefused"] as? Bool == true)
        let entries = int(try fed.status("dorset")["entries"])
        let refused = try fed.cli("dorset", ["record", "new", "case-file", "--json", Self.document])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains(/this node's clock is (59\d|60\d)\.\d s ahead of its peers' \(the median of 2\); it writes nothing while its clock is more than 150\.0 s from theirs, because its peers would refuse its entries as future-clock\. Set the system clock right \(NTP\)/), "\(refused)")
        #expect(int(try fed.status("dorset")["entries"]) == entries, "nothing stored")
        let status = try fed.ok("dorset", "status").stdout
        #expect(status.contains(/clock    (59\d|60\d)\.\d s ahead of 2 peers \(median\); writes refused beyond 150\.0 s/), "\(status)")
        #expect(status.contains("WARNING: this node's clock is "), "\(status)")
        let peers = try fed.ok("dorset", "peers", "status").stdout
        #expect(peers.contains(/essex +.* -(59\d|60\d)\.\d s/), "essex's clock is 600 s behind dorset's\n\(peers)")
        let health = try fed.curl(["--cacert", fed.caCertificate, fed.member("dorset").url + "/healthz"])
        #expect(health.stdout.hasPrefix("degraded\n"), "\(health)")
        #expect(health.stdout.contains(/clock: (59\d|60\d)\.\d s ahead of 2 peers/), "\(health)")
        let metrics = try fed.curl(["--cacert", fed.caCertificate, "--cert", fed.member("dorset").certificate,
                                    "--key", fed.member("dorset").key, fed.member("dorset").url + "/metrics"])
        #expect(metrics.stdout.contains("interforce_clock_writes_refused 1"), "\(metrics)")
        #expect(metrics.stdout.contains(/interforce_peer_clock_offset_seconds\{peer="essex"\} -(59|60)\d\.\d+/),
                "\(metrics)")
        try fed.stop("dorset")

        // Slow: gwent's clock runs 10 minutes behind; essex writes; gwent refuses the entry and says why.
        try fed.stop("gwent")
        try fed.start("gwent", wrapper: Self.shifted("-10m"))
        let written = try fed.write("essex", "case-file", Self.document, audience: "group:wessex")
        try waitUntil(timeout: 30, "gwent to refuse essex's entry as future-clock") {
            try Self.warnings(fed, "gwent").contains { $0.hasPrefix("entries from essex are refused as future-clock") }
        }
        #expect(try fed.show("gwent", written.record) == nil, "the entry is refused, not held")
        let slow = try Self.offset(fed, "gwent", peers: 1)
        #expect((-605_000 ... -595_000).contains(slow), "gwent measures itself 600 s behind: \(slow) ms")
        let why = try Self.warnings(fed, "gwent").joined(separator: "\n")
        #expect(why.contains(/entries from essex are refused as future-clock: essex\/[0-9a-f]{16} seq 1 was (59\d|60\d)\.\d s ahead of this node's clock \(allowed 300\.0 s\); essex's clock is (59\d|60\d)\.\d s ahead of this node's/), "\(why)")
        let gwentPeers = try fed.ok("gwent", "peers", "status").stdout
        #expect(gwentPeers.contains("FUTURE-CLOCK essex: entries from essex are refused as future-clock"), "\(gwentPeers)")
        let slowWrite = try fed.cli("gwent", ["record", "new", "case-file", "--json", Self.document])
        #expect(slowWrite.status == 1 && slowWrite.stderr.contains(/this node's clock is (59\d|60\d)\.\d s behind its peers'/),
                "\(slowWrite)")
        try fed.stop("gwent")
        try fed.start("gwent")
        try waitUntil(timeout: 30, "gwent, its clock right, to admit essex's entry") {
            try fed.show("gwent", written.record) != nil
        }

        // Corrected: dorset writes while its clock runs fast (stopped, so it knows no peer's clock yet), then is
        // set right. Its next write is not refused by itself, and its feed head is reported ahead.
        let command = Self.shifted("+10m") + [fed.binary, "record", "new", "case-file", "--json", Self.document,
                                              "--audience", "group:wessex", "-o", "json"]
        let ahead = try fed.run(command[0], Array(command.dropFirst()), extra: fed.officerEnvironment("dorset"))
        let aheadRecord = try #require(try fed.require(ahead).object()["record"] as? String)
        try fed.start("dorset")
        _ = try Self.offset(fed, "dorset", peers: 2)
        let after = try fed.cli("dorset", ["record", "new", "case-file", "--json", Self.document,
                                           "--audience", "group:wessex", "-o", "json"])
        #expect(after.status == 0, "a write after the clock was corrected is not refused by the node itself\n\(after)")
        let afterRecord = try #require(try after.object()["record"] as? String)
        let history = try fed.ok("dorset", "entries", "export", "--feed", fed.member("dorset").feed)
            .jsonLines().map { $0["header"] as? [String: Any] ?? [:] }
        #expect(history.count == 2, "\(history)")
        if history.count == 2 {
            let first = (int(history[0]["time"]) ?? 0, int(history[0]["tick"]) ?? 0)
            let second = (int(history[1]["time"]) ?? 0, int(history[1]["tick"]) ?? 0)
            #expect(second > first, "the clock advances past the head: \(first) then \(second)")
            #expect(second.0 - Int(Date().timeIntervalSince1970 * 1000) > 500_000,
                    "the new entry is stamped after the fast head, not at the wall clock")
        }
        let dorsetWarnings = try Self.warnings(fed, "dorset").joined(separator: "\n")
        #expect(dorsetWarnings.contains(/this node's feed head is (59\d|60\d)\.\d s ahead of its clock \(written while the clock ran fast\): peers refuse this feed's entries as future-clock until their clocks reach about \d{4}-/), "\(dorsetWarnings)")
        try waitUntil(timeout: 30, "essex to refuse dorset's fast entries and say so") {
            try Self.warnings(fed, "essex").contains {
                $0.contains("entries from dorset are refused as future-clock")
                    && $0.contains("the entry was stamped while its author's clock ran fast")
            }
        }
        #expect(try fed.show("essex", aheadRecord) == nil)

        // Time passes for essex (its clock six minutes on: within the allowed skew of dorset's head): the feed flows.
        try fed.stop("essex")
        try fed.start("essex", wrapper: Self.shifted("+6m"))
        try waitUntil(timeout: 30, "essex to admit both of dorset's entries") {
            try fed.show("essex", aheadRecord) != nil && fed.show("essex", afterRecord) != nil
        }
        for force in ["dorset", "essex", "gwent"] { #expect(try fed.cli(force, "audit", "verify").status == 0) }
    }
}
