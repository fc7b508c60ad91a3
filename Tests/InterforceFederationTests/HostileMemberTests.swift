// Issue 6: what a hostile member force (a valid certificate and a trusted feed key) could do to another force, each
// attack run against real `serve` processes on loopback and shown refused or ignored, with the log row that records
// it, and the honest nodes converging to one state digest afterwards. The hostile member ("kent" unless said
// otherwise) is initialised and listed in the membership like any node but never started: the test signs its
// entries itself (HostileMember.swift) and pushes them with its certificate.
// Findings 1-5 here; 6-9 in HostileMemberTests+Forks.swift.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

@Suite struct HostileMemberTests {
    static let southEast = ["south-east"]

    /// hampshire and surrey linked and serving, kent a member that never serves.
    static func federation(links: [(String, String)] = [("hampshire", "surrey")]) throws -> (Federation, HostileMember) {
        let fed = try Federation([("hampshire", southEast), ("surrey", southEast), ("kent", southEast)], links: links,
                                 start: false)
        try fed.start("hampshire")
        try fed.start("surrey")
        return (fed, try HostileMember(fed, "kent"))
    }

    static func outcome(_ r: [String: Any]) -> String { "\(r["outcome"] ?? "?") \(r["reason"] ?? "") \(r["message"] ?? "")" }

    // MARK: Finding 1: a remote crash by an out-of-range query parameter

