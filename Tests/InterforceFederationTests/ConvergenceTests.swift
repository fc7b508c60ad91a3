// Convergence across real processes: records written at every node of a line reach every node, through a relay
// where two nodes are not linked, with the force that wrote each field; a node that was stopped while others
// wrote catches up after a restart, with nothing lost and nothing twice; and the periodic anti-entropy cycle
// delivers without anyone asking for a sync.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

@Suite struct ConvergenceTests {
    static let southEast = ["south-east"]

    /// hampshire - surrey - sussex, all in south-east; hampshire and sussex are not linked.
    static func line(syncIntervalSeconds: Int = 2) throws -> Federation {
        try Federation([("hampshire", southEast), ("surrey", southEast), ("sussex", southEast)],
                       links: [("hampshire", "surrey"), ("surrey", "sussex")], syncIntervalSeconds: syncIntervalSeconds)
    }

    /// When `force` last failed to exchange with `peer` (Unix ms), from `peers status -o json`.
    static func lastErrorAt(_ fed: Federation, _ force: String, peer: String) throws -> Int? {
        let peers = try fed.ok(force, "peers", "status", "-o", "json").array()
        return int(peers.first { $0["peer"] as? String == peer }?["lastErrorAt"])
    }

    @Test func aLineConvergesAndRelaysWithProvenance() throws {
        // A sync interval long enough that only push, relay and `sync` can explain what follows.
        let fed = try Self.line(syncIntervalSeconds: 8)
        let caseFile = try fed.write("hampshire", "case-file", Fixtures.caseDocument().canonicalText,
                                     audience: "group:south-east")
        let note = try fed.write("surrey", "interview-note", Fixtures.noteDocument().canonicalText,
                                 audience: "group:south-east")
        let image = try fed.write("sussex", "image-ref", Fixtures.imageDocument().canonicalText,
                                  audience: "group:south-east")

        // Hampshire's record reaches Sussex, which has no link to Hampshire: Surrey relays it.
        try waitUntil(timeout: 20, "hampshire's case file at sussex") { try fed.show("sussex", caseFile.record) != nil }
        let atSussex = try #require(try fed.show("sussex", caseFile.record))
        #expect((atSussex["created"] as? [String: Any])?["force"] as? String == "hampshire")
        let provenance = try #require(atSussex["provenance"] as? [String: Any])
        #expect((provenance["title"] as? [String: Any])?["force"] as? String == "hampshire")
        #expect((atSussex["fields"] as? [String: Any])?["title"] as? String == "Burglary at Elm Road")

        // Sussex changes Hampshire's record; the change travels back through Surrey.
        try fed.ok("sussex", "record", "update", caseFile.record, "--set", "status=charged")

        // `sync` at the relay exchanges with both its peers now, and does not wait for the periodic cycle.
        let syncStarted = Date()
        let sync = try fed.cli("surrey", "sync", "--timeout", "20")
        let syncSeconds = Date().timeIntervalSince(syncStarted)
        #expect(sync.status == 0 && sync.stdout.contains("in sync with every reachable peer"), "\(sync)")
        #expect(syncSeconds < Double(fed.syncIntervalSeconds), "sync took \(syncSeconds) s")
        // A peer that hangs makes `sync` fail when its --timeout expires, naming the peer.
        fed.signal("sussex", SIGSTOP)
        let stalled = try fed.cli("surrey", "sync", "--timeout", "2")
        fed.signal("sussex", SIGCONT)
        #expect(stalled.status == 1 && stalled.stderr.contains("sussex: no exchange completed"), "\(stalled)")

        try waitUntil(timeout: 20, "equal state digests on all three nodes") { try fed.sameDigest(fed.forces) }
        let statuses = try fed.forces.map(fed.status)
        #expect(Set(statuses.map { int($0["entries"]) ?? -1 }) == [4], "three creations and one update everywhere")
        #expect(Set(statuses.map { int($0["records"]) ?? -1 }) == [3])
        let vectors = statuses.map { intMap($0["versionVector"]) }
        #expect(vectors.allSatisfy { $0 == vectors[0] } && vectors[0].count == 3, "\(vectors)")

        let atHampshire = try #require(try fed.show("hampshire", caseFile.record))
        let fields = try #require(atHampshire["fields"] as? [String: Any])
        let fieldProvenance = try #require(atHampshire["provenance"] as? [String: Any])
        #expect(fields["status"] as? String == "charged")
        #expect((fieldProvenance["status"] as? [String: Any])?["force"] as? String == "sussex")
        #expect((fieldProvenance["title"] as? [String: Any])?["force"] as? String == "hampshire")
        #expect((atHampshire["updated"] as? [String: Any])?["force"] as? String == "sussex")
        for record in [note.record, image.record] {
            #expect(try fed.show("hampshire", record) != nil)
        }
    }

