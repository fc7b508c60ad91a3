// Acceptance property: for 500 random schedules of concurrent writes across 3-5 replicas and one hostile member
// (entries delivered reordered, duplicated and partially, then completed by a version-vector pull), every replica
// that holds the same entries of a record shows the same record, byte for byte, and every replica holds exactly the
// entries it is entitled to.
//
// The hostile member ("rogue", a member with its own trusted feed key whose entries the test signs itself) erases
// records it does not own, re-audiences and reclassifies them, contributes and withdraws, and leaves the origin out
// of its headers. The ownership rule must hold whatever order those entries arrive in: an owned record's
// classification and audience are the owner's latest, only the owner's erase tombstones, and a force that withdrew
// has no field left. Honest replicas also erase their own records and withdraw from others'.
// In a quarter of the schedules some interview notes are shared with only part of the replicas. Records with a
// natural key are shared: a replica writing into one it never wrote to addresses only the forces that have.
// Deliveries go through `Node.deliveries(for:)`, the same selection a node serves to a peer.
// POLE records are written too (people with and without a shared PNC ID, objects, locations, events), and
// officers link and unlink pairs of them with same-as links while the rogue adds and removes assertions of its own:
// replicas holding the same link entries resolve the same clusters and representatives, equal to the clusters
// rebuilt from those entries alone in a shuffled order, and replicas holding the same entries report the same state
// digest.
// Each schedule is replayable from its seed.

import InterforceCore
@testable import InterforceNode
import InterforceStore
import InterforceTestSupport
import Testing

struct ConvergencePropertyTests {
    static let forces = Fixtures.forces
    static let schedulesPerCase = 50

    @Test(arguments: 0..<10) func randomSchedulesConverge(batch: Int) throws {
        var tally = Tally()
        for s in 0..<Self.schedulesPerCase {
            try Self.run(seed: UInt64(batch * Self.schedulesPerCase + s), tally: &tally)
        }
        // The schedules do exercise links: pairs linked, links removed, clusters left standing at the end.
        #expect(tally.links >= 20 && tally.unlinks >= 3 && tally.clustered >= 10, "\(tally)")
    }

    struct Tally {
        var links = 0, unlinks = 0, clustered = 0
    }

    /// The hostile member: a feed whose entries the test signs, with their markers, as a member could.
    final class Rogue {
        let key = SecretKey.generate()
        let feed = Identifiers.newFeedID(force: "rogue")
        var clock = HybridLogicalClock()
        var feedItems: [(envelope: EntryEnvelope, marker: WithheldMarker)] = []
        var hostileOps = 0

        /// Signs the next entry of the feed.
        func sign(record: String, type: RecordType, op: EntryOp, ops: Operations, classification: Classification,
                  audience: Audience, origin: RecordOrigin?, now: Int64) {
            let payload = ops.json
            let bytes = payload.canonicalBytes
            let header = EntryHeader(author: feed, key: key.publicKey, seq: Int64(feedItems.count + 1),
                                     prev: feedItems.last?.envelope.entry.hash, clock: clock.tick(wallMillis: now)!,
                                     record: record, type: type, op: op, classification: classification,
                                     audience: audience, origin: origin, payloadHash: SHA256Digest.hash(bytes),
                                     payloadSize: Int64(bytes.count))
            let entry = Entry(signing: header, with: key)
            let position = key.sign(FeedPosition.bytes(of: entry))
            let envelope = EntryEnvelope(entry: entry, position: position, payload: payload)
            feedItems.append((envelope, PositionStatement(envelope)))
        }

        /// What the rogue sends `force` of its feed after `after`: entries it is entitled to, markers otherwise.
        func deliveries(for force: String, after: Int64) -> [Delivery] {
            feedItems.dropFirst(Int(after)).map { item in
                let h = item.envelope.entry.header
                return h.audience.admits(force: force, groupsOfForce: [], authorForce: h.force)
                    ? .entry(item.envelope) : .withheld(item.marker)
            }
        }
    }