    @Test func f1OutOfRangeNumbersFromAMemberAreRefusedNotATrap() throws {
        let (fed, kent) = try Self.federation()
        _ = try fed.write("hampshire", "case-file", Fixtures.caseDocument().canonicalText, audience: "group:south-east")
        let feed = fed.member("hampshire").feed.replacingOccurrences(of: "/", with: "%2F")
        let refused = [
            "/v1/feeds/entries?feed=\(feed)&after=9223372036854775807",   // killed the node before
            "/v1/feeds/entries?feed=\(feed)&after=9007199254740992",
            "/v1/feeds/entries?feed=\(feed)&after=-1",
            "/v1/feeds/entries?feed=\(feed)&after=1&limit=9223372036854775807",
            "/v1/feeds/position?feed=\(feed)&seq=9223372036854775807",
            "/v1/feeds/position?feed=\(feed)&seq=0",
        ]
        for path in refused {
            let r = try kent.get(path, from: "hampshire")
            #expect(r.status == 400 && r.body.contains("\"error\":\"malformed\""), "\(path): \(r)")
        }
        // Each refusal is counted, and logged with the member that asked: the first of each route in a minute as a
        // `reject` row (two routes here), the rest in the minute's summary (W3: not a row each).
        let rejects = try fed.rows("hampshire", kind: "reject").filter { $0["peer"] as? String == "kent" }
        #expect((2...4).contains(rejects.count) && rejects.allSatisfy { $0["reason"] as? String == "malformed" },
                "\(rejects.count) rows: \(rejects.map(message))")
        #expect(try FloodTests.metrics(fed, "hampshire", as: "surrey")["interforce_http_refused_total{reason=\"malformed\"}"]
                == refused.count)
        #expect(rejects.first.map(message) == "'after' must be an integer 0...9007199254740991 and 'limit' 1...500")
        // The largest position is a valid `after` (an empty page), and the node still serves.
        let edge = try kent.get("/v1/feeds/entries?feed=\(feed)&after=9007199254740991", from: "hampshire")
        #expect(edge.status == 200 && edge.body == #"{"items":[]}"#, "\(edge)")
        // Integers past the bounds in pushed items: a seq beyond 2^53 - 1 does not even parse (the batch is refused,
        // logged), a marker at the last position is a gap; neither traps.
        let entry = kent.sign(record: RecordID.natural(type: .caseFile, key: "44/1/26"),
                              payload: HostileMember.set(["title": "x"]), publish: false)
        let huge = entry.canonicalText.replacingOccurrences(of: #""seq":1"#, with: #""seq":9007199254740992"#)
        let (status, body) = try fed.push([huge], to: "hampshire", as: "kent")
        #expect(status == 400 && (body["message"] as? String)?.contains("integer out of range") == true, "\(body)")
        let gap = try kent.push([kent.fakeMarker(seq: Limits.maxSeq, signer: kent.key, audience: try Audience(forces: ["kent"]))],
                                to: "hampshire")
        #expect(gap.first?["reason"] as? String == "gap", "\(gap)")
        #expect(try fed.rows("hampshire", kind: "reject").filter { $0["peer"] as? String == "kent" }.count
                == rejects.count + 2, "the batch refused whole (the first on its route) and the gap")
        #expect(try fed.client(to: "hampshire", as: "surrey").send(.init(method: "GET", path: "/healthz")).status == 200)
        try fed.converge(["hampshire", "surrey"])
    }

    // MARK: Finding 2: a poisoned clock

    @Test func f2AClockAtTheTickBoundIsRefusedAndOneInsideCannotMakeTheNodeWriteAnUnreadableValue() throws {
        let (fed, kent) = try Self.federation()
        let origin = RecordOrigin.new(force: "kent")
        let record = RecordID.owned(type: .caseFile, origin: origin)
        let ahead = nowMillis() + 4 * 60_000   // inside the 5-minute skew

        // tick 2^53 - 1 (the attack): refused as malformed, nothing stored.
        let poisoned = kent.sign(record: record, payload: HostileMember.set(["title": "tick"]), origin: origin,
                                 time: ahead, tick: 9_007_199_254_740_991, publish: false)
        let refused = try kent.pushOne(poisoned, to: "hampshire")
        #expect(refused["reason"] as? String == "malformed"
                && (refused["message"] as? String)?.contains("header.tick: expected an integer 0...1048576") == true,
                "\(refused)")
        #expect(try fed.rows("hampshire", kind: "reject").contains {
            $0["peer"] as? String == "kent" && $0["reason"] as? String == "malformed"
        })

        // The largest tick allowed, 4 minutes ahead: admitted; hampshire's next own write moves to the next
        // millisecond with tick 0 instead of passing the bound.
        let bound = kent.sign(record: record, payload: HostileMember.set(["title": "at the bound"]), origin: origin,
                              time: ahead, tick: Limits.maxTick)
        #expect(try kent.pushOne(bound, to: "hampshire")["outcome"] as? String == "accepted")
        let own = try fed.write("hampshire", "case-file", Fixtures.caseDocument(title: "Own").canonicalText,
                                audience: "group:south-east")
        let header = try Envelope.header(try #require(try fed.export("hampshire").first { try Envelope.hash($0) == own.entry }))
        #expect(header["time"]?.int == ahead + 1 && header["tick"]?.int == 0, "\(header)")

        // Everything reads back, here and at the peer, and after a restart.
        try fed.ok("hampshire", "query", "-o", "json")
        try fed.ok("hampshire", "record", "show", own.record)
        try fed.ok("hampshire", "record", "show", record)
        #expect(try fed.export("hampshire").count == 2)
        try fed.ok("hampshire", "audit", "verify")
        try fed.converge(["hampshire", "surrey"])
        try fed.ok("surrey", "audit", "verify")
        try fed.stop("hampshire")
        try fed.start("hampshire")
        try fed.ok("hampshire", "record", "update", own.record, "--set", "status=charged")
        try fed.ok("hampshire", "audit", "verify")
        try fed.converge(["hampshire", "surrey"])
    }

    // MARK: Finding 3: erasing another force's record

    @Test func f3AnotherForcesEraseWithdrawsOnlyItsOwnPartAndCannotPreemptACrimeReference() throws {
        let (fed, kent) = try Self.federation()
        let caseFile = try fed.write("hampshire", "case-file", Fixtures.caseDocument(title: "Hampshire's case").canonicalText,
                                     audience: "group:south-east")
        let origin = try fed.origin("hampshire", record: caseFile.record)
        #expect(origin.force == "hampshire")
        let payloadsBefore = try #require(int(try fed.status("hampshire")["payloads"]))

        // (a) Kent's signed erase of Hampshire's case file, pushed to Hampshire: admitted (the feed stays gap-free),
        // logged as ignored (not-owner); it withdraws only Kent's own part, and Hampshire keeps its payload.
        let erase = kent.sign(record: caseFile.record, op: "erase", payload: ["reason": "hostile"],
                              audience: try Audience(groups: ["south-east"]), origin: origin)
        #expect(try kent.pushOne(erase, to: "hampshire")["outcome"] as? String == "accepted")
        let ignored = try fed.rows("hampshire", kind: "ignored")
        #expect(ignored.count == 1 && ignored.first?["reason"] as? String == "not-owner"
                && ignored.first?["entry"] as? String == (try? Envelope.hash(erase.canonicalText))
                && message(ignored.first ?? [:]).contains("kent cannot erase a record owned by hampshire"), "\(ignored)")
        let accept = try fed.rows("hampshire", kind: "accept").last
        #expect((accept?["detail"] as? [String: Any])?["effect"] as? String == "withdraw"
                && (accept?["detail"] as? [String: Any])?["rights"] as? String == "contributor", "\(String(describing: accept))")
        #expect(int(try fed.status("hampshire")["payloads"]) == payloadsBefore + 1, "only the erase's own reason is added")
        let shown = try #require(try fed.show("hampshire", caseFile.record))
        #expect(shown["erased"] is NSNull && (shown["fields"] as? [String: Any])?["title"] as? String == "Hampshire's case")
        #expect((shown["owner"] as? [String: Any])?["force"] as? String == "hampshire")
        #expect((shown["withdrawn"] as? [String: Any])?["kent"] != nil, "\(shown)")

        // (b) `record erase` at Surrey, which has written nothing to it: refused, nothing stored.
        try waitUntil(timeout: 20, "the case at surrey") { try fed.show("surrey", caseFile.record) != nil }
        let entries = try #require(int(try fed.status("surrey")["entries"]))
        let foreign = try fed.cli("surrey", "record", "erase", caseFile.record, "--reason", "mine now")
        #expect(foreign.status == 1 && foreign.stderr.contains("owned by hampshire; only hampshire can erase it"), "\(foreign)")
        #expect(int(try fed.status("surrey")["entries"]) == entries)
        // Once Surrey has contributed, its erase withdraws its own part and says so; Hampshire's fields stay.
        try fed.ok("surrey", "record", "update", caseFile.record, "--set", "summary=Surrey's note")
        let withdrawn = try fed.ok("surrey", "record", "erase", caseFile.record, "--reason", "entered in error",
                                   "-o", "json").object()
        #expect((withdrawn["note"] as? String)?.contains("withdrew surrey's contribution") == true, "\(withdrawn)")
        try fed.converge(["hampshire", "surrey"])
        let after = try #require(try fed.show("hampshire", caseFile.record))
        let fields = after["fields"] as? [String: Any] ?? [:]
        #expect(fields["title"] as? String == "Hampshire's case" && fields["summary"] == nil, "\(fields)")

        // (c) Kent erases a crime reference no one has used yet: Hampshire's later `record new` keeps its content.
        let unused = RecordID.natural(type: .caseFile, key: "44/999/26")
        let preempt = kent.sign(record: unused, op: "erase", payload: ["reason": "pre-emptive"],
                                audience: try Audience(groups: ["south-east"]))
        #expect(try kent.pushOne(preempt, to: "hampshire")["outcome"] as? String == "accepted")
        let created = try fed.write("hampshire", "case-file",
                                    Fixtures.caseDocument(reference: "44/999/26", title: "Robbery").canonicalText,
                                    audience: "group:south-east")
        #expect(created.record == unused)
        let robbery = try #require(try fed.show("hampshire", unused))
        #expect((robbery["fields"] as? [String: Any])?["title"] as? String == "Robbery" && robbery["erased"] is NSNull,
                "\(robbery)")
        try fed.converge(["hampshire", "surrey"])
        try fed.ok("surrey", "audit", "verify")
    }

    // MARK: Finding 4: re-audience and reclassify another force's record

    @Test func f4AnotherForceCannotWidenTheAudienceOrLowerTheClassificationOfARecord() throws {
        let fed = try Federation([("hampshire", Self.southEast), ("surrey", Self.southEast), ("sussex", Self.southEast),
                                  ("kent", Self.southEast)],
                                 links: [("hampshire", "surrey"), ("hampshire", "sussex")], start: false)
        for force in ["hampshire", "surrey", "sussex"] { try fed.start(force) }
        let kent = try HostileMember(fed, "kent")
        let args = ["record", "new", "case-file", "--json", Fixtures.caseDocument(title: "Sensitive").canonicalText,
                    "--classification", "OFFICIAL-SENSITIVE", "--audience", "force:surrey,force:kent", "-o", "json"]
        let created = try fed.ok("hampshire", args).object()
        let record = try #require(created["record"] as? String)
        let origin = try fed.origin("hampshire", record: record)

        // Kent adds Sussex to the audience and lowers the classification.
        let widened = kent.sign(record: record, payload: HostileMember.set(["status": "closed"]),
                                audience: try Audience(forces: ["hampshire", "kent", "surrey", "sussex"]),
                                classification: "OFFICIAL",
                                origin: origin)
        #expect(try kent.pushOne(widened, to: "hampshire")["outcome"] as? String == "accepted")
        let accept = try #require(try fed.rows("hampshire", kind: "accept").last)
        #expect((accept["detail"] as? [String: Any])?["rights"] as? String == "contributor"
                && (accept["detail"] as? [String: Any])?["owner"] as? String == "hampshire", "\(accept)")
        let shown = try #require(try fed.show("hampshire", record))
        #expect(shown["classification"] as? String == "OFFICIAL-SENSITIVE")
        #expect((shown["audience"] as? [String: Any])?["forces"] as? [String] == ["kent", "surrey"], "\(shown)")

        // Hampshire's next routine update goes exactly where Hampshire chose.
        let update = try fed.ok("hampshire", "record", "update", record, "--set", "summary=Suspect named", "-o", "json").object()
        let line = try #require(try fed.export("hampshire").first { try Envelope.hash($0) == update["entry"] as? String })
        let header = try Envelope.header(line)
        let original = try Audience(forces: ["kent", "surrey"]).json
        #expect(header["classification"]?.string == "OFFICIAL-SENSITIVE" && header["audience"] == original, "\(header)")
        try fed.ok("hampshire", "sync", "--timeout", "20")
        // Sussex holds Kent's own contribution (Kent addressed it), never Hampshire's content.
        try waitUntil(timeout: 20, "hampshire's update as a marker at sussex") {
            try fed.rows("sussex", kind: "withheld").contains { $0["entry"] as? String == update["entry"] as? String }
        }
        let atSussex = try fed.show("sussex", record)
        let sussexFields = atSussex?["fields"] as? [String: Any] ?? [:]
        #expect(sussexFields["summary"] == nil && sussexFields["title"] == nil, "\(String(describing: atSussex))")
        // A contributor cannot choose them through the CLI either.
        try waitUntil(timeout: 20, "the record at surrey") { try fed.show("surrey", record) != nil }
        let refused = try fed.cli("surrey", "record", "update", record, "--set", "status=open", "--audience", "force:sussex")
        #expect(refused.status == 1 && refused.stderr.contains("owned by hampshire; only hampshire can change its audience"),
                "\(refused)")
        _ = try kent.push([widened.canonicalText], to: "surrey")
        try fed.converge(["hampshire", "surrey"])
    }

    // MARK: Finding 5: stripping a payload with self-made evidence

    @Test func f5APayloadStrippedWithAnEraseByAForceNotEntitledToEraseItIsRefused() throws {
        // Not linked: what reaches surrey is what the test pushes.
        let (fed, kent) = try Self.federation(links: [])
        let written = try fed.write("hampshire", "case-file", Fixtures.caseDocument(title: "Content").canonicalText,
                                    audience: "group:south-east")
        let line = try #require(try fed.export("hampshire").first)
        let origin = try fed.origin("hampshire", record: written.record)

        // Kent relays Hampshire's write with the payload replaced by null and, as evidence, an erase of its own
        // that it never published.
        let ownErase = kent.sign(record: written.record, op: "erase", payload: ["reason": "made up"],
                                 audience: try Audience(groups: ["south-east"]), origin: origin, publish: false)
        let stripped = try Envelope.replacing(try Envelope.replacing(line, "payload", with: .null), "erasure", with: ownErase)
        let result = try #require(try kent.push([stripped], to: "surrey").first)
        #expect(result["reason"] as? String == "payload-mismatch"
                && (result["message"] as? String)?.contains("not an erase of record \(written.record) by its owner or by hampshire") == true,
                "\(result)")
        let reject = try #require(try fed.rows("surrey", kind: "reject").last)
        #expect(reject["peer"] as? String == "kent" && reject["entry"] as? String == written.entry, "\(reject)")
        #expect(int(try fed.status("surrey")["entries"]) == 0, "neither the write nor the made-up erase is stored")
        // Stripped with no evidence at all: refused too.
        let bare = try #require(try kent.push([try Envelope.replacing(line, "payload", with: .null)], to: "surrey").first)
        #expect(bare["reason"] as? String == "payload-mismatch", "\(bare)")

        // The genuine entry then arrives with its payload, and surrey's state is the author's.
        #expect(try #require(try fed.push([line], to: "surrey", as: "hampshire").body["results"] as? [[String: Any]])
            .first?["outcome"] as? String == "accepted")
        #expect(try fed.sameDigest(["hampshire", "surrey"]))
        try fed.ok("surrey", "audit", "verify")
        let shown = try #require(try fed.show("surrey", written.record))
        #expect((shown["fields"] as? [String: Any])?["title"] as? String == "Content")
    }
}
