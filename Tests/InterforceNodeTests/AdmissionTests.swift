// Every way an entry can be refused: each gives its own reason code and a message naming the problem, stores
// nothing (no entry, payload, record or feed head), and leaves a `reject` row in the audit log.

import InterforceCore
@testable import InterforceNode
import InterforceStore
import InterforceTestSupport
import Testing

struct AdmissionTests {
    let clock = TestClock()
    let receiver: Node
    let authorKey = SecretKey.generate()
    let author = "surrey/0123456789abcdef"
    let imageID = RecordID.natural(type: .imageRef, key: String(repeating: "ab", count: 32))

    init() throws {
        receiver = try Fixtures.memoryNode(force: "hampshire", clock: clock)
        try receiver.trust(authorKey.publicKey, feed: author, officer: "test")
    }

    var payload: JSONValue { Operations(document: Fixtures.imageDocument(), schema: .imageRef).json }

    func header(seq: Int64 = 1, prev: String? = nil, time: Int64? = nil, type: String = "image-ref",
                record: String? = nil, classification: String = "OFFICIAL", payload: JSONValue? = nil) -> JSONValue {
        Forge.header(author: author, key: authorKey, seq: seq, prev: prev, time: time ?? clock.now,
                     record: record ?? imageID, type: type, payload: payload ?? self.payload,
                     classification: classification)
    }

    /// Parses and ingests one envelope as a peer would send it; parse failures are logged as the node logs them.
    func submit(_ json: JSONValue) throws -> Rejection? {
        let envelope: EntryEnvelope
        do {
            envelope = try EntryEnvelope(json: json)
        } catch {
            try receiver.logRejection(error, peer: "test-peer")
            return error
        }
        switch try receiver.ingest([envelope], peer: "test-peer")[0] {
        case .rejected(let r): return r
        case .accepted, .duplicate, .withheld: return nil
        }
    }

