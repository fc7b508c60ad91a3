// The node's promises beyond admission: duplicates removed by natural key, lawful erasure that reaches every
// copy, writes that order after what the officer saw, and reads that are logged with officer, account and purpose.

import Foundation
import InterforceCore
@testable import InterforceNode
import InterforceStore
import InterforceTestSupport
import Testing

struct NodeTests {
    let clock = TestClock()

    func pair() throws -> (Node, Node) {
        let a = try Fixtures.memoryNode(force: "hampshire", clock: clock)
        let b = try Fixtures.memoryNode(force: "surrey", clock: clock)
        try Fixtures.trustAll([a, b])
        return (a, b)
    }

    func everything(_ node: Node) throws -> [EntryEnvelope] {
        var out: [EntryEnvelope] = []
        try node.store.forEachEntry { out.append($0.envelope) }
        return out
    }

    @Test func sameImageAtTwoForcesIsOneRecord() throws {
        let (a, b) = try pair()
        let ea = try a.create(type: .imageRef, document: Fixtures.imageDocument(), classification: .official,
                              audience: Fixtures.everyone, officer: "CSI 1")
        clock.advance(3)
        let eb = try b.create(type: .imageRef, document: Fixtures.imageDocument(), classification: .official,
                              audience: Fixtures.everyone, officer: "CSI 2")
        #expect(ea.header.record == eb.header.record)
        _ = try a.ingest(try everything(b), peer: "surrey")
        _ = try b.ingest(try everything(a), peer: "hampshire")
        #expect(try a.store.counts().records == 1 && b.store.counts().records == 1)
        #expect(try a.store.stateDigest() == b.store.stateDigest())
        var bySurrey = RecordQuery()
        bySurrey.force = "surrey"
        #expect(try a.store.search(bySurrey).map(\.id) == [ea.header.record])
    }

    /// A word in most records is searched by walking records newest first; a rarer one by sorting its matches.
    /// Both plans give the same records in the same order, page after page.
    @Test func bothFullTextPlansGiveTheSameRankedPages() throws {
        let (a, _) = try pair()
        for i in 0..<40 {
            var doc = Fixtures.caseDocument(reference: "44/\(900 + i)/26").object!
            doc["summary"] = .string(i % 3 == 0 ? "witness statement taken" : "statement and cctv footage")
            try a.create(type: .caseFile, document: .object(doc), classification: .official,
                         audience: Fixtures.everyone, officer: "DS 1")
            clock.advance(i % 4 == 0 ? 0 : 5)
        }
        func pages(_ text: String, walkFrom: Int) throws -> [[String]] {
            a.store.commonMatches = walkFrom
            var q = RecordQuery()
            q.text = text
            q.limit = 7
            var out: [[String]] = []
            while true {
                let page = try a.store.search(q)
                if page.isEmpty { return out }
                out.append(page.map(\.id))
                q.after = (page.last!.updated!.clock.time, page.last!.id)
            }
        }
        for text in ["statement", "witness", "cctv footage"] {
            let sorted = try pages(text, walkFrom: 1_000_000), walked = try pages(text, walkFrom: 1)
            #expect(sorted == walked, "\(text)")
            #expect(sorted.joined().count == (text == "statement" ? 40 : text == "witness" ? 14 : 26))
        }
    }

    @Test func sameCrimeReferenceIsOneRecord() throws {
        let (a, b) = try pair()
        let ea = try a.create(type: .caseFile, document: Fixtures.caseDocument(reference: "44/777/26"),
                              classification: .official, audience: Fixtures.everyone, officer: "DS 1")
        let eb = try b.create(type: .caseFile, document: Fixtures.caseDocument(reference: "44/777/26", title: "Other"),
                              classification: .official, audience: Fixtures.everyone, officer: "DS 2")
        let ec = try b.create(type: .caseFile, document: Fixtures.caseDocument(reference: "44/778/26"),
                              classification: .official, audience: Fixtures.everyone, officer: "DS 2")
        #expect(ea.header.record == eb.header.record && ea.header.record != ec.header.record)
    }

