// The local socket's floods from the attack on issues 7 and 8 (attack-678), each run with real Unix accounts of the
// officers' group against `serve` with Tests/attacks/flood.py, bounded and stopped by itself, printing what
// happened on a line starting "ATTACK":
//
// - W6, denials: an account asking again and again what the policy refuses — rows added per 1,000 denials;
// - W9, slots: eight accounts trickling request heads on every connection they may hold — how long they held them,
//   and whether, and how fast, the node's own account got in meanwhile;
// - W11, long reads: an auditor's eight readers of the whole log — how long members' requests took meanwhile.
//
// Needs root to create the accounts (the CI runs as root).

import Foundation
import InterforceCore
import InterforceTestSupport
import InterforceTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .enabled(if: TestAccounts.available, "\(TestAccounts.unavailableReason ?? "")"))
struct LocalFloodTests {
    typealias Setup = OfficerAccessTests.Setup

    /// Runs one local mode of flood.py as `account` to completion; its JSON report.
    static func attack(_ fed: Federation, as account: TestAccount, _ arguments: [String], timeout: Double = 120)
        throws -> [String: Any] {
        let result = try fed.run("/usr/bin/env", ["python3", FloodTests.flood] + arguments, timeout: timeout,
                                 as: account)
        try #require(result.status == 0, "\(result)")
        return try result.object()
    }

    static func detail(_ row: [String: Any]) -> [String: Any] { OfficerAccessTests.detail(row) }

    static func counted(_ rows: [[String: Any]]) -> Int { rows.reduce(0) { $0 + (int(detail($1)["count"]) ?? 0) } }

    // MARK: W6: denials

