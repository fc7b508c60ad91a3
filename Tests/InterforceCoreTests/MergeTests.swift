// The CRDT merge rules, checked directly on RecordState: last writer wins by stamp, add-wins sets, ordered
// append-only lists, erasure tombstones, ownership (only the owner sets audience and classification or tombstones;
// anyone else's erase withdraws its own contribution); and that any order and any repetition give byte-identical
// state.

import InterforceCore
import InterforceTestSupport
import Testing

struct MergeTests {
    /// Signs one write entry of feed `author` for `record`.
    static func entry(_ key: SecretKey, author: String, seq: Int64, time: Int64, tick: Int64 = 0, record: String,
                      type: RecordType = .caseFile, op: EntryOp = .write, ops: Operations,
                      classification: Classification = .official, audience: Audience = .authorForceOnly,
                      origin: RecordOrigin? = nil) -> (Entry, Operations) {
        let bytes = Payload.bytes(ops)
        let header = EntryHeader(author: author, key: key.publicKey, seq: seq, prev: nil,
                                 clock: HLCTimestamp(time: time, tick: tick), record: record, type: type, op: op,
                                 classification: classification, audience: audience, origin: origin,
                                 payloadHash: SHA256Digest.hash(bytes), payloadSize: Int64(bytes.count))
        return (Entry(signing: header, with: key), ops)
    }

    static func ops(set: [String: JSONValue] = [:], add: [String: [JSONValue]] = [:],
                    append: [String: [JSONValue]] = [:]) -> Operations {
        var o = Operations()
        o.assign = set
        o.add = add
        o.append = append
        return o
    }

    let hampshire = SecretKey.generate(), surrey = SecretKey.generate()
    let h = "hampshire/00000000000000aa", s = "surrey/00000000000000bb"
    let id = RecordID.natural(type: .caseFile, key: "44/1/26")

    /// The example of docs/DATA-MODEL.md: two forces set the same field concurrently; both replicas, applying the
    /// entries in opposite orders, end with the later stamp's value and byte-identical state.
    @Test func twoReplicaMergeExample() {
        let a = Self.entry(hampshire, author: h, seq: 1, time: 1000, record: id, ops: Self.ops(set: ["status": "open"]))
        let b = Self.entry(surrey, author: s, seq: 1, time: 1000, record: id, ops: Self.ops(set: ["status": "charged"]))
        var r1 = RecordState(id: id, type: .caseFile), r2 = RecordState(id: id, type: .caseFile)
        r1.apply(a.0, ops: a.1); r1.apply(b.0, ops: b.1)
        r2.apply(b.0, ops: b.1); r2.apply(a.0, ops: a.1)
        #expect(r1.canonicalBytes == r2.canonicalBytes)
        // Same clock: the tie is broken by author feed id, and "surrey/..." sorts after "hampshire/...".
        #expect(r1.document["status"] == "charged")
        #expect(r1.provenance["status"]?["force"] == "surrey")
    }

    @Test func laterClockWinsRegardlessOfArrivalOrder() {
        let old = Self.entry(surrey, author: s, seq: 1, time: 1000, record: id, ops: Self.ops(set: ["title": "old"]))
        let new = Self.entry(hampshire, author: h, seq: 1, time: 2000, record: id, ops: Self.ops(set: ["title": "new"]))
        var r = RecordState(id: id, type: .caseFile)
        r.apply(new.0, ops: new.1)
        r.apply(old.0, ops: old.1)
        #expect(r.document["title"] == "new")
    }

    @Test func concurrentAddWinsOverRemove() {
        let add1 = Self.entry(hampshire, author: h, seq: 1, time: 1000, record: id, ops: Self.ops(add: ["tags": ["x"]]))
        // Surrey removes the tag it saw (add1), while Hampshire concurrently adds it again (add2).
        var removeOps = Operations()
        removeOps.remove = ["tags": [Removal(value: "x", tags: [add1.0.hash.hex])]]
        let remove = Self.entry(surrey, author: s, seq: 1, time: 1500, record: id, ops: removeOps)
        let add2 = Self.entry(hampshire, author: h, seq: 2, time: 1400, record: id, ops: Self.ops(add: ["tags": ["x"]]))
        for order in [[add1, remove, add2], [add2, remove, add1], [remove, add1, add2]] {
            var r = RecordState(id: id, type: .caseFile)
            for (e, o) in order { r.apply(e, ops: o) }
            #expect(r.document["tags"] == ["x"])
            #expect(r.liveTags("tags", of: "x") == [add2.0.hash.hex])
        }
        var onlyObserved = RecordState(id: id, type: .caseFile)
        onlyObserved.apply(remove.0, ops: remove.1)   // remove before the add it names
        onlyObserved.apply(add1.0, ops: add1.1)
        #expect(onlyObserved.document["tags"] == nil)
    }

