// The evidence a node keeps beside its entries, edited in the store behind the node's back (attack W5): fork
// evidence, the feed flag, equivocations, withheld markers and erasure evidence. `audit verify` must name each edit
// (it is clean before). The node runs on a store file so that the edits are made by another program, sqlite3.

import Foundation
import InterforceCore
@testable import InterforceNode
import InterforceStore
import InterforceTestSupport
import Testing

struct EvidenceTamperTests {
    enum Tamper: String, CaseIterable, Sendable {
        case forkDeletedWithItsFlag, forkInserted, flagCleared, equivocationAltered, markerAudience,
             erasureEvidenceDeleted, erasureEvidenceAltered
    }

    let directory = TemporaryDirectory("tamper")
    let clock = TestClock()
    let node: Node
    let author = "surrey/0123456789abcdef", relayed = "sussex/0123456789abcdef"
    let authorKey = SecretKey.generate(), relayedKey = SecretKey.generate()
    let record = RecordID.natural(type: .imageRef, key: String(repeating: "ab", count: 32))
    /// The write held without its payload (justified by its force's later erase, kept as erasure evidence).
    let stripped: EntryEnvelope

    /// A node holding: surrey's seq 1 without payload with the promised erase as erasure evidence; a second surrey
    /// seq 1 (an equivocation and fork evidence, alert logged); a withheld marker of sussex seq 1.
    init() throws {
        let config = NodeConfig(force: "hampshire", feed: Identifiers.newFeedID(force: "hampshire"))
        node = try Node(config: config, store: try Store(path: directory.file("store.db")), secretKey: .generate(),
                        now: clock.function)
        try node.trust(authorKey.publicKey, feed: author, officer: "test")
        try node.trust(relayedKey.publicKey, feed: relayed, officer: "test")
        let payload = Operations(document: Fixtures.imageDocument(), schema: .imageRef).json
        let header = Forge.header(author: author, key: authorKey, seq: 1, prev: nil, time: clock.now, record: record,
                                  type: "image-ref", payload: payload)
        let write = try EntryEnvelope(json: Forge.envelope(header: header, payload: nil, key: authorKey))
        let erase = Operations.erase(reason: "withdrawn")
        let promised = try EntryEnvelope(json: Forge.envelope(
            header: Forge.header(author: author, key: authorKey, seq: 2, prev: write.entry.hash.hex, time: clock.now + 1,
                                 record: record, type: "image-ref", op: "erase", payload: erase.json),
            payload: erase.json, key: authorKey))
        stripped = EntryEnvelope(entry: write.entry, position: write.position, payload: nil,
                                 erasure: ErasureEvidence(promised))
        let other: JSONValue = ["set": ["exhibitNumber": "EX-2"]]
        let second = try EntryEnvelope(json: Forge.envelope(
            header: Forge.header(author: author, key: authorKey, seq: 1, prev: nil, time: clock.now + 2, record: record,
                                 type: "image-ref", payload: other),
            payload: other, key: authorKey))
        let outcomes = try node.ingest([stripped, second], peer: "relay")
        guard case .accepted = outcomes[0], case .rejected(let r) = outcomes[1], r.code == .equivocation else {
            throw NodeError("set-up: \(outcomes)")
        }
        let hidden = try EntryEnvelope(json: Forge.envelope(
            header: Forge.header(author: relayed, key: relayedKey, seq: 1, prev: nil, time: clock.now, record: record,
                                 type: "image-ref", payload: payload, audience: try Audience(forces: ["sussex"]).json),
            payload: payload, key: relayedKey))
        _ = try node.store.transaction {
            try node.admitWithheld(Forge.marker(for: hidden, key: relayedKey), peer: "relay")
        }
    }

    func sqlite(_ sql: String) throws {
        let r = try ChildProcess.run("/usr/bin/env", ["sqlite3", directory.file("store.db"), sql])
        try #require(r.status == 0, "\(r)")
    }

    @Test(arguments: Tamper.allCases)
    func verifyNamesTheEvidenceEdited(_ tamper: Tamper) throws {
        let clean = try node.verify()
        #expect(clean.ok, "\(clean.problems)")
        #expect(try node.store.forks().count == 1 && node.store.equivocationCount() == 1)
        let alert = try #require(try node.store.logRows(LogFilter.kind("alert")).last)
        let named: String
        switch tamper {
        case .forkDeletedWithItsFlag:
            try sqlite("DELETE FROM forks; DELETE FROM equivocations; UPDATE feeds SET flagged = 0")
            named = "fork evidence of \(author) seq 1 that log row \(alert.seq) records is not held (deleted)"
        case .forkInserted:
            try sqlite("INSERT INTO forks SELECT feed, seq + 1, hash_a, hash_b, evidence, peer, received_at FROM forks")
            named = "fork evidence of \(author) seq 2: no alert row records it"
        case .flagCleared:
            try sqlite("UPDATE feeds SET flagged = 0")
            named = "feed \(author): not flagged despite"
        case .equivocationAltered:
            try sqlite(#"UPDATE equivocations SET envelope = replace(envelope, '"EX-2"', '"EX-3"')"#)
            named = "equivocation "
        case .markerAudience:
            try sqlite(#"UPDATE withheld SET audience = '{"forces":["kent"],"groups":[]}'"#)
            named = "withheld marker of \(relayed) seq 1: its position signature does not verify"
        case .erasureEvidenceDeleted:
            try sqlite("DELETE FROM erasure_evidence")
            named = "entry \(stripped.entry.hash.hex): held without its payload"
        case .erasureEvidenceAltered:
            try sqlite(#"UPDATE erasure_evidence SET envelope = replace(envelope, '"seq":2', '"seq":3')"#)
            named = "erasure evidence for entry \(stripped.entry.hash.hex): not a validly signed erase"
        }
        let report = try node.verify()
        #expect(!report.ok && report.problems.contains { $0.hasPrefix(named) }, "\(tamper): \(report.problems)")
    }
}