    static func run(seed: UInt64, tally: inout Tally) throws {
        var rng = SeededRandom(seed: seed)
        let count = 3 + Int(seed % 3)
        // Each replica's clock is off by up to a second from the others, well within the allowed skew.
        let clocks = (0..<count).map { _ in TestClock(1_790_000_000_000 + Int64.random(in: -1000...1000, using: &rng)) }
        let nodes = try (0..<count).map { try Fixtures.memoryNode(force: forces[$0], clock: clocks[$0]) }
        try Fixtures.trustAll(nodes)
        let rogue = Rogue()
        for node in nodes { try node.trust(rogue.key.publicKey, feed: rogue.feed, officer: "test") }
        let imageHash = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let restricted = seed % 4 == 0
        let partial = try Audience(forces: forces.prefix(count).filter { _ in Bool.random(using: &rng) })

        for step in 0..<24 {
            let i = Int.random(in: 0..<count, using: &rng)
            switch Int.random(in: 0..<20, using: &rng) {
            case 0..<6:
                try write(nodes[i], officer: "PC \(i)", step: step, imageHash: imageHash,
                          noteAudience: restricted ? partial : Fixtures.everyone, tally: &tally, rng: &rng)
            case 6..<10:
                try linkOrUnlink(nodes[i], officer: "DC \(i)", step: step, tally: &tally, rng: &rng)
            case 10..<13:
                try hostile(rogue, sees: nodes[i], now: clocks[i].now, step: step, rng: &rng)
                _ = try nodes[i].ingest(rogue.deliveries(for: nodes[i].config.force, after: 0), peer: "rogue")
            default:
                try deliver(from: nodes[Int.random(in: 0..<count, using: &rng)], to: nodes[i], rng: &rng)
            }
            let tick = Int64.random(in: 0...3, using: &rng)
            clocks.forEach { $0.advance(tick) }
        }
        try complete(nodes, rogue: rogue)
        try check(nodes, rogue: rogue, seed: seed)
        if try nodes.contains(where: { !(try $0.sameAsClusters().clusters.isEmpty) }) { tally.clustered += 1 }
    }