    @Test func removingOneValueKeepsValuesAddedByTheSameEntry() {
        let add = Self.entry(hampshire, author: h, seq: 1, time: 1000, record: id,
                             ops: Self.ops(add: ["tags": ["burglary", "elm-road"]]))
        var removeOps = Operations()
        removeOps.remove = ["tags": [Removal(value: "burglary", tags: [add.0.hash.hex])]]
        let remove = Self.entry(hampshire, author: h, seq: 2, time: 1001, record: id, ops: removeOps)
        var r = RecordState(id: id, type: .caseFile)
        r.apply(add.0, ops: add.1)
        r.apply(remove.0, ops: remove.1)
        #expect(r.document["tags"] == ["elm-road"])
    }

    @Test func unicodeSpellingsThatSwiftCallsEqualStayDistinctElements() {
        let composed = "Zo\u{E9}", decomposed = "Zoe\u{301}"
        let a = Self.entry(hampshire, author: h, seq: 1, time: 1000, record: id,
                           ops: Self.ops(add: ["officers": [.string(composed)]]))
        let b = Self.entry(surrey, author: s, seq: 1, time: 1000, record: id,
                           ops: Self.ops(add: ["officers": [.string(decomposed)]]))
        var r1 = RecordState(id: id, type: .caseFile), r2 = RecordState(id: id, type: .caseFile)
        r1.apply(a.0, ops: a.1); r1.apply(b.0, ops: b.1)
        r2.apply(b.0, ops: b.1); r2.apply(a.0, ops: a.1)
        #expect(r1.canonicalBytes == r2.canonicalBytes)
        #expect(r1.document["officers"]?.array?.count == 2)
    }

    @Test func listsKeepClockOrderAndSkipRepeats() {
        let origin = RecordOrigin.new(force: "hampshire")
        let note = RecordID.owned(type: .interviewNote, origin: origin)
        let p1 = Self.entry(hampshire, author: h, seq: 1, time: 1000, record: note, type: .interviewNote,
                            ops: Self.ops(append: ["paragraphs": ["one", "two"]]), origin: origin)
        let p2 = Self.entry(hampshire, author: h, seq: 2, time: 1001, record: note, type: .interviewNote,
                            ops: Self.ops(append: ["paragraphs": ["three"]]), origin: origin)
        var r = RecordState(id: note, type: .interviewNote)
        for (e, o) in [p2, p1, p2, p1] { r.apply(e, ops: o) }
        #expect(r.document["paragraphs"] == ["one", "two", "three"])
    }

    let origin = RecordOrigin.new(force: "hampshire")
    var owned: String { RecordID.owned(type: .caseFile, origin: origin) }

    @Test func theOwnersErasureIsATombstoneThatLaterWritesDoNotUndo() {
        let write = Self.entry(hampshire, author: h, seq: 1, time: 1000, record: owned, ops: Self.ops(set: ["title": "t"]),
                               origin: origin)
        let other = Self.entry(surrey, author: s, seq: 1, time: 1050, record: owned, ops: Self.ops(set: ["summary": "s"]),
                               origin: origin)
        let erase = Self.entry(hampshire, author: h, seq: 2, time: 1100, record: owned, op: .erase,
                               ops: .erase(reason: "retention"), origin: origin)
        let late = Self.entry(surrey, author: s, seq: 2, time: 1200, record: owned, ops: Self.ops(set: ["title": "u"]),
                              origin: origin)
        var withPayloads = RecordState(id: owned, type: .caseFile)
        for (e, o) in [write, other, erase, late] { withPayloads.apply(e, ops: o) }
        // A replica whose payloads were dropped by the erasure sees headers only.
        var headersOnly = RecordState(id: owned, type: .caseFile)
        headersOnly.apply(late.0, ops: nil)
        headersOnly.apply(erase.0, ops: erase.1)
        headersOnly.apply(other.0, ops: nil)
        headersOnly.apply(write.0, ops: nil)
        #expect(withPayloads.isErased && withPayloads.document == [:])
        #expect(withPayloads.canonicalBytes == headersOnly.canonicalBytes)
        #expect(withPayloads.erasure?.reason == "retention")
    }

