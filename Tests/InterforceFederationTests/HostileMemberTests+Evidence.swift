// Fork evidence after the attacks on issue 6's defences (attack findings W4 and W12): evidence a revoked key signed
// outside its range must not keep the rotated, honest feed flagged; and a later fork of a feed already flagged must
// still reach every node, since evidence is exchanged by fork, not by feed.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

extension HostileMemberTests {
    /// The fork evidence `force` serves for `feed` (`GET /v1/evidence`), and its fork digests (`GET /v1/feeds`).
    static func evidence(_ fed: Federation, _ force: String, feed: String, asking: String) throws
        -> (forks: [Any], digests: [String: String]) {
        let client = try fed.client(to: force, as: asking)
        let path = "/v1/evidence?feed=\(feed.replacingOccurrences(of: "/", with: "%2F"))"
        let served = try client.send(.init(method: "GET", path: path))
        let feeds = try client.send(.init(method: "GET", path: "/v1/feeds"))
        let forks = (try JSONSerialization.jsonObject(with: Data(served.body)) as? [String: Any])?["forks"] as? [Any]
        let digests = (try JSONSerialization.jsonObject(with: Data(feeds.body)) as? [String: Any])?["forkDigests"]
        return (try #require(forks, "\(force): \(served.status)"), try #require(digests as? [String: String]))
    }

    // MARK: W4: a revoked key's fork past its range does not flag the rotated feed for good

    @Test func w4ForkEvidenceARevokedKeySignedPastItsRangeIsDroppedAtInstallationAndTheFeedUnflagged() throws {
        let forces = ["hampshire", "surrey", "sussex"]
        let fed = try Federation([("hampshire", Self.southEast), ("surrey", Self.southEast), ("sussex", Self.southEast),
                                  ("kent", Self.southEast)],
                                 links: [("hampshire", "surrey"), ("surrey", "sussex")], start: false)
        for force in forces { try fed.start(force) }
        let kent = try HostileMember(fed, "kent")
        let rotated = SecretKey.generate()
        let origin = RecordOrigin.new(force: "kent")
        let record = RecordID.owned(type: .caseFile, origin: origin)
        let audience = try Audience(forces: forces)
        let first = kent.sign(record: record, payload: HostileMember.set(["title": "Genuine"]), audience: audience,
                              origin: origin)
        #expect(try kent.pushOne(first, to: "hampshire")["outcome"] as? String == "accepted")
        try fed.converge(forces)

        // The thief, before the revocation reaches anyone: two versions of seq 2 (both admitted at hampshire, the
        // second as an equivocation), and the evidence pushed to sussex as well; gossip takes it everywhere.
        let a = kent.sign(record: record, payload: HostileMember.set(["title": "thief A"]), audience: audience,
                          origin: origin, publish: false)
        let b = kent.sign(record: record, payload: HostileMember.set(["title": "thief B"]), audience: audience,
                          origin: origin, publish: false)
        #expect(try kent.pushOne(a, to: "hampshire")["outcome"] as? String == "accepted")
        #expect(try kent.pushOne(b, to: "hampshire")["reason"] as? String == "equivocation")
        let evidence = try HostileMember.fork(a, b)
        #expect(try kent.pushEvidence([evidence], to: "sussex").first?["outcome"] as? String == "recorded")
        try waitUntil(timeout: 40, "the seq-2 fork at every node") {
            for force in forces { _ = try fed.cli(force, "sync", "--timeout", "10") }
            return try forces.allSatisfy { try fed.sqlite($0, "SELECT count(*) FROM forks WHERE feed = '\(kent.feed)'") == "1" }
        }
        #expect(try fed.sqlite("hampshire", "SELECT count(*) FROM equivocations") == "1")

        // The rotation of OPERATIONS §5.1: the stolen key signs up to seq 1, the new key from seq 2. Installing it
        // rolls back what the stolen key signed at 2 and drops the evidence built from it, logged, at every node.
        let v2 = try kent.rotation(version: 2, lastSeq: 1, to: rotated)
        for force in forces { try fed.ok(force, "membership", "install", v2) }
        let hashes = try [a, b].map { try #require($0["hash"]?.string) }.sorted()
        for force in forces {
            let dropped = try fed.rows(force, kind: "evidence-dropped").filter { $0["author"] as? String == kent.feed }
            let fork = try #require(dropped.first { $0["entry"] as? String == nil }, "\(force): \(dropped)")
            #expect(fork["reason"] as? String == "revoked-key" && int((fork["detail"] as? [String: Any])?["seq"]) == 2
                    && ((fork["detail"] as? [String: Any])?["hashes"] as? [String]) == hashes
                    && message(fork).contains("no longer proves a fork under membership version 2"), "\(force): \(fork)")
            #expect(try fed.sqlite(force, "SELECT count(*) FROM forks") == "0", "\(force)")
            #expect(try fed.sqlite(force, "SELECT flagged FROM feeds WHERE author = '\(kent.feed)'") == "0", "\(force)")
            #expect(try Self.evidence(fed, force, feed: kent.feed, asking: "kent").forks.isEmpty, "\(force) still serves it")
        }
        // The equivocating entry at hampshire went to rolled_back with the rolled-back position, logged too.
        let equivocation = try #require(try fed.rows("hampshire", kind: "evidence-dropped").first { $0["entry"] is String })
        #expect(equivocation["entry"] as? String == b["hash"]?.string, "\(equivocation)")
        #expect(try fed.sqlite("hampshire", "SELECT count(*) FROM equivocations") == "0")
        #expect(try fed.sqlite("hampshire", "SELECT count(*) FROM rolled_back WHERE hash = '\(b["hash"]?.string ?? "")'") == "1")
        // Pushed again, the same evidence is refused.
        #expect(try kent.pushEvidence([evidence], to: "hampshire").first?["reason"] as? String == "revoked-key")

        // The honest seq 2, signed with the new key, admits; every node is in sync and converges, no fork left.
        kent.key = rotated
        let next = kent.sign(record: record, payload: HostileMember.set(["status": "charged"]), audience: audience,
                             origin: origin)
        #expect(try kent.pushOne(next, to: "hampshire")["outcome"] as? String == "accepted")
        try fed.converge(forces)
        for force in forces {
            let sync = try fed.cli(force, "sync", "--timeout", "10")
            #expect(sync.status == 0 && !sync.stdout.contains("FORK"), "\(force): \(sync)")
            let peers = try fed.ok(force, "peers", "status", "-o", "json").array()
            #expect(peers.allSatisfy { ($0["forkedFeeds"] as? [String] ?? []).isEmpty }, "\(force): \(peers)")
            try fed.ok(force, "audit", "verify")
        }
    }

    // MARK: W12: a later fork of a feed already flagged reaches every node

    @Test func w12ALaterForkOfAnAlreadyForkedFeedReachesEveryNode() throws {
        // hampshire - sussex - surrey in a line; kent's entries at seq 2 go to hampshire in one version and to surrey
        // in another, and sussex holds markers of both. Every node already holds a fork of kent's feed at seq 1.
        let forces = ["hampshire", "sussex", "surrey"]
        let fed = try Federation([("hampshire", Self.southEast), ("sussex", Self.southEast), ("surrey", Self.southEast),
                                  ("kent", Self.southEast)],
                                 links: [("hampshire", "sussex"), ("sussex", "surrey")], start: false)
        for force in forces { try fed.start(force) }
        let kent = try HostileMember(fed, "kent")
        let origin = RecordOrigin.new(force: "kent")
        let record = RecordID.owned(type: .caseFile, origin: origin)
        let first = kent.sign(record: record, payload: HostileMember.set(["title": "Genuine"]),
                              audience: try Audience(forces: forces), origin: origin)
        let other = kent.sign(record: record, payload: HostileMember.set(["title": "Other"]),
                              audience: try Audience(forces: forces), origin: origin, seq: 1, publish: false)
        #expect(try kent.pushOne(first, to: "hampshire")["outcome"] as? String == "accepted")
        try fed.converge(forces)
        #expect(try kent.pushEvidence([try HostileMember.fork(first, other)], to: "hampshire").first?["outcome"]
                as? String == "recorded")
        try waitUntil(timeout: 40, "the seq-1 fork at every node") {
            for force in forces { _ = try fed.cli(force, "sync", "--timeout", "10") }
            return try forces.allSatisfy { try fed.sqlite($0, "SELECT count(*) FROM forks WHERE seq = 1") == "1" }
        }

        // The second fork: "GREEN" for hampshire, "BLUE" for surrey, at seq 2.
        let green = kent.sign(record: record, payload: HostileMember.set(["title": "suspect is GREEN"]),
                              audience: try Audience(forces: ["hampshire"]), origin: origin)
        let blue = kent.sign(record: record, payload: HostileMember.set(["title": "suspect is BLUE"]),
                             audience: try Audience(forces: ["surrey"]), origin: origin, seq: 2, publish: false)
        #expect(try kent.pushOne(green, to: "hampshire")["outcome"] as? String == "accepted")
        #expect(try kent.pushOne(blue, to: "surrey")["outcome"] as? String == "accepted")
        try waitUntil(timeout: 60, "the seq-2 fork at every node") {
            for force in forces { _ = try fed.cli(force, "sync", "--timeout", "10") }
            return try forces.allSatisfy { try fed.sqlite($0, "SELECT count(*) FROM forks WHERE seq = 2") == "1" }
        }
        let hashes = try [green, blue].map { try #require($0["hash"]?.string) }.sorted()
        var digests: Set<[String: String]> = []
        for force in forces {
            let alert = try #require(try fed.rows(force, kind: "alert").first {
                int(($0["detail"] as? [String: Any])?["seq"]) == 2
            }, "\(force)")
            #expect(alert["author"] as? String == kent.feed && alert["reason"] as? String == "equivocation"
                    && ((alert["detail"] as? [String: Any])?["hashes"] as? [String]) == hashes, "\(force): \(alert)")
            let sync = try fed.cli(force, "sync", "--timeout", "10")
            #expect(sync.status == 1 && sync.stdout.contains("FORK \(kent.feed) seq 2"), "\(force): \(sync)")
            let served = try Self.evidence(fed, force, feed: kent.feed, asking: "kent")
            #expect(served.forks.count == 2, "\(force)")
            digests.insert(served.digests)
        }
        // Every node holds the same forks (the two versions themselves stay where they were admitted, issue 12).
        #expect(digests.count == 1 && digests.first?[kent.feed] != nil, "\(digests)")
    }
}