    @Test func erasureDropsPayloadsOnEveryNodeAndKeepsTheChain() throws {
        let (a, b) = try pair()
        let created = try a.create(type: .caseFile, document: Fixtures.caseDocument(), classification: .official,
                                   audience: Fixtures.everyone, officer: "DS 1")
        let id = created.header.record
        clock.advance(1)
        try a.update(recordID: id, patch: ["set": ["summary": "sensitive detail"]], officer: "DS 1")
        _ = try b.ingest(try everything(a), peer: "hampshire")   // b holds the payloads
        #expect(try b.store.counts().payloads == 2)
        clock.advance(1)
        let erased = try a.erase(recordID: id, reason: "court order 12", officer: "DS 1")
        #expect(erased.droppedPayloads == 2)
        _ = try b.ingest(try everything(a), peer: "hampshire")
        #expect(try b.store.counts().payloads == 1, "only the erase entry's reason stays")
        #expect(try b.store.recordState(id)?.isErased == true)
        #expect(try b.store.stateDigest() == a.store.stateDigest())
        #expect(try b.verify().ok && a.verify().ok)
        // Full text no longer finds it.
        var q = RecordQuery()
        q.text = "sensitive"
        #expect(try a.store.search(q).isEmpty && b.store.search(q).isEmpty)
        // An update of an erased record is refused.
        #expect(throws: NodeError.self) { try a.update(recordID: id, patch: ["set": ["title": "x"]], officer: "DS 1") }
    }

    @Test func lateWriteToAnErasedRecordKeepsNoPayload() throws {
        let (a, b) = try pair()
        let id = try a.create(type: .caseFile, document: Fixtures.caseDocument(), classification: .official,
                              audience: Fixtures.everyone, officer: "DS 1").header.record
        _ = try b.ingest(try everything(a), peer: "hampshire")
        clock.advance(1)
        try b.update(recordID: id, patch: ["set": ["summary": "written before the erasure arrived"]], officer: "DC 2")
        try a.erase(recordID: id, reason: "retention", officer: "DS 1")
        _ = try a.ingest(try everything(b), peer: "surrey")   // b's write reaches a after the erasure
        let bWrite = try #require(try b.store.entries(author: b.config.feed).last)
        #expect(try a.store.storedEntry(hash: bWrite.entry.hash.hex)?.payload == nil)
    }

    @Test func aLocalWriteOrdersAfterWhatTheOfficerSaw() throws {
        // Surrey's clock runs 2 s ahead; Hampshire's officer then corrects the title: the correction must win.
        let surreyClock = TestClock(clock.now + 2000)
        let a = try Fixtures.memoryNode(force: "hampshire", clock: clock)
        let b = try Fixtures.memoryNode(force: "surrey", clock: surreyClock)
        try Fixtures.trustAll([a, b])
        let id = try b.create(type: .caseFile, document: Fixtures.caseDocument(title: "Wrong"), classification: .official,
                              audience: Fixtures.everyone, officer: "DS 2").header.record
        _ = try a.ingest(try everything(b), peer: "surrey")
        try a.update(recordID: id, patch: ["set": ["title": "Right"]], officer: "DS 1")
        #expect(try a.store.recordState(id)?.document["title"] == "Right")
    }

    @Test func readsThroughTheAPIAreLoggedWithOfficerAccountAndPurpose() throws {
        let (a, _) = try pair()
        let id = try a.create(type: .interviewNote, document: Fixtures.noteDocument(), classification: .officialSensitive,
                              audience: Fixtures.everyone, officer: "DC 42").header.record
        let api = LocalNode(service: NodeService(a), replicator: nil).session(uid: geteuid())
        _ = try api.addOfficer(OfficerAddRequest(requestId: RequestID.new(), account: currentAccountName, collar: "DS 9",
                                                 name: "Test", force: nil, roles: [.analyst, .auditor],
                                                 clearance: .officialSensitive))
        let purpose = try Purpose(parsing: "investigation: op ELM")
        _ = try api.show(RecordRequest(record: id, purpose: purpose))
        _ = try api.history(RecordRequest(record: id, purpose: purpose))
        #expect(try api.query(QueryRequest(text: "Interview", purpose: purpose)).records.map(\.id) == [id])
        let rows = try api.auditLog(AuditLogRequest(filter: LogFilter(), purpose: try Purpose(parsing: "audit: check")))
            .rows.suffix(4)
        #expect(rows.map(\.event.kind) == ["read", "read", "query", "audit"])
        #expect(rows.allSatisfy { $0.event.officer == "DS 9" && $0.event.account == currentAccountName })
        #expect(rows.prefix(3).allSatisfy { $0.event.purpose == "investigation: op ELM" })
        #expect(throws: NodeError.self) { try Purpose(parsing: "investigation:   ") }
    }