    /// One officer action at one replica: create a record, change one it holds, erase it (the owner: tombstone;
    /// anyone else: withdraw its own contribution; refused when it has none).
    static func write(_ node: Node, officer: String, step: Int, imageHash: String, noteAudience: Audience,
                      tally: inout Tally, rng: inout SeededRandom) throws {
        var q = RecordQuery()
        q.limit = 100
        let held = try node.store.search(q)
        let choice = Int.random(in: 0..<10, using: &rng)
        if held.isEmpty || choice < 3 {
            let (type, document, audience): (RecordType, JSONValue, Audience) = switch Int.random(in: 0..<8, using: &rng) {
            case 0: (.caseFile, Fixtures.caseDocument(reference: "44/\(step % 3)/26"), Fixtures.everyone)
            case 1: (.interviewNote, Fixtures.noteDocument(), noteAudience)
            case 2: (.person, poleDocument(.person, step: step, rng: &rng), Fixtures.everyone)
            case 3: (.person, poleDocument(.person, step: step, rng: &rng), Fixtures.everyone)
            case 4: (.object, poleDocument(.object, step: step, rng: &rng), Fixtures.everyone)
            case 5: (.location, poleDocument(.location, step: step, rng: &rng), Fixtures.everyone)
            case 6: (.event, poleDocument(.event, step: step, rng: &rng), Fixtures.everyone)
            // the same image at several forces: one record by natural key
            default: (.imageRef, Fixtures.imageDocument(hash: imageHash), Fixtures.everyone)
            }
            // Recording again a natural key this force withdrew from (or whose record is erased) is refused.
            if let id = RecordID.naturalID(type: type, document: document), let state = try node.store.recordState(id),
               !state.accepts(writesBy: node.config.force) {
                #expect(throws: NodeError.self) {
                    try node.create(type: type, document: document, classification: .official, audience: audience,
                                    officer: officer)
                }
                return
            }
            try node.create(type: type, document: document, classification: .official, audience: audience,
                            officer: officer)
            return
        }
        let record = held.randomElement(using: &rng)!
        if record.type == .link { return try linkOrUnlink(node, officer: officer, step: step, tally: &tally, rng: &rng) }
        // A force that withdrew from a record, or whose record was tombstoned, is refused: that is checked below.
        guard record.accepts(writesBy: node.config.force) else {
            #expect(throws: NodeError.self) { try node.update(recordID: record.id, patch: ["set": ["title": "x"]], officer: officer) }
            return
        }
        if choice == 9 && Int.random(in: 0..<3, using: &rng) == 0 {
            if record.owner == node.config.force || record.contributions[node.config.force] != nil {
                try node.erase(recordID: record.id, reason: "retention review \(step)", officer: officer)
            } else {
                #expect(throws: NodeError.self) { try node.erase(recordID: record.id, reason: "x", officer: officer) }
            }
            return
        }
        let patch: JSONValue
        switch (record.type, Int.random(in: 0..<4, using: &rng)) {
        case (.caseFile, 0): patch = ["set": ["status": .string(["open", "charged", "closed"].randomElement(using: &rng)!)]]
        case (.caseFile, 1): patch = ["add": ["tags": [.string("t\(Int.random(in: 0..<3, using: &rng))")]]]
        case (.caseFile, 2):
            if let tag = record.document["tags"]?.array?.randomElement(using: &rng) {
                patch = ["remove": ["tags": [tag]]]
            } else {
                patch = ["set": ["title": .string("title \(step)")]]
            }
        case (.caseFile, _):
            patch = ["add": ["people": [["role": "witness", "name": .string("W\(Int.random(in: 0..<3, using: &rng))")]]]]
        case (.interviewNote, 0): patch = ["set": ["status": "completed"]]
        case (.interviewNote, _): patch = ["append": ["paragraphs": [.string("para \(step) by \(officer)")]]]
        case (.imageRef, 0): patch = ["set": ["exhibitNumber": .string("EX-\(step)")]]
        case (.imageRef, _): patch = ["add": ["tags": [.string("t\(Int.random(in: 0..<3, using: &rng))")]]]
        case (.person, 0): patch = ["set": ["surname": .string(["Smith", "Smyth"].randomElement(using: &rng)!)]]
        case (.person, 1): patch = ["add": ["aliases": [.string("Bob \(Int.random(in: 0..<2, using: &rng))")]]]
        case (_, 0): patch = ["set": ["localReference": .string("\(node.config.force.prefix(3))-\(step)")]]
        default: patch = ["add": ["tags": [.string("t\(Int.random(in: 0..<3, using: &rng))")]]]
        }
        try node.update(recordID: record.id, patch: patch, officer: officer)
    }

    /// One hostile act by the rogue on a record `node` holds: a foreign erase, a re-audience and reclassify, a
    /// contribution; sometimes without the record's origin.
    static func hostile(_ rogue: Rogue, sees node: Node, now: Int64, step: Int, rng: inout SeededRandom) throws {
        var q = RecordQuery()
        q.limit = 100
        q.includeErased = true
        guard let record = try node.store.search(q).randomElement(using: &rng) else { return }
        // Leaving the origin out is possible only where the type has a natural key (else the header is malformed).
        let dropOrigin = RecordSchema.of(record.type).naturalKey != nil && Int.random(in: 0..<4, using: &rng) == 0
        let origin = dropOrigin ? nil : record.origin
        let audience = [Fixtures.everyone, try Audience(forces: ["rogue", forces[0]]), .authorForceOnly,
                        try Audience(forces: forces.shuffled(using: &rng).prefix(2))].randomElement(using: &rng)!
        let classification: Classification = Bool.random(using: &rng) ? .official : .officialSensitive
        var ops = Operations()
        let op: EntryOp
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            op = .erase
            ops = .erase(reason: "hostile \(step)")
        case 1:
            op = .write
            switch record.type {
            case .caseFile: ops.assign = ["status": "closed"]
            case .interviewNote: ops.append = ["paragraphs": [.string("rogue paragraph \(step)")]]
            case .imageRef: ops.assign = ["exhibitNumber": .string("RG-\(step)")]
            case .link:
                let present = record.present("assertions").map(\.value)
                if let statement = present.randomElement(using: &rng), Bool.random(using: &rng) {
                    ops.remove = ["assertions": [Removal(value: statement, tags: record.liveTags("assertions", of: statement))]]
                } else {
                    ops.add = ["assertions": [["officer": "RG 1", "reason": .string("rogue says same \(step % 2)")]]]
                }
            default: ops.add = ["tags": [.string("rogue-\(step % 2)")]]
            }
        default:
            op = .write
            if record.type == .link {
                ops.add = ["assertions": [["officer": "RG 2", "reason": .string("rogue link \(step % 2)")]]]
            } else {
                ops.add = ["tags": [.string("rogue-\(step % 2)")]]
            }
        }
        rogue.sign(record: record.id, type: record.type, op: op, ops: ops, classification: classification,
                   audience: audience, origin: origin, now: now)
        rogue.hostileOps += 1
    }

    /// A POLE document: a person with one of two shared PNC IDs or none, an object by one VIN or none, a location by
    /// one UPRN or none, an event (always owned).
    static func poleDocument(_ type: RecordType, step: Int, rng: inout SeededRandom) -> JSONValue {
        let keyed = Bool.random(using: &rng)
        switch type {
        case .person:
            var o: [String: JSONValue] = ["forenames": .string(["Robert", "Bob"].randomElement(using: &rng)!),
                                          "surname": "Smith", "dateOfBirth": "1985-03-14"]
            if keyed { o["nationalId"] = .string("PNC 98/\(Int.random(in: 1...2, using: &rng))234567X") }
            return .object(o)
        case .object:
            var o: [String: JSONValue] = ["kind": "vehicle", "description": "silver hatchback", "registration": "AB12CDE"]
            if keyed { o["identifier"] = "VIN WVWZZZ1JZXW000001" }
            return .object(o)
        case .location:
            var o: [String: JSONValue] = ["address": .string("\(step % 3) Elm Road")]
            if keyed { o["uprn"] = "100030571234" }
            return .object(o)
        default:
            return ["at": "2026-11-21T22:10:00Z", "description": .string("seen at step \(step)")]
        }
    }

    /// An officer links two POLE records of one type that the replica holds, or removes a link it holds.
    static func linkOrUnlink(_ node: Node, officer: String, step: Int, tally: inout Tally,
                             rng: inout SeededRandom) throws {
        var q = RecordQuery()
        q.limit = 200
        let held = try node.store.search(q)
        let links = held.compactMap(SameAsLink.init).filter(\.isActive)
        if let link = links.randomElement(using: &rng), Bool.random(using: &rng) {
            if try expectLinkStep(node, LinkRules.linkID(link.first, link.second), {
                try node.unlink(link.first, link.second, reason: "not the same, step \(step)", officer: officer)
            }) { tally.unlinks += 1 }
            return
        }
        let pole = held.filter { $0.type.isPOLE && !$0.isErased }
        guard let a = pole.randomElement(using: &rng),
              let b = pole.filter({ $0.type == a.type && $0.id != a.id }).randomElement(using: &rng)
        else {
            // Nothing to link yet: the officer records one (of the same type as the one held, if any).
            let type = pole.first?.type ?? RecordType.pole.randomElement(using: &rng)!
            let document = poleDocument(type, step: step, rng: &rng)
            if let id = RecordID.naturalID(type: type, document: document), let state = try node.store.recordState(id),
               !state.accepts(writesBy: node.config.force) { return }
            try node.create(type: type, document: document, classification: .official, audience: Fixtures.everyone,
                            officer: officer)
            return
        }
        if try expectLinkStep(node, LinkRules.linkID(a.id, b.id), {
            try node.link(a.id, b.id, reason: "same person, step \(step)", officer: officer)
        }) { tally.links += 1 }
    }

    /// Runs a link step; it may be refused only because this force withdrew from that link record, or because a
    /// record's audience (changed by the rogue) does not reach where the link would go.
    static func expectLinkStep(_ node: Node, _ linkID: String, _ body: () throws -> Entry) throws -> Bool {
        do {
            _ = try body()
            return true
        } catch let refusal as LinkRefusal {
            try #require(refusal.code == "link-audience", "\(refusal)")
        } catch let error as NodeError {
            let state = try #require(try node.store.recordState(linkID), "\(error)")
            try #require(!state.accepts(writesBy: node.config.force), "\(error)")
        }
        return false
    }

    /// A random subset of what `source` would serve `target`, with repeats, shuffled and split into 1-3 batches.
    static func deliver(from source: Node, to target: Node, rng: inout SeededRandom) throws {
        guard source !== target else { return }
        var held: [Delivery] = []
        for feed in try source.store.versionVector().keys.sorted() {
            held += try source.deliveries(for: target.config.force, author: feed, after: 0, limit: 10_000)
        }
        var subset = held.filter { _ in Bool.random(using: &rng) }
        subset += (0..<Int.random(in: 0...3, using: &rng)).compactMap { _ in held.randomElement(using: &rng) }
        subset.shuffle(using: &rng)
        let cut = Int.random(in: 0...subset.count, using: &rng)
        for part in [subset[..<cut], subset[cut...]] where !part.isEmpty {
            _ = try target.ingest(Array(part), peer: source.config.force)
        }
    }

    /// Anti-entropy until quiet: each replica pulls, feed by feed, what its version vector lacks and the source
    /// may serve it (the rogue serves its own feed to everyone). Bounded: a schedule that does not settle fails.
    static func complete(_ nodes: [Node], rogue: Rogue) throws {
        for _ in 0..<(nodes.count + 2) {
            var changed = false
            for target in nodes {
                let fromRogue = rogue.deliveries(for: target.config.force,
                                                 after: try target.store.versionVector()[rogue.feed] ?? 0)
                if !fromRogue.isEmpty {
                    let outcomes = try target.ingest(fromRogue, peer: "rogue")
                    try #require(outcomes.allSatisfy { if case .rejected = $0 { false } else { true } },
                                 "a rogue delivery was rejected: \(outcomes)")
                    changed = true
                }
                for source in nodes where source !== target {
                    let have = try target.store.versionVector()
                    for (feed, seq) in try source.store.versionVector() where seq > have[feed] ?? 0 {
                        let missing = try source.deliveries(for: target.config.force, author: feed,
                                                            after: have[feed] ?? 0, limit: 10_000)
                        guard !missing.isEmpty else { continue }
                        let outcomes = try target.ingest(missing, peer: source.config.force)
                        // The one refusal a served delivery may meet: a write whose erase is in a feed this replica
                        // has not caught up on yet (and the gap behind it); a later pull admits both.
                        try #require(outcomes.allSatisfy {
                            if case .rejected(let r) = $0 { [.erasureNotHeld, .gap].contains(r.code) } else { true }
                        }, "a served delivery was rejected: \(outcomes)")
                        changed = changed || outcomes.contains { if case .accepted = $0 { true } else if case .withheld = $0 { true } else { false } }
                    }
                }
            }
            if !changed { return }
        }
        Issue.record("anti-entropy did not settle")
    }

    static func check(_ nodes: [Node], rogue: Rogue, seed: UInt64) throws {
        // Every replica holds exactly the entries it is entitled to, whoever wrote them.
        var authored: [String: EntryHeader] = [:]
        for item in rogue.feedItems { authored[item.envelope.entry.hash.hex] = item.envelope.entry.header }
        var heldBy: [[String: StoredEntry]] = []
        for node in nodes {
            var held: [String: StoredEntry] = [:]
            try node.store.forEachEntry { held[$0.entry.hash.hex] = $0 }
            heldBy.append(held)
            for (hash, stored) in held { authored[hash] = stored.entry.header }
        }
        for (hash, h) in authored {
            for (n, node) in nodes.enumerated() {
                let entitled = h.audience.admits(force: node.config.force, groupsOfForce: [], authorForce: h.force)
                try #require((heldBy[n][hash] != nil) == entitled,
                             "seed \(seed): \(node.config.force) \(entitled ? "lacks" : "holds") \(h.author) seq \(h.seq)")
            }
        }
        // Replicas holding the same entries of a record show it identically, and the ownership rule holds.
        var records = Set<String>()
        for held in heldBy { for stored in held.values { records.insert(stored.entry.header.record) } }
        for id in records {
            var views: [Set<String>: String] = [:]
            for (n, node) in nodes.enumerated() {
                let entries = heldBy[n].values.filter { $0.entry.header.record == id }
                guard !entries.isEmpty else {
                    try #require(try node.store.recordState(id) == nil, "seed \(seed): \(id) without entries")
                    continue
                }
                let state = try #require(try node.store.recordState(id), "seed \(seed): \(id) missing")
                let key = Set(entries.map(\.entry.hash.hex))
                let view = state.canonicalBytes
                if let other = views[key] {
                    try #require(other == String(decoding: view, as: UTF8.self),
                                 "seed \(seed): replicas holding the same entries of \(id) differ")
                }
                views[key] = String(decoding: view, as: UTF8.self)
                try checkOwnership(state, entries: entries.map(\.entry), seed: seed)
            }
        }
        // The digest kept on every write equals the one computed from every record, and replicas holding the same
        // entries report the same digest.
        var digests: [Set<String>: SHA256Digest] = [:]
        for (n, node) in nodes.enumerated() {
            let kept = try node.store.stateDigest()
            try #require(kept == (try node.store.recomputedStateDigest()),
                         "seed \(seed): \(node.config.force)'s kept state digest differs from a full recomputation")
            let key = Set(heldBy[n].keys)
            if let other = digests[key] { try #require(other == kept, "seed \(seed): same entries, different digests") }
            digests[key] = kept
        }
        try checkClusters(nodes, heldBy: heldBy, seed: seed)
    }

    /// Replicas holding the same link entries show the same clusters and representatives, and these are what the
    /// link entries alone give, merged in a shuffled order.
    static func checkClusters(_ nodes: [Node], heldBy: [[String: StoredEntry]], seed: UInt64) throws {
        var rng = SeededRandom(seed: seed ^ 0x5eed)
        var byLinks: [Set<String>: [[String]]] = [:]
        for (n, node) in nodes.enumerated() {
            let clusters = try node.sameAsClusters()
            let linkEntries = heldBy[n].values.filter { $0.entry.header.type == .link }
            var states: [String: RecordState] = [:]
            for stored in linkEntries.shuffled(using: &rng) {
                let h = stored.entry.header
                let ops = try stored.payload.map { try Operations(json: $0, type: h.type, op: h.op) }
                states[h.record, default: RecordState(id: h.record, type: h.type)].apply(stored.entry, ops: ops)
            }
            let rebuilt = SameAsClusters(states.values.compactMap(SameAsLink.init))
            try #require(rebuilt.clusters == clusters.clusters,
                         "seed \(seed): \(node.config.force)'s clusters differ from its link entries replayed")
            for members in clusters.clusters {
                try #require(members.allSatisfy { clusters.representative(of: $0) == members[0] },
                             "seed \(seed): the representative is not the smallest id")
            }
            let key = Set(linkEntries.map(\.entry.hash.hex))
            if let other = byLinks[key] {
                try #require(other == clusters.clusters, "seed \(seed): same link entries, different clusters")
            }
            byLinks[key] = clusters.clusters
        }
    }

    /// The ownership rule, checked against the entries a replica holds.
    static func checkOwnership(_ state: RecordState, entries: [Entry], seed: UInt64) throws {
        let byStamp = entries.sorted { Stamp($0) < Stamp($1) }.map(\.header)
        let entries = byStamp
        if let owner = state.owner {
            let ownerEntries = byStamp.filter { $0.force == owner }
            if let latest = ownerEntries.last {
                try #require(state.audience == latest.audience && state.classification == latest.classification,
                             "seed \(seed): \(state.id): audience/classification not the owner's latest")
            }
            try #require(state.isErased == ownerEntries.contains { $0.op == .erase },
                         "seed \(seed): \(state.id): tombstoned \(state.isErased) without (or despite) the owner's erase")
        } else {
            let writers = Set(entries.map(\.force))
            try #require(state.isErased == writers.isSubset(of: Set(entries.filter { $0.op == .erase }.map(\.force))),
                         "seed \(seed): a shared record is erased exactly when every force that wrote to it withdrew")
        }
        // No field is left from a force that erased, and a tombstone leaves no field at all.
        let erasers = Set(entries.filter { $0.op == .erase }.map(\.force))
        let provenance = state.provenance.object ?? [:]
        for (field, p) in provenance {
            let forces = (p.array ?? [p]).compactMap { $0["force"]?.string }
            try #require(!state.isErased && erasers.isDisjoint(with: forces),
                         "seed \(seed): \(state.id).\(field) written by \(forces) who erased (or the record is erased)")
        }
    }
}
