// Acceptance property: for 500 random schedules of concurrent writes across 3-5 replicas (entries delivered
// reordered, duplicated and partially, then completed by a version-vector pull), every replica ends with the same
// state digest and the same `record show` output for every record.
// In a quarter of the schedules some interview notes are shared with only part of the replicas: then every record
// must be identical on every replica entitled to it, and absent from the others (which hold withheld markers).
// Deliveries go through `Node.deliveries(for:)`, the same selection a node serves to a peer.
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
        for s in 0..<Self.schedulesPerCase {
            try Self.run(seed: UInt64(batch * Self.schedulesPerCase + s))
        }
    }

    static func run(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let count = 3 + Int(seed % 3)
        // Each replica's clock is off by up to a second from the others, well within the allowed skew.
        let clocks = (0..<count).map { _ in TestClock(1_790_000_000_000 + Int64.random(in: -1000...1000, using: &rng)) }
        let nodes = try (0..<count).map { try Fixtures.memoryNode(force: forces[$0], clock: clocks[$0]) }
        try Fixtures.trustAll(nodes)
        let imageHash = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let restricted = seed % 4 == 0
        let partial = try Audience(forces: forces.prefix(count).filter { _ in Bool.random(using: &rng) })

        for step in 0..<24 {
            let i = Int.random(in: 0..<count, using: &rng)
            if Int.random(in: 0..<10, using: &rng) < 5 {
                try write(nodes[i], officer: "PC \(i)", step: step, imageHash: imageHash,
                          noteAudience: restricted ? partial : Fixtures.everyone, rng: &rng)
            } else {
                try deliver(from: nodes[Int.random(in: 0..<count, using: &rng)], to: nodes[i], rng: &rng)
            }
            let tick = Int64.random(in: 0...3, using: &rng)
            clocks.forEach { $0.advance(tick) }
        }
        try complete(nodes)

        var all = RecordQuery()
        all.includeErased = true
        all.limit = 10_000
        let held = try nodes.map { node in
            Dictionary(uniqueKeysWithValues: try node.store.search(all).map { ($0.id, $0) })
        }
        try #require(!held[0].isEmpty || !held[1].isEmpty, "seed \(seed): nothing was written")
        if !restricted {
            let digests = try nodes.map { try $0.store.stateDigest() }
            try #require(Set(digests).count == 1, "seed \(seed): digests differ")
        }
        // Every record is identical wherever it is held, and held by every replica its audience admits.
        for id in Set(held.flatMap(\.keys)) {
            let any = held.compactMap { $0[id] }[0]
            let audience = try Audience(json: try #require(any.audience?.value))
            let author = try #require(any.created?.force)
            let views = Set(held.compactMap { $0[id]?.view.canonicalText })
            try #require(views.count == 1, "seed \(seed): views of \(id) differ between replicas: \(views.sorted().joined(separator: "\n---\n"))")
            for (n, node) in nodes.enumerated() {
                let entitled = audience.admits(force: node.config.force, groupsOfForce: [], authorForce: author)
                try #require((held[n][id] != nil) == entitled,
                             "seed \(seed): \(node.config.force) \(entitled ? "lacks" : "holds") \(id)")
            }
        }
    }

    /// One officer action at one replica: create a record, or change one it holds.
    static func write(_ node: Node, officer: String, step: Int, imageHash: String, noteAudience: Audience,
                      rng: inout SeededRandom) throws {
        var q = RecordQuery()
        q.limit = 100
        let held = try node.store.search(q)
        let choice = Int.random(in: 0..<10, using: &rng)
        if held.isEmpty || choice < 2 {
            switch Int.random(in: 0..<3, using: &rng) {
            case 0:
                try node.create(type: .caseFile, document: Fixtures.caseDocument(reference: "44/\(step % 3)/26"),
                                classification: .official, audience: Fixtures.everyone, officer: officer)
            case 1:
                try node.create(type: .interviewNote, document: Fixtures.noteDocument(), classification: .official,
                                audience: noteAudience, officer: officer)
            default:   // the same image at several forces: one record by natural key
                try node.create(type: .imageRef, document: Fixtures.imageDocument(hash: imageHash),
                                classification: .official, audience: Fixtures.everyone, officer: officer)
            }
            return
        }
        let record = held.randomElement(using: &rng)!
        if choice == 9 && Int.random(in: 0..<4, using: &rng) == 0 {
            try node.erase(recordID: record.id, reason: "retention review \(step)", officer: officer)
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
        }
        try node.update(recordID: record.id, patch: patch, officer: officer)
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
    /// may serve it. Bounded: a schedule that does not settle fails instead of looping.
    static func complete(_ nodes: [Node]) throws {
        for _ in 0..<(nodes.count + 2) {
            var changed = false
            for target in nodes {
                for source in nodes where source !== target {
                    let have = try target.store.versionVector()
                    for (feed, seq) in try source.store.versionVector() where seq > have[feed] ?? 0 {
                        let missing = try source.deliveries(for: target.config.force, author: feed,
                                                            after: have[feed] ?? 0, limit: 10_000)
                        guard !missing.isEmpty else { continue }
                        let outcomes = try target.ingest(missing, peer: source.config.force)
                        try #require(outcomes.allSatisfy { if case .rejected = $0 { false } else { true } },
                                     "a served delivery was rejected: \(outcomes)")
                        changed = true
                    }
                }
            }
            if !changed { return }
        }
        Issue.record("anti-entropy did not settle")
    }
}