    @Test func removeNeedsAValueThatIsPresent() throws {
        let (a, _) = try pair()
        let id = try a.create(type: .caseFile, document: Fixtures.caseDocument(), classification: .official,
                              audience: Fixtures.everyone, officer: "DS 1").header.record
        let entries = try a.store.counts().entries
        #expect(throws: NodeError.self) {
            try a.update(recordID: id, patch: ["remove": ["tags": ["not-there"]]], officer: "DS 1")
        }
        #expect(try a.store.counts().entries == entries)
        try a.update(recordID: id, patch: ["remove": ["tags": ["burglary"]]], officer: "DS 1")
        #expect(try a.store.recordState(id)?.document["tags"] == nil)
    }
}

struct CheckpointTests {
    @Test func checkpointsVerifyAndTamperingWithOneIsCaught() throws {
        let clock = TestClock()
        let node = try Fixtures.memoryNode(force: "hampshire", clock: clock)
        try node.create(type: .caseFile, document: Fixtures.caseDocument(), classification: .official,
                        audience: Fixtures.everyone, officer: "DS 1")
        let seq = try #require(try node.checkpoint())
        #expect(try node.checkpoint() == nil, "nothing new since the last checkpoint")
        #expect(try node.verify().ok)
        let row = try #require(try node.store.logRows(LogFilter.kind("checkpoint")).last)
        #expect(row.seq == seq && row.event.detail["seq"]?.int == seq - 1)
        // A checkpoint signed by another key for the same head does not verify.
        let other = SecretKey.generate()
        var forged = row.event
        forged.detail = ["seq": .int(seq - 1), "hash": row.event.detail["hash"]!, "key": .string(node.publicKey.hex),
                         "signature": .string(other.sign([1]).hex)]
        try node.store.transaction { try node.store.appendLog(forged, at: clock.now) }
        // A log re-signed with some other key (named in the row itself) is not vouched for by the node.
        var resigned = row.event
        resigned.detail = ["seq": .int(seq - 1), "hash": row.event.detail["hash"]!, "key": .string(other.publicKey.hex),
                           "signature": .string(other.sign(Array(#"{"feed":"\#(node.config.feed)","hash":"\#(row.event.detail["hash"]!.string!)","seq":\#(seq - 1)}"#.utf8)).hex)]
        try node.store.transaction { try node.store.appendLog(resigned, at: clock.now) }
        let report = try node.verify()
        #expect(report.problems.contains { $0.contains("checkpoint signature does not verify") }, "\(report.problems)")
        #expect(report.problems.contains { $0.contains("not trusted for") }, "\(report.problems)")
    }
}

struct BatchTests {
    /// The batch body is exactly the canonical JSON of {"items": [...]}, and capping keeps it under the limit.
    @Test func batchBodyIsCanonicalAndCapped() throws {
        let clock = TestClock()
        let node = try Fixtures.memoryNode(force: "hampshire", clock: clock)
        let big = String(repeating: "x", count: 9_000)
        for i in 0..<600 {
            try node.create(type: .interviewNote, document: ["interviewee": .string("W\(i)"), "interviewer": "DC 1",
                                                             "paragraphs": [.string(big)]],
                            classification: .official, audience: Fixtures.everyone, officer: "DC 1")
        }
        let all = try node.deliveries(for: "surrey", author: node.config.feed, after: 0, limit: 600)
        let (items, body) = Replicator.batch(all)
        #expect(items.count < all.count && !items.isEmpty && body.count <= Replicator.maxBatchBytes)
        #expect(body == JSONValue.object(["items": .array(items.map(\.json))]).canonicalBytes)
        let (none, empty) = Replicator.batch([])
        #expect(none.isEmpty && empty == Array(#"{"items":[]}"#.utf8))
    }
}