    @Test func w6AnAccountAskingAgainAndAgainCostsAtMost21RowsAMinutePerReason() throws {
        let s = try Setup()
        let socket = s.fed.member("sussex").socket
        let started = nowMillis()
        // Dave is in the group but not registered; Alice is an officer asking for an admin's list.
        let n = 3000, m = 200
        let dave = try Self.attack(s.fed, as: s.dave, ["local", socket, "--operation", "status", "--requests",
                                                       String(n), "--connections", "8"])
        let alice = try Self.attack(s.fed, as: s.alice, ["local", socket, "--operation", "officer-list",
                                                         "--requests", String(m), "--connections", "2"])
        #expect(intMap(dave["statuses"]) == ["403": n] && intMap(alice["statuses"]) == ["403": m], "\(dave) \(alice)")
        let minutes = Int((nowMillis() / 60_000) - (started / 60_000)) + 1
        try s.fed.stop("sussex")  // writes the summaries of the minute still open
        let log = try s.fed.auditLog("sussex")
        for (account, reason, operation, asked) in [(s.dave, "not-registered", "status", n),
                                                     (s.alice, "role", "officer-list", m)] {
            let denies = log.filter { $0["kind"] as? String == "deny" && $0["account"] as? String == account.name }
            let summaries = log.filter {
                $0["kind"] as? String == "refused-summary" && $0["account"] as? String == account.name
            }
            print("ATTACK local denial flood, \(asked) \(operation) requests by \(account.name) (\(reason)) in "
                  + "\((account == s.dave ? dave : alice)["seconds"] ?? "?") s: \(denies.count + summaries.count) log rows, "
                  + "\((denies.count + summaries.count) * 1000 / asked) per 1000 denied (before: 1000); "
                  + "\(denies.count) deny rows in full, \(summaries.count) summary row(s) counting \(Self.counted(summaries))")
            #expect(denies.count + Self.counted(summaries) == asked, "every denial is in the log, in full or counted")
            #expect(denies.count >= 20 && denies.count <= 20 * minutes && summaries.count <= minutes,
                    "\(denies.count) in full, \(summaries.count) summaries")
            #expect(denies.allSatisfy {
                $0["reason"] as? String == reason && Self.detail($0)["operation"] as? String == operation
            })
            #expect(summaries.allSatisfy {
                $0["reason"] as? String == reason && Self.detail($0)["path"] as? String == "policy"
                    && (account == s.alice ? $0["officer"] as? String == "PC 7" : $0["officer"] is NSNull)
            }, "\(summaries)")
        }
        #expect(try s.fed.cli("sussex", ["audit", "verify"]).status == 0)
    }

    // MARK: W9: connection slots

    @Test func w9EightAccountsTricklingHeadsAreCutAndTheNodesOwnAccountGetsInMeanwhile() throws {
        let s = try Setup()
        let crowd = try TestAccounts.crowd()
        let socket = s.fed.member("sussex").socket
        // Each of eight accounts opens the eight connections it may hold, each sending a byte of a request head a
        // second for up to 20 s: 64 connections, the whole socket.
        let attackers = try crowd.enumerated().map { i, account in
            try s.fed.launch("/usr/bin/env", ["python3", FloodTests.flood, "trickle", socket, "--connections", "8",
                                              "--interval", "1", "--seconds", "20"], label: "trickle-\(i)",
                             as: account)
        }
        defer { for a in attackers where a.isRunning { kill(a.processIdentifier, SIGKILL) } }
        Thread.sleep(forTimeInterval: 2)
        // The node's own account gets in while every slot the others may take is held.
        var admin: [Double] = []
        for _ in 0..<3 {
            let began = Date()
            let status = try s.fed.cli("sussex", ["status", "-o", "json"])
            admin.append(Date().timeIntervalSince(began))
            #expect(status.status == 0, "\(status)")
            Thread.sleep(forTimeInterval: 0.5)
        }
        for a in attackers { #expect(s.fed.wait(a, seconds: 60)) }
        let held = try (0..<crowd.count).flatMap { i in
            let report = try #require(try JSONSerialization.jsonObject(
                with: Data(s.fed.output("trickle-\(i)").stdout.utf8)) as? [String: Any], "\(s.fed.output("trickle-\(i)"))")
            return (report["held"] as? [Double]) ?? []
        }
        // Once the attack is over, an officer gets in again.
        let alice = try s.cli(s.alice, ["officer", "show", "-o", "json"])
        #expect(alice.status == 0, "\(alice)")
        try s.fed.stop("sussex")
        let log = try s.fed.auditLog("sussex")
        func refusals(_ reason: String) -> Int {
            log.filter { $0["kind"] as? String == "local-refused" && $0["reason"] as? String == reason }.count
                + Self.counted(log.filter { $0["kind"] as? String == "refused-summary" && $0["reason"] as? String == reason })
        }
        let cut = refusals("head-deadline"), full = refusals("socket-full")
        print("ATTACK local slots, 8 accounts × 8 connections trickling a request head a byte a second for 20 s: held "
              + "at most \(held.max() ?? -1) s (before: 70 s of 70); \(full) refused as the socket was full, \(cut) cut "
              + "at the 5 s head deadline; the node's own account got in during the attack in "
              + admin.map { String(format: "%.2f", $0) }.joined(separator: ", ") + " s (before: could not connect)")
        #expect(held.count == 64 && (held.max() ?? 99) <= 7.5, "\(held)")
        #expect(admin.allSatisfy { $0 < 3 }, "\(admin)")
        #expect(full == 8 && cut == 56, "\(full) refused, \(cut) cut")
        let first = log.first { $0["kind"] as? String == "local-refused" && $0["reason"] as? String == "head-deadline" }
        #expect((Self.detail(first ?? [:])["message"] as? String)?.contains("did not send a whole request within 5 s")
                == true, "\(first ?? [:])")
    }

    // MARK: W11: long reads

    @Test func w11AnAuditorsLongReadsComeInPagesAndMembersAreAnsweredMeanwhile() throws {
        let fed = try Federation([("sussex", ["south-east"]), ("kent", ["south-east"])],
                                 socketGroup: TestAccounts.officersGroup, start: false)
        let carol = try TestAccounts.account(TestAccounts.officerNames[2])
        try fed.ok("sussex", ["officer", "add", carol.name, "--collar", "AUD 1", "--name", "Auditor", "--role", "auditor"])
        try fed.start("sussex")
        // A log of a few thousand rows: 2,500 entries pushed by a member, an accept row each.
        let kent = try HostileMember(fed, "kent")
        for batch in 0..<5 {
            let items = (0..<500).map { i in
                kent.sign(record: RecordID.natural(type: .caseFile, key: "44/\(batch * 500 + i)/26"),
                          payload: HostileMember.set(["title": .string("case \(i)")])).canonicalText
            }
            try #require(try kent.push(items, to: "sussex").allSatisfy { $0["outcome"] as? String == "accepted" })
        }
        let socket = fed.member("sussex").socket
        let purpose: [String: Any] = ["code": "audit", "text": "review"]
        func body(_ limit: Int) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: ["limit": limit, "purpose": purpose]),
                   as: UTF8.self)
        }
        // The attacker's request, the whole log at once, is refused; the CLI reads it a page at a time.
        let whole = try Self.attack(fed, as: carol, ["local", socket, "--operation", "audit-log", "--body",
                                                     try body(1_000_000), "--requests", "1", "--connections", "1"])
        #expect(intMap(whole["statuses"]) == ["400": 1], "\(whole)")
        let read = try fed.cli("sussex", ["audit", "log", "--limit", "1000000", "-o", "json",
                                          "--purpose", "audit: review"], as: carol)
        let seqs = try read.array().compactMap { int($0["seq"]) }
        #expect(seqs.count > 2500 && seqs == Array(1...(seqs.last ?? 0)), "every row once, in order: \(seqs.count)")

        // Eight readers of 1,000 rows at a time, as fast as they can, while a member asks for the feeds.
        let readers = try fed.launch("/usr/bin/env", ["python3", FloodTests.flood, "local", socket, "--operation",
                                                      "audit-log", "--body", try body(1000), "--requests", "64",
                                                      "--connections", "8"], label: "readers", as: carol)
        defer { if readers.isRunning { kill(readers.processIdentifier, SIGKILL) } }
        Thread.sleep(forTimeInterval: 1)
        let member = try fed.client(to: "sussex", as: "kent")
        var latencies: [Double] = []
        while readers.isRunning && latencies.count < 40 {
            let began = Date()
            let response = try member.send(ClientRequest(method: "GET", path: "/v1/feeds"))
            latencies.append(Date().timeIntervalSince(began))
            #expect(response.status == 200)
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(fed.wait(readers, seconds: 120))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(fed.output("readers").stdout.utf8))
                                  as? [String: Any], "\(fed.output("readers"))")
        latencies.sort()
        print("ATTACK auditor's long reads, a log of \(seqs.count) rows: the whole log in one request refused (400), "
              + "read by the CLI in \(Int((Double(seqs.count) / 1000).rounded(.up))) pages; 8 readers of 1000 rows "
              + "(\(intMap(report["statuses"])["200"] ?? 0) pages in \(report["seconds"] ?? "?") s, each answered in "
              + "min/median/max \(report["answerSeconds"] ?? "?") s): \(latencies.count) member requests meanwhile "
              + "answered in median \(String(format: "%.3f", latencies[latencies.count / 2])) s, max "
              + "\(String(format: "%.3f", latencies.last ?? -1)) s (before: 2 of 3 cut after 5.14 s)")
        #expect(intMap(report["statuses"]) == ["200": 64], "\(report)")
        #expect(latencies.count >= 3 && (latencies.last ?? 99) < 5, "\(latencies)")
    }
}