    func expectRejected(_ json: JSONValue, _ code: Rejection.Code, mentioning text: String) throws {
        let before = try receiver.store.counts()
        let rejection = try #require(try submit(json), "expected \(code.rawValue)")
        #expect(rejection.code == code)
        #expect(rejection.message.contains(text), "message was: \(rejection.message)")
        let after = try receiver.store.counts()
        #expect(after.entries == before.entries && after.payloads == before.payloads && after.records == before.records
                && after.feeds == before.feeds, "a rejected entry stored something")
        let last = try #require(try receiver.store.logRows().last)
        #expect(last.event.kind == "reject" && last.event.reason == code.rawValue && last.event.peer == "test-peer")
    }

    func accept(_ json: JSONValue) throws {
        #expect(try submit(json) == nil)
    }

    @Test func validEntryIsAccepted() throws {
        try accept(Forge.envelope(header: header(), payload: payload, key: authorKey))
        #expect(try receiver.store.counts().entries == 1)
        #expect(try receiver.store.recordState(imageID)?.document["mediaType"] == "image/jpeg")
    }

    @Test func schemaViolation() throws {
        var bad = Fixtures.imageDocument().object!
        bad["mediaType"] = "JPEG please"
        let p = Operations(document: .object(bad), schema: .imageRef).json
        try expectRejected(Forge.envelope(header: header(payload: p), payload: p, key: authorKey), .schema,
                           mentioning: "image-ref.mediaType")
    }

    @Test func unknownFieldInPayload() throws {
        let p: JSONValue = ["set": ["colour": "red"]]
        try expectRejected(Forge.envelope(header: header(payload: p), payload: p, key: authorKey), .schema,
                           mentioning: "unknown field 'colour'")
    }

    @Test func unknownType() throws {
        try expectRejected(Forge.envelope(header: header(type: "vehicle"), payload: payload, key: authorKey),
                           .unknownType, mentioning: "unknown record type 'vehicle'")
    }

    @Test func badClassification() throws {
        try expectRejected(Forge.envelope(header: header(classification: "SECRET"), payload: payload, key: authorKey),
                           .badClassification, mentioning: "classification 'SECRET' is not accepted")
    }

    @Test func gapInSeq() throws {
        try expectRejected(Forge.envelope(header: header(seq: 3, prev: String(repeating: "1", count: 64)),
                                          payload: payload, key: authorKey),
                           .gap, mentioning: "expected seq 1, got 3")
    }

    @Test func wrongPrevHash() throws {
        let first = Forge.envelope(header: header(), payload: payload, key: authorKey)
        try accept(first)
        clock.advance(10)
        try expectRejected(Forge.envelope(header: header(seq: 2, prev: String(repeating: "2", count: 64)),
                                          payload: payload, key: authorKey),
                           .wrongPrev, mentioning: "prev hash does not match")
        // The right prev is accepted.
        try accept(Forge.envelope(header: header(seq: 2, prev: first["hash"]!.string!), payload: payload,
                                  key: authorKey))
    }

    @Test func badSignature() throws {
        var envelope = Forge.envelope(header: header(), payload: payload, key: authorKey).object!
        envelope["signature"] = .string(SecretKey.generate().sign([1, 2, 3]).hex)
        try expectRejected(.object(envelope), .badSignature, mentioning: "signature does not verify")
    }

    @Test func signedByAnotherKeyInTheAuthorsName() throws {
        let forger = SecretKey.generate()
        let h = Forge.header(author: author, key: forger, seq: 1, prev: nil, time: clock.now, record: imageID,
                             type: "image-ref", payload: payload)
        try expectRejected(Forge.envelope(header: h, payload: payload, key: forger), .unknownKey,
                           mentioning: "not trusted for feed \(author)")
    }

    @Test func futureClockBeyondSkew() throws {
        let ahead = Admission.defaultMaxSkewMillis + 60_000
        try expectRejected(Forge.envelope(header: header(time: clock.now + ahead), payload: payload, key: authorKey),
                           .futureClock, mentioning: "\(ahead) ms ahead of local time")
        // Within the skew is fine.
        try accept(Forge.envelope(header: header(time: clock.now + 1000), payload: payload, key: authorKey))
    }

    @Test func payloadNotMatchingItsHash() throws {
        var other = Fixtures.imageDocument().object!
        other["size"] = 999
        let swapped = Operations(document: .object(other), schema: .imageRef).json
        try expectRejected(Forge.envelope(header: header(), payload: swapped, key: authorKey), .payloadMismatch,
                           mentioning: "payload does not match the hash")
    }

    @Test func naturalKeyMustMatchRecordID() throws {
        let wrongID = RecordID.natural(type: .imageRef, key: String(repeating: "cd", count: 32))
        try expectRejected(Forge.envelope(header: header(record: wrongID), payload: payload, key: authorKey),
                           .naturalKey, mentioning: "does not match record id")
    }

    @Test func malformedHeader() throws {
        var h = header().object!
        h["seq"] = "one"
        try expectRejected(Forge.envelope(header: .object(h), payload: payload, key: authorKey), .malformed,
                           mentioning: "header.seq")
    }

    @Test func hashNotMatchingHeader() throws {
        var envelope = Forge.envelope(header: header(), payload: payload, key: authorKey).object!
        envelope["hash"] = .string(String(repeating: "0", count: 64))
        try expectRejected(.object(envelope), .malformed, mentioning: "hash does not match")
    }

    /// Two different validly signed entries at one feed position: the second is refused, kept as evidence, the
    /// feed is flagged and an alert is logged.
    @Test func equivocationIsKeptAsEvidenceAndFlagged() throws {
        try accept(Forge.envelope(header: header(), payload: payload, key: authorKey))
        clock.advance(5)
        let second = Forge.envelope(header: header(time: clock.now), payload: payload, key: authorKey)
        try expectRejected(second, .equivocation, mentioning: "already holds a different signed entry at seq 1")
        #expect(try receiver.store.flaggedFeeds() == [author])
        #expect(try receiver.store.equivocationCount() == 1)
        let alert = try #require(try receiver.store.logRows(LogFilter.kind("alert")).last)
        #expect(alert.event.reason == "equivocation" && alert.event.author == author)
    }

    @Test func entryNotMeantForThisForce() throws {
        let elsewhere: JSONValue = ["forces": ["kent"], "groups": ["east-midlands"]]
        let h = Forge.header(author: author, key: authorKey, seq: 1, prev: nil, time: clock.now, record: imageID,
                             type: "image-ref", payload: payload, audience: elsewhere)
        try expectRejected(Forge.envelope(header: h, payload: payload, key: authorKey), .notInAudience,
                           mentioning: "not meant for hampshire")
    }

    /// Revocation is by feed position: a key whose range ends at seq 1 cannot sign seq 2, whatever time the entry
    /// claims (here one millisecond before the revocation was installed).
    @Test func keyRevokedBeforeTheEntry() throws {
        let first = Forge.envelope(header: header(), payload: payload, key: authorKey)
        try accept(first)
        try receiver.trust(authorKey.publicKey, feed: author, fromSeq: 1, untilSeq: 1, officer: "test")
        clock.advance(10)
        try expectRejected(Forge.envelope(header: header(seq: 2, prev: first["hash"]!.string!, time: clock.now - 1),
                                          payload: payload, key: authorKey),
                           .revokedKey, mentioning: "was revoked after seq 1; this entry is at seq 2")
    }

    @Test func withheldMarkersKeepTheFeedGapFree() throws {
        // Seq 1 is meant for Kent only: Hampshire gets a marker; seq 2 (for everyone) then chains onto it.
        let kentOnly: JSONValue = ["forces": ["kent"], "groups": []]
        let h1 = Forge.header(author: author, key: authorKey, seq: 1, prev: nil, time: clock.now, record: imageID,
                              type: "image-ref", payload: payload, audience: kentOnly)
        let e1 = try EntryEnvelope(json: Forge.envelope(header: h1, payload: payload, key: authorKey))
        let marker = Forge.marker(for: e1, key: authorKey)
        clock.advance(1)
        let e2 = try EntryEnvelope(json: Forge.envelope(header: header(seq: 2, prev: e1.entry.hash.hex, time: clock.now),
                                                        payload: payload, key: authorKey))
        let outcomes = try receiver.ingest([.entry(e2), .withheld(marker)], peer: "surrey")
        guard case .accepted = outcomes[0], case .withheld = outcomes[1] else {
            Issue.record("expected accepted + withheld, got \(outcomes)"); return
        }
        #expect(try receiver.store.versionVector()[author] == 2)
        #expect(try receiver.store.storedEntry(hash: e1.entry.hash.hex) == nil, "the withheld entry is not held")
        #expect(try receiver.verify().ok)
        // A marker for an entry Hampshire is entitled to is refused: it needs the entry itself.
        let entitledEntry = try EntryEnvelope(json: Forge.envelope(header: header(seq: 3, prev: e2.entry.hash.hex),
                                                                   payload: payload, key: authorKey))
        guard case .rejected(let r) = try receiver.ingest([.withheld(Forge.marker(for: entitledEntry, key: authorKey))],
                                                          peer: "surrey")[0] else {
            Issue.record("marker for an entitled entry accepted"); return
        }
        #expect(r.message.contains("entitled"))
        // A marker a relay made up (no author signature over the position) is refused.
        let hidden = try EntryEnvelope(json: Forge.envelope(header: Forge.header(
            author: author, key: authorKey, seq: 3, prev: e2.entry.hash.hex, time: clock.now, record: imageID,
            type: "image-ref", payload: payload, audience: kentOnly), payload: payload, key: authorKey))
        let forged = Forge.marker(for: hidden, key: SecretKey.generate())
        guard case .rejected(let f) = try receiver.ingest([.withheld(forged)], peer: "surrey")[0] else {
            Issue.record("forged marker accepted"); return
        }
        #expect(f.code == .unknownKey)
        let relayed = Forge.marker(for: hidden, key: authorKey)
        let tampered = WithheldMarker(author: relayed.author, seq: relayed.seq, hash: relayed.hash,
                                      audience: Fixtures.everyone.json == relayed.audience.json ? .authorForceOnly : try Audience(forces: ["kent", "sussex"]),
                                      key: relayed.key, signature: relayed.signature)
        guard case .rejected(let t) = try receiver.ingest([.withheld(tampered)], peer: "surrey")[0] else {
            Issue.record("marker with an altered audience accepted"); return
        }
        #expect(t.code == .badSignature && t.message.contains("position signature"))
        guard case .withheld = try receiver.ingest([.withheld(relayed)], peer: "surrey")[0] else {
            Issue.record("the author's own marker was refused"); return
        }
    }

    @Test func duplicateIsANoOpLoggedAsDuplicate() throws {
        let json = Forge.envelope(header: header(), payload: payload, key: authorKey)
        try accept(json)
        let before = try receiver.store.counts()
        let digestBefore = try receiver.store.stateDigest()
        let envelope = try EntryEnvelope(json: json)
        let outcomes = try receiver.ingest([envelope, envelope], peer: "relay")
        for outcome in outcomes {
            guard case .duplicate = outcome else { Issue.record("expected duplicate, got \(outcome)"); return }
        }
        let after = try receiver.store.counts()
        #expect(after.entries == before.entries && after.records == before.records)
        #expect(try receiver.store.logRows().suffix(2).allSatisfy { $0.event.kind == "duplicate" })
        #expect(try receiver.store.stateDigest() == digestBefore)
    }

    /// A write whose payload was erased upstream travels as `"payload": null` with the erase entry as evidence, and
    /// is admitted header-only; without that evidence it is refused, so a relay cannot strip payloads.
    @Test func headerOnlyEntryNeedsErasureEvidence() throws {
        let stripped = try EntryEnvelope(json: Forge.envelope(header: header(), payload: nil, key: authorKey))
        #expect(stripped.payload == nil)
        guard case .rejected(let r) = try receiver.ingest([stripped], peer: "relay")[0] else {
            Issue.record("a stripped entry was admitted without evidence"); return
        }
        #expect(r.code == .payloadMismatch && r.message.contains("without its payload"))
        #expect(try receiver.store.counts().entries == 0)

        // The author's erase entry of the same record (its seq 2) justifies the missing payload.
        let eraseOps = Operations.erase(reason: "court order")
        var eraseHeader = header(seq: 2, prev: stripped.entry.hash.hex, time: clock.now + 1, payload: eraseOps.json).object!
        eraseHeader["op"] = "erase"
        let erase = try EntryEnvelope(json: Forge.envelope(header: .object(eraseHeader), payload: eraseOps.json,
                                                           key: authorKey))
        let justified = EntryEnvelope(entry: stripped.entry, position: stripped.position, payload: nil,
                                      erasure: ErasureEvidence(erase))
        let roundTrip = try EntryEnvelope(json: justified.json)
        #expect(roundTrip.erasure?.envelope.entry.hash == erase.entry.hash)
        let outcomes = try receiver.ingest([.entry(roundTrip), .entry(erase)], peer: "relay")
        #expect(outcomes.allSatisfy { if case .accepted = $0 { true } else { false } }, "\(outcomes)")
        // The record is shared (natural key), so the author's erase withdraws its own contribution: no fields left.
        let state = try #require(try receiver.store.recordState(imageID))
        #expect(try receiver.store.counts().payloads == 1 && state.hasErased("surrey") && state.document == [:])

        // Evidence for another record does not count.
        let other = try EntryEnvelope(json: Forge.envelope(header: header(record: RecordID.natural(
            type: .imageRef, key: String(repeating: "cd", count: 32))), payload: nil, key: authorKey))
        let wrongEvidence = EntryEnvelope(entry: other.entry, position: other.position, payload: nil,
                                          erasure: ErasureEvidence(erase))
        let fresh = try Fixtures.memoryNode(force: "hampshire", clock: clock)
        try fresh.trust(authorKey.publicKey, feed: author, officer: "test")
        guard case .rejected(let w) = try fresh.ingest([wrongEvidence], peer: "relay")[0] else {
            Issue.record("evidence for another record accepted"); return
        }
        #expect(w.code == .payloadMismatch && w.message.contains("not an erase of record"), "\(w)")
    }

    /// An author that sends its own write without the payload, promising an erase at its next position, and then
    /// publishes something else there, has forked its feed: the promise and the entry are kept as fork evidence.
    @Test func aPromisedEraseReplacedByAnotherEntryIsAFork() throws {
        let stripped = try EntryEnvelope(json: Forge.envelope(header: header(), payload: nil, key: authorKey))
        let eraseOps = Operations.erase(reason: "withdrawn")
        let promised = try EntryEnvelope(json: Forge.envelope(
            header: Forge.header(author: author, key: authorKey, seq: 2, prev: stripped.entry.hash.hex, time: clock.now + 1,
                                 record: imageID, type: "image-ref", op: "erase", payload: eraseOps.json),
            payload: eraseOps.json, key: authorKey))
        let justified = EntryEnvelope(entry: stripped.entry, position: stripped.position, payload: nil,
                                      erasure: ErasureEvidence(promised))
        guard case .accepted = try receiver.ingest([justified], peer: "relay")[0] else {
            Issue.record("the write with its own force's later erase was refused"); return
        }
        let other: JSONValue = ["set": ["exhibitNumber": "EX-2"]]
        let instead = Forge.envelope(header: header(seq: 2, prev: stripped.entry.hash.hex, time: clock.now + 2,
                                                    payload: other), payload: other, key: authorKey)
        try accept(instead)
        #expect(try receiver.store.forks(feed: author).count == 1)
        let alert = try #require(try receiver.store.logRows(LogFilter.kind("alert")).last)
        #expect(alert.event.reason == "equivocation" && alert.event.detail["source"] == "erasure")
    }

    @Test func batchOutOfOrderIsAdmittedInSeqOrder() throws {
        let e1 = Forge.envelope(header: header(), payload: payload, key: authorKey)
        clock.advance(1)
        let p2: JSONValue = ["set": ["exhibitNumber": "EX-9"]]
        let e2 = Forge.envelope(header: header(seq: 2, prev: e1["hash"]!.string!, time: clock.now, payload: p2),
                                payload: p2, key: authorKey)
        let outcomes = try receiver.ingest([try EntryEnvelope(json: e2), try EntryEnvelope(json: e1)], peer: nil)
        #expect(outcomes.allSatisfy { if case .accepted = $0 { true } else { false } })
        #expect(try receiver.store.recordState(imageID)?.document["exhibitNumber"] == "EX-9")
    }

    /// A large batch is checked on every core before admission (PreparedBatch); a bad signature in its middle is
    /// still refused with its own row, the entries of the feed before it are admitted, and nothing after it in that
    /// feed is (each meets a gap), while another feed in the same batch is unaffected.
    @Test func badSignatureInTheMiddleOfALargeBatchStopsItsFeedThere() throws {
        let otherKey = SecretKey.generate(), other = "sussex/0123456789abcdef"
        try receiver.trust(otherKey.publicKey, feed: other, officer: "test")
        func feed(_ author: String, _ key: SecretKey, count: Int) -> [JSONValue] {
            var out: [JSONValue] = [], prev: String?
            for seq in 1...count {
                let p: JSONValue = seq == 1 ? payload : ["set": ["exhibitNumber": .string("EX-\(seq)")]]
                let h = Forge.header(author: author, key: key, seq: Int64(seq), prev: prev, time: clock.now + Int64(seq),
                                     record: imageID, type: "image-ref", payload: p)
                out.append(Forge.envelope(header: h, payload: p, key: key))
                prev = out.last!["hash"]!.string!
            }
            return out
        }
        var bad = feed(author, authorKey, count: 300), good = feed(other, otherKey, count: 50)
        var forged = bad[149].object!
        forged["signature"] = .string(SecretKey.generate().sign([1, 2, 3]).hex)
        bad[149] = .object(forged)
        clock.advance(400)
        let batch = try (bad + good).map { Delivery.entry(try EntryEnvelope(json: $0)) }
        let outcomes = try receiver.ingest(PreparedBatch(batch, cores: 4), peer: "test-peer")
        for (i, outcome) in outcomes.prefix(300).enumerated() {
            switch (i, outcome) {
            case (0..<149, .accepted): break
            case (149, .rejected(let r)): #expect(r.code == .badSignature && r.message.contains("seq 150"))
            case (150..., .rejected(let r)): #expect(r.code == .gap, "seq \(i + 1): \(r.code.rawValue)")
            default: Issue.record("seq \(i + 1) of the forged feed: unexpected \(outcome)")
            }
        }
        #expect(outcomes.suffix(50).allSatisfy { if case .accepted = $0 { true } else { false } })
        #expect(try receiver.store.feedHead(author)?.seq == 149 && receiver.store.feedHead(other)?.seq == 50)
        let rejects = try receiver.store.logRows(LogFilter.kind("reject"))
        #expect(rejects.count == 151 && rejects.first?.event.reason == "bad-signature"
                && rejects.first?.event.entry == bad[149]["hash"]?.string)
        #expect(try receiver.store.logRows(LogFilter.kind("accept")).count == 199)
    }
}