    /// Finding 3 of issue 6: another force's erase of an owned record withdraws only that force's contribution,
    /// in either order, and its later writes change nothing; the owner's fields stay.
    @Test func aForeignEraseWithdrawsOnlyTheErasersContribution() throws {
        let write = Self.entry(hampshire, author: h, seq: 1, time: 1000, record: owned,
                               ops: Self.ops(set: ["title": "t"], add: ["tags": ["a"]]), origin: origin)
        let theirs = Self.entry(surrey, author: s, seq: 1, time: 1050, record: owned,
                                ops: Self.ops(set: ["summary": "s", "title": "theirs"], add: ["tags": ["b"]]), origin: origin)
        let erase = Self.entry(surrey, author: s, seq: 2, time: 1100, record: owned, op: .erase,
                               ops: .erase(reason: "mine"), origin: origin)
        let late = Self.entry(surrey, author: s, seq: 3, time: 1200, record: owned, ops: Self.ops(set: ["title": "late"]),
                              origin: origin)
        var states: [[UInt8]] = []
        for order in [[write, theirs, erase, late], [late, erase, theirs, write], [erase, write, late, theirs]] {
            var r = RecordState(id: owned, type: .caseFile)
            for (e, o) in order { r.apply(e, ops: o) }
            #expect(!r.isErased && r.hasErased("surrey") && !r.accepts(writesBy: "surrey"))
            #expect(r.document == ["title": "t", "tags": ["a"]], "\(r.document)")
            states.append(r.canonicalBytes)
        }
        #expect(Set(states).count == 1)
    }

    /// Findings 4 and 9 of issue 6: only the owner's headers set an owned record's classification and audience;
    /// on a shared record each force keeps its own audience and the classification shown is the highest.
    @Test func onlyTheOwnerSetsAudienceAndClassification() throws {
        let sensitive = try Audience(forces: ["surrey"])
        let wide = try Audience(forces: ["kent", "surrey"], groups: ["east-midlands"])
        let write = Self.entry(hampshire, author: h, seq: 1, time: 1000, record: owned, ops: Self.ops(set: ["title": "t"]),
                               classification: .officialSensitive, audience: sensitive, origin: origin)
        let reclassify = Self.entry(surrey, author: s, seq: 1, time: 2000, record: owned,
                                    ops: Self.ops(set: ["status": "open"]), classification: .official, audience: wide,
                                    origin: origin)
        for order in [[write, reclassify], [reclassify, write]] {
            var r = RecordState(id: owned, type: .caseFile)
            for (e, o) in order { r.apply(e, ops: o) }
            #expect(r.owner == "hampshire" && r.classification == .officialSensitive && r.audience == sensitive)
            #expect(r.document["status"] == "open", "a contributor's fields count")
        }
        // Shared: each contributor's own audience; the highest classification.
        let mine = Self.entry(hampshire, author: h, seq: 2, time: 1000, record: id, ops: Self.ops(set: ["title": "t"]),
                              classification: .officialSensitive, audience: .authorForceOnly)
        let theirs = Self.entry(surrey, author: s, seq: 2, time: 2000, record: id, ops: Self.ops(set: ["summary": "s"]),
                                classification: .official, audience: wide)
        var shared = RecordState(id: id, type: .caseFile)
        shared.apply(theirs.0, ops: theirs.1)
        shared.apply(mine.0, ops: mine.1)
        #expect(shared.owner == nil && shared.audience == nil && shared.classification == .officialSensitive)
        #expect(shared.audience(of: "hampshire") == .authorForceOnly && shared.audience(of: "surrey") == wide)
    }

