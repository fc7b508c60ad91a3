// What an account in the officers' group could still learn or hold against a running node, from the live attack on
// issue 8, each attack repeated with real Unix accounts against `serve` and shown refused or harmless, with its log
// rows: probing which computed record ids exist (M2), holding every connection slot of the local socket (DoS),
// and an account that takes over a deleted account's uid using what that account left open (uid reuse).
// Needs root to create the accounts.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: TestAccounts.available, "\(TestAccounts.unavailableReason ?? "")"))
struct OfficerProbeTests {
    typealias Setup = OfficerAccessTests.Setup

    /// Sends each `[operation, body]` to the node's socket as `account`, one connection each, from Python (so that
    /// what a client sees on the wire is read by code that is not ours): `[[status, body, seconds], ...]`, the
    /// seconds from the request sent to the answer read.
    static let rawClient = #"""
        import json, socket, sys, time
        out = []
        for operation, body in json.loads(sys.argv[2]):
            data = json.dumps(body).encode()
            s = socket.socket(socket.AF_UNIX)
            s.connect(sys.argv[1])
            began = time.monotonic()
            s.sendall(b"POST /local/v1/%s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (operation.encode(), len(data)) + data)
            raw = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                raw += chunk
            s.close()
            head, _, answer = raw.partition(b"\r\n\r\n")
            out.append([int(head.split(b" ")[1]), answer.decode(), time.monotonic() - began])
        print(json.dumps(out))
        """#

    static func raw(_ s: Setup, as account: TestAccount, _ requests: [(String, [String: Any])]) throws
        -> [(status: Int, body: String, seconds: Double)] {
        let list = try JSONSerialization.data(withJSONObject: requests.map { [$0.0, $0.1] })
        let r = try s.fed.run("/usr/bin/env", ["python3", "-c", rawClient, s.fed.member("sussex").socket,
                                               String(decoding: list, as: UTF8.self)], as: account)
        try #require(r.status == 0, "\(r)")
        let answers = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[Any]])
        return answers.map { (($0[0] as? Int) ?? 0, ($0[1] as? String) ?? "", ($0[2] as? Double) ?? 0) }
    }

    static var purpose: [String: Any] { ["code": "investigation", "text": "op ELM 44/1/26"] }

    // MARK: M2: probing record ids

    @Test func m2ARecordNotHeldAndOneTheCallerMayNotSeeAreAnsweredAndLoggedAlikeAndTheLoggingIsBounded() throws {
        let s = try Setup()
        // A sensitive case file whose id anyone can compute from its crime reference.
        let hidden = try s.fed.write("sussex", "case-file",
                                     #"{"title": "Op Kestrel", "crimeReference": "44/55555/26"}"#,
                                     classification: "OFFICIAL-SENSITIVE").record
        #expect(hidden == RecordID.natural(type: .caseFile, key: "44/55555/26"))
        let cli = try s.cli(s.alice, ["record", "show", hidden, "--purpose", "investigation: op ELM"])
        #expect(cli.status == 1 && cli.stderr.contains("none is held here, or it is OFFICIAL-SENSITIVE"), "\(cli)")

        // PC 7 (uncleared) asks about it and about 40 ids that are not held, every way there is, as fast as a
        // client can.
        let absent = (0..<40).map { RecordID.natural(type: .caseFile, key: "44/5554\($0 / 10)\($0 % 10)/26") }
        func requests(_ id: String) -> [(String, [String: Any])] {
            [("record-show", ["record": id, "purpose": Self.purpose]),
             ("record-history", ["record": id, "purpose": Self.purpose]),
             ("watch", ["record": id, "purpose": Self.purpose]),
             ("record-update", ["requestId": UUID().uuidString, "record": id, "patch": ["set": ["status": "open"]]])]
        }
        let answers = try Self.raw(s, as: s.alice, requests(hidden) + absent.flatMap(requests))
        let seen = Set(answers.enumerated().map { n, a in
            "\(a.status) " + a.body.replacingOccurrences(of: n < 4 ? hidden : absent[n / 4 - 1], with: "ID")
        })
        #expect(seen == ["404 " + #"{"error":"not-found","message":"no record ID that "#
                            + "PC 7 (\(s.alice.name)) may see: "
                            + "none is held here, or it is OFFICIAL-SENSITIVE and PC 7 (\(s.alice.name)) is neither "
                            + #"cleared for OFFICIAL-SENSITIVE nor named on it"}"#], "one answer for both: \(seen)")
        // And none comes sooner than 10 ms after it was asked, whatever finding and logging it cost.
        #expect(answers.allSatisfy { $0.seconds >= 0.010 }, "\(answers.map(\.seconds).min() ?? 0) s")

        // The log: each of the account's first 20 such lookups a minute is a row — `deny` for the hidden record,
        // `not-found` for one not held —, the rest of the minute counted in one summary row (written at the
        // latest when the node stops).
        try s.fed.stop("sussex")
        let log = try s.fed.auditLog("sussex")
        let lookups = 1 + answers.count
        let denies = log.filter { $0["kind"] as? String == "deny" }
        #expect(denies.count == 5 && denies.allSatisfy {
            $0["record"] as? String == hidden && $0["reason"] as? String == "need-to-know"
                && $0["account"] as? String == s.alice.name && $0["officer"] as? String == "PC 7"
        }, "the first lookups of the minute are all in full: \(denies)")
        #expect(denies.compactMap { OfficerAccessTests.detail($0)["operation"] as? String }
                == ["record-show", "record-show", "record-history", "watch", "record-update"])
        let notFound = log.filter { $0["kind"] as? String == "not-found" }
        #expect((15...35).contains(notFound.count) && notFound.allSatisfy {
            $0["account"] as? String == s.alice.name && $0["officer"] as? String == "PC 7"
        }, "\(notFound.count) rows")
        #expect(notFound.first?["record"] as? String == absent[0]
                && OfficerAccessTests.detail(notFound[0])["operation"] as? String == "record-show"
                && notFound.first?["purpose"] as? String == "investigation: op ELM 44/1/26", "\(notFound.first ?? [:])")
        let summaries = log.filter { $0["kind"] as? String == "unseen-summary" }
        let counted = summaries.reduce(0) { $0 + (int(OfficerAccessTests.detail($1)["count"]) ?? 0) }
        #expect(denies.count + notFound.count + counted == lookups && (1...2).contains(summaries.count)
                && summaries.allSatisfy {
                    $0["account"] as? String == s.alice.name && $0["officer"] as? String == "PC 7"
                },
                "every lookup is in full or counted, in one row per minute: \(summaries)")
        #expect(try s.fed.cli("sussex", ["audit", "verify"]).status == 0)
    }

    // MARK: DoS: one account holding every connection slot of the local socket

    /// Opens `argv[2]` connections to the socket `argv[1]` and sends nothing; after a second, prints how many the
    /// node has closed and how many are still open, then holds them.
    static let holder = #"""
        import json, select, socket, sys, time
        held = []
        for _ in range(int(sys.argv[2])):
            s = socket.socket(socket.AF_UNIX)
            s.connect(sys.argv[1])
            held.append(s)
        time.sleep(1.0)
        closed = 0
        for s in held:
            try:
                if select.select([s], [], [], 0)[0] and s.recv(1, socket.MSG_PEEK) == b"":
                    closed += 1
            except OSError:
                closed += 1
        print(json.dumps({"open": len(held) - closed, "closed": closed}), flush=True)
        time.sleep(120)
        """#

    @Test func dosAnAccountHoldsAtMostEightConnectionsAndTheRestAreClosedAndLogged() throws {
        let s = try Setup()
        // Dave (in the officers' group, not registered) opens 70 idle connections: more than the socket's 64.
        let holder = try s.fed.launch("/usr/bin/env",
                                      ["python3", "-c", Self.holder, s.fed.member("sussex").socket, "70"],
                                      label: "holder", as: s.dave)
        defer { kill(holder.processIdentifier, SIGKILL) }
        var held: [String: Any] = [:]
        try waitUntil(timeout: 20, "the holder's count") {
            held = (try? JSONSerialization.jsonObject(with: Data(s.fed.output("holder").stdout.utf8))) as? [String: Any]
                ?? [:]
            return !held.isEmpty
        }
        #expect(int(held["open"]) == 8 && int(held["closed"]) == 62, "\(held) \(s.fed.output("holder").stderr)")
        // The officers still get in.
        let alice = try s.cli(s.alice, ["officer", "show", "-o", "json"])
        #expect(alice.status == 0 && (try? alice.object()["collar"] as? String) == "PC 7", "\(alice)")
        let bob = try s.cli(s.bob, ["query", "--purpose", "investigation: op ELM", "-o", "json"])
        #expect(bob.status == 0, "\(bob)")
        // The first refusal of the minute is logged in full, under the account.
        var refused: [[String: Any]] = []
        try waitUntil(timeout: 20, "a local-refused row") {
            refused = try s.fed.rows("sussex", kind: "local-refused")
            return !refused.isEmpty
        }
        #expect(refused.allSatisfy {
            $0["account"] as? String == s.dave.name && $0["officer"] is NSNull
                && $0["reason"] as? String == "too-many-connections"
                && int(OfficerAccessTests.detail($0)["uid"]) == Int(s.dave.uid)
                && int(OfficerAccessTests.detail($0)["limit"]) == 8
        }, "\(refused)")
        // Once its connections end, the account connects again; the rest of the minute's refusals are counted in a
        // summary row, written at the latest when the node stops.
        kill(holder.processIdentifier, SIGKILL)
        try waitUntil(timeout: 20, "dave connecting again") {
            try s.cli(s.dave, ["status"]).stderr.contains("account \(s.dave.name) is not registered")
        }
        try s.fed.stop("sussex")
        let log = try s.fed.auditLog("sussex")
        let summaries = log.filter {
            $0["kind"] as? String == "refused-summary" && $0["reason"] as? String == "too-many-connections"
        }
        let inFull = log.filter { $0["kind"] as? String == "local-refused" }.count
        let counted = summaries.reduce(0) { $0 + (int(OfficerAccessTests.detail($1)["count"]) ?? 0) }
        #expect(inFull + counted == 62 && summaries.allSatisfy { $0["account"] as? String == s.dave.name },
                "\(inFull) in full, \(summaries)")
    }

    // MARK: Low: a uid reused by another account

    @Test func uidReuseANewAccountWithADeletedAccountsUIDContinuesNothingItLeftOpen() throws {
        let s = try Setup()
        let frank = try TestAccounts.accountToBeReused()
        try s.fed.ok("sussex", ["officer", "add", frank.name, "--collar", "PC 11", "--name", "Frank",
                                "--role", "officer"])
        // Frank opens a watch and writes with a request id of his choosing.
        let requestID = UUID().uuidString
        let write: [String: Any] = ["requestId": requestID, "type": "case-file", "document": ["title": "Frank's case"],
                                    "classification": "OFFICIAL", "audience": ["forces": [], "groups": []]]
        let opened = try Self.raw(s, as: frank, [("watch", ["record": NSNull(), "purpose": Self.purpose]),
                                                 ("record-new", write)])
        #expect(opened.map(\.status) == [200, 200], "\(opened)")
        let cursor = try #require(try Self.object(opened[0].body)["cursor"] as? String)
        let franksRecord = try #require(try Self.object(opened[1].body)["record"] as? String)
        #expect(try Self.raw(s, as: frank, [("watch-next", ["cursor": cursor])])[0].status == 200)

        // Frank's account is deleted; Grace's is created with his uid and registered.
        let grace = try TestAccounts.reuseUID(of: frank)
        #expect(grace.uid == frank.uid)
        try s.fed.ok("sussex", ["officer", "add", grace.name, "--collar", "PC 12", "--name", "Grace",
                                "--role", "officer"])

        // Grace cannot continue Frank's watch, and his request id is neither hers to be refused by nor his answer.
        let answers = try Self.raw(s, as: grace, [("watch-next", ["cursor": cursor]), ("record-new", write)])
        #expect(answers[0].status == 404
                && answers[0].body.contains("cursor \(cursor) is unknown, expired, or not yours"), "\(answers[0])")
        #expect(answers[1].status == 200, "\(answers[1])")
        let gracesRecord = try #require(try Self.object(answers[1].body)["record"] as? String)
        #expect(gracesRecord != franksRecord, "a write of her own, not Frank's remembered answer")
        // Her own id, reused for something else, is still refused.
        var other = write
        other["document"] = ["title": "Something else"]
        let reused = try Self.raw(s, as: grace, [("record-new", other)])[0]
        #expect(reused.status == 409 && reused.body.contains("already used for a different request"), "\(reused)")

        let writes = try s.fed.rows("sussex", kind: "write")
        #expect(writes.filter { $0["record"] as? String == franksRecord }.map { $0["account"] as? String }
                == [frank.name])
        #expect(writes.filter { $0["record"] as? String == gracesRecord }.map { $0["officer"] as? String } == ["PC 12"])
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }
}