    @Test func aNodeStoppedWhileOthersWriteCatchesUpWithNothingLostOrTwice() throws {
        let fed = try Self.line()
        let first = try fed.write("hampshire", "case-file", Fixtures.caseDocument(title: "Case 0").canonicalText,
                                  audience: "group:south-east")
        try waitUntil(timeout: 20, "the first record everywhere") {
            try fed.forces.allSatisfy { try fed.show($0, first.record) != nil }
        }

        let stopped = nowMillis()
        try fed.stop("surrey")
        // While Surrey is down: ten new records and ten updates at Hampshire, one record at Sussex.
        var records: [String] = []
        for i in 1...10 {
            records.append(try fed.write("hampshire", "case-file",
                                         Fixtures.caseDocument(title: "Case \(i)").canonicalText,
                                         audience: "group:south-east").record)
        }
        for record in records { try fed.ok("hampshire", "record", "update", record, "--set", "status=charged") }
        let fromSussex = try fed.write("sussex", "interview-note", Fixtures.noteDocument().canonicalText,
                                       audience: "group:south-east")
        // Hampshire sees that its peer is down.
        try waitUntil(timeout: 20, "hampshire to report surrey unreachable") {
            try Self.lastErrorAt(fed, "hampshire", peer: "surrey") ?? 0 >= stopped
        }
        // The outage is in hampshire's audit log (a new error after a success is always logged).
        #expect(try fed.auditLog("hampshire").contains {
            $0["kind"] as? String == "peer-error" && $0["peer"] as? String == "surrey" && int($0["at"]) ?? 0 >= stopped
        })
        #expect(try fed.show("sussex", records[0]) == nil, "nothing reaches sussex while its only link is down")

        try fed.start("surrey")
        try waitUntil(timeout: 30, "equal digests after surrey restarts") { try fed.sameDigest(fed.forces) }

        let total = 1 + 10 + 10 + 1
        for force in fed.forces {
            let status = try fed.status(force)
            #expect(int(status["entries"]) == total, "\(force): \(status)")
            #expect(int(status["records"]) == 12, "\(force): \(status)")
            let vector = intMap(status["versionVector"])
            #expect(vector == [fed.member("hampshire").feed: 21, fed.member("sussex").feed: 1], "\(force): \(vector)")

            // No entry twice: per feed, the entries held are exactly seq 1...head, each once.
            let exported = try fed.export(force)
            #expect(exported.count == total, "\(force)")
            #expect(Set(try exported.map(Envelope.hash)).count == exported.count, "\(force): an entry held twice")
            var seqs: [String: [Int64]] = [:]
            for line in exported { seqs[try Envelope.author(line), default: []].append(try Envelope.seq(line)) }
            for (feed, list) in seqs {
                #expect(list.sorted() == Array(1...Int64(vector[feed] ?? 0)), "\(force): feed \(feed) seqs \(list.sorted())")
            }
        }
        #expect(try fed.show("hampshire", fromSussex.record) != nil, "sussex's note reached hampshire through surrey")

        // Surrey's log: what it caught up on was accepted; nothing was rejected.
        let log = try fed.auditLog("surrey")
        let kinds = log.compactMap { $0["kind"] as? String }
        #expect(kinds.filter { $0 == "accept" }.count == total, "every entry accepted exactly once at surrey")
        #expect(!kinds.contains("reject"), "\(log.filter { $0["kind"] as? String == "reject" })")
        #expect(kinds.filter { $0 == "serve-start" }.count == 2 && kinds.contains("serve-stop"))
    }

    @Test func thePeriodicCycleDeliversWithoutASync() throws {
        // Hampshire replicates to Surrey; Surrey has no peers, so nothing but Hampshire's periodic cycle can
        // bring it what was written while it was down.
        let interval = 3
        let fed = try Federation([("hampshire", Self.southEast), ("surrey", Self.southEast)],
                                 oneWay: [("hampshire", "surrey")], syncIntervalSeconds: interval)
        let stopped = nowMillis()
        try fed.stop("surrey")
        let record = try fed.write("hampshire", "case-file", Fixtures.caseDocument().canonicalText,
                                   audience: "group:south-east")
        try waitUntil(timeout: 20, "hampshire's push to surrey to fail") {
            try Self.lastErrorAt(fed, "hampshire", peer: "surrey") ?? 0 >= stopped
        }
        try fed.start("surrey")
        let restarted = Date()
        try waitUntil(timeout: Double(3 * interval + 10), "the record at surrey without a sync") {
            try fed.show("surrey", record.record) != nil
        }
        let elapsed = Date().timeIntervalSince(restarted)
        #expect(elapsed < Double(interval) + 3, "delivered \(elapsed) s after restart; the sync interval is \(interval) s")
        #expect(try fed.sameDigest(fed.forces))
    }
}