    /// An entry that leaves out the origin (a hostile one) counts as a contribution; the owner is known from any
    /// entry that carries the origin, in whichever order they arrive, and its erase then tombstones.
    @Test func theOwnerIsKnownFromAnyEntryThatCarriesTheOrigin() {
        let noOrigin = Self.entry(hampshire, author: h, seq: 1, time: 1000, record: owned, op: .erase,
                                  ops: .erase(reason: "r"))
        let carried = Self.entry(surrey, author: s, seq: 1, time: 900, record: owned, ops: Self.ops(set: ["title": "t"]),
                                 origin: origin)
        var a = RecordState(id: owned, type: .caseFile), b = RecordState(id: owned, type: .caseFile)
        a.apply(noOrigin.0, ops: noOrigin.1)
        #expect(a.owner == nil && a.hasErased("hampshire"))
        a.apply(carried.0, ops: carried.1)
        b.apply(carried.0, ops: carried.1)
        b.apply(noOrigin.0, ops: noOrigin.1)
        #expect(a.isErased && b.isErased && a.canonicalBytes == b.canonicalBytes && a.document == [:])
    }

    /// Random entries from several authors on one record, applied in 200 random orders with random repeats:
    /// every order gives the same bytes (commutative, associative, idempotent). Half the seeds use a record owned by
    /// the first author, whose entries (and some others') carry the origin, with erases by owner and others.
    @Test(arguments: 0..<10) func anyOrderAnyRepetitionSameBytes(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &* 7919)
        let keys = (0..<4).map { _ in SecretKey.generate() }
        let feeds = (0..<4).map { "force\($0)/\(String(repeating: "0", count: 15))\($0)" }
        let ownerOrigin = try RecordOrigin(force: "force0", nonce: String(repeating: "7", count: 32))
        let ownedRecord = seed % 4 >= 2
        let id = ownedRecord ? RecordID.owned(type: .caseFile, origin: ownerOrigin) : self.id
        var entries: [(Entry, Operations?)] = []
        for i in 0..<30 {
            let a = Int.random(in: 0..<4, using: &rng)
            let time = Int64.random(in: 1000...1010, using: &rng)
            var ops = Operations()
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: ops.assign = ["title": .string("t\(i)")]
            case 1: ops.add = ["tags": [.string("tag\(Int.random(in: 0..<4, using: &rng))")]]
            case 2:
                let earlier = entries.compactMap { $0.1?.add["tags"] != nil ? $0.0.hash.hex : nil }
                ops.remove = ["tags": [Removal(value: "tag0", tags: Array(earlier.prefix(2)))]]
                if earlier.isEmpty { ops.assign = ["status": "open"]; ops.remove = [:] }
            case 3: ops.assign = ["status": Bool.random(using: &rng) ? "open" : "closed"]
            default: ops.add = ["officers": [.string("PC \(Int.random(in: 0..<3, using: &rng))")]]
            }
            let origin = ownedRecord && (a == 0 || Bool.random(using: &rng)) ? ownerOrigin : nil
            let (e, o) = Self.entry(keys[a], author: feeds[a], seq: Int64(i + 1), time: time, record: id, ops: ops,
                                    origin: origin)
            entries.append((e, o))
        }
        for (n, author) in [seed % 2 == 0 ? 0 : 1, 2].enumerated() {
            let (e, o) = Self.entry(keys[author], author: feeds[author], seq: Int64(99 + n), time: 1005, record: id,
                                    op: .erase, ops: .erase(reason: "r"), origin: ownedRecord ? ownerOrigin : nil)
            entries.append((e, o))
        }
        var reference = RecordState(id: id, type: .caseFile)
        for (e, o) in entries { reference.apply(e, ops: o) }
        for _ in 0..<200 {
            var schedule = entries.shuffled(using: &rng)
            schedule += (0..<5).map { _ in entries.randomElement(using: &rng)! }
            schedule.shuffle(using: &rng)
            var r = RecordState(id: id, type: .caseFile)
            for (e, o) in schedule { r.apply(e, ops: o) }
            try #require(r.canonicalBytes == reference.canonicalBytes, "seed \(seed)")
        }
        // The stored form round-trips exactly.
        #expect(try RecordState(json: reference.json).canonicalBytes == reference.canonicalBytes)
    }
}
