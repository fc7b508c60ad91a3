// The clock rules of issue 9 on in-memory nodes with a settable clock: the offset estimate (samples, medians, bounds),
// authoring refused beyond maxSkew/2 with its message, a node whose head is ahead of its clock writing on, and the
// future-clock refusals reported per peer. The same behaviours end to end, with faketime: Faults/ClockTests.swift.

import Foundation
import InterforceCore
import InterforceStore
@testable import InterforceNode
import InterforceTestSupport
import Testing

struct ClockHealthTests {
    @Test func offsetIsTheMedianPerPeerAndWhatHalfThePeersAgreeOn() {
        var c = ClockOffsets()
        let now: Int64 = 1_790_000_000_000
        // A sample is the peer's clock minus the midpoint of the request.
        c.note(peer: "a", peerNow: now + 600_000 + 50, sent: now, received: now + 100)
        #expect(c.offset(peer: "a", now: now) == 600_000)
        // The median of the last five samples: one wild sample does not move it.
        for _ in 0..<3 { c.note(peer: "a", peerNow: now + 600_000, sent: now, received: now) }
        c.note(peer: "a", peerNow: now - 9_000_000, sent: now, received: now)
        #expect(c.offset(peer: "a", now: now) == 600_000)
        // Two peers: one sees us off, one does not -> the one nearer zero; both off -> the nearer of the two.
        c.note(peer: "b", peerNow: now, sent: now, received: now)
        #expect(c.federation(now: now)?.offset == 0)
        #expect(c.federation(now: now)?.peers == 2)
        var both = ClockOffsets()
        both.note(peer: "a", peerNow: now + 600_000, sent: now, received: now)
        both.note(peer: "b", peerNow: now + 500_000, sent: now, received: now)
        #expect(both.federation(now: now)?.offset == 500_000)
        both.note(peer: "c", peerNow: now - 100_000, sent: now, received: now)
        #expect(both.federation(now: now)?.offset == 500_000, "three peers: the median")
        var split = ClockOffsets()
        split.note(peer: "a", peerNow: now + 600_000, sent: now, received: now)
        split.note(peer: "b", peerNow: now - 600_000, sent: now, received: now)
        #expect(split.federation(now: now)?.offset == 0, "two peers that disagree in sign say nothing")
        // Samples out of range, from a slow round trip, or too old do not count.
        var bad = ClockOffsets()
        bad.note(peer: "a", peerNow: Limits.maxTime + 1, sent: now, received: now)
        bad.note(peer: "a", peerNow: -1, sent: now, received: now)
        bad.note(peer: "a", peerNow: now, sent: now, received: now + 10_001)
        bad.note(peer: "a", peerNow: now, sent: now, received: now - 1)
        #expect(bad.federation(now: now) == nil)
        bad.note(peer: "a", peerNow: now, sent: now, received: now)
        #expect(bad.federation(now: now + ClockOffsets.maxSampleAgeMillis + 1) == nil)
    }

    @Test func aNodeFarFromItsPeersRefusesToWriteAndSaysWhy() throws {
        let clock = TestClock()
        let node = try Fixtures.memoryNode(force: "hampshire", clock: clock)
        // Both peers' clocks read ten minutes behind ours: we are 600 s ahead.
        for peer in ["surrey", "sussex"] {
            node.noteClock(peer: peer, peerNow: clock.now - 600_000, sent: clock.now, received: clock.now)
        }
        let view = try node.clockView()
        #expect(view.offsetMillis == 600_000 && view.peers == 2 && view.writesRefused)
        #expect(view.summary == "600.0 s ahead of 2 peers (median); writes refused beyond 150.0 s")
        let refusal = #expect(throws: NodeError.self) {
            try node.create(type: .caseFile, document: Fixtures.caseDocument(), classification: .official,
                            audience: .authorForceOnly, officer: "DS 1")
        }
        #expect(refusal?.message == "this node's clock is 600.0 s ahead of its peers' (the median of 2); it writes "
                + "nothing while its clock is more than 150.0 s from theirs, because its peers would refuse its "
                + "entries as future-clock. Set the system clock right (NTP); writes resume at the next exchange "
                + "with a peer after that")
        #expect(try node.status().counts.entries == 0, "nothing stored")
        #expect(try node.warnings() == [refusal?.message ?? ""])
        #expect(try node.healthText().hasPrefix("degraded\n"))
        // Within the allowance (150 s), it writes.
        for peer in ["surrey", "sussex"] {
            for _ in 0..<5 { node.noteClock(peer: peer, peerNow: clock.now - 100_000, sent: clock.now, received: clock.now) }
        }
        #expect(try !node.clockView().writesRefused)
        try node.create(type: .caseFile, document: Fixtures.caseDocument(), classification: .official,
                        audience: .authorForceOnly, officer: "DS 1")
    }

    @Test func aHeadAheadOfTheClockDoesNotStopTheNodeWritingAndIsReported() throws {
        let clock = TestClock()
        let node = try Fixtures.memoryNode(force: "hampshire", clock: clock)
        clock.advance(600_000)  // the clock runs ten minutes fast...
        let fast = try node.create(type: .caseFile, document: Fixtures.caseDocument(), classification: .official,
                                   audience: .authorForceOnly, officer: "DS 1")
        clock.advance(-600_000)  // ...and is set right
        let after = try node.create(type: .caseFile, document: Fixtures.caseDocument(title: "After"),
                                    classification: .official, audience: .authorForceOnly, officer: "DS 1")
        #expect(after.header.clock > fast.header.clock, "the clock advances past the head")
        #expect(after.header.clock.time == fast.header.clock.time, "stamped just after the head, no further ahead")
        #expect(try node.clockView().headAheadMillis == 600_000)
        let warning = try #require(try node.warnings().first)
        #expect(warning.hasPrefix("this node's feed head is 600.0 s ahead of its clock (written while the clock ran "
                                  + "fast): peers refuse this feed's entries as future-clock until their clocks reach "
                                  + "about \(ISOTime.format(millis: clock.now + 300_000))"), "\(warning)")
    }

    @Test func entriesRefusedAsFutureClockAreReportedPerPeerUntilAdmitted() throws {
        let clock = TestClock()
        let author = try Fixtures.memoryNode(force: "surrey", clock: clock)
        let node = try Fixtures.memoryNode(force: "hampshire", clock: clock)
        try Fixtures.trustAll([author, node])
        clock.advance(600_000)
        let entry = try author.create(type: .caseFile, document: Fixtures.caseDocument(), classification: .official,
                                      audience: Fixtures.everyone, officer: "DS 2")
        clock.advance(-600_000)
        var held: [EntryEnvelope] = []
        try author.store.forEachEntry { held.append($0.envelope) }
        let envelope = try #require(held.first { $0.entry.hash == entry.hash })
        guard case .rejected(let r) = try node.ingest([envelope], peer: "surrey")[0] else {
            Issue.record("expected a future-clock refusal")
            return
        }
        #expect(r.code == .futureClock)
        node.noteClock(peer: "surrey", peerNow: clock.now + 600_000, sent: clock.now, received: clock.now)
        #expect(try node.warnings().contains(
            "entries from surrey are refused as future-clock: \(author.config.feed) seq 1 was 600.0 s ahead of this "
                + "node's clock (allowed 300.0 s); surrey's clock is 600.0 s ahead of this node's"))
        clock.advance(300_001)
        guard case .accepted = try node.ingest([envelope], peer: "surrey")[0] else {
            Issue.record("admitted once within the skew")
            return
        }
        #expect(try node.warnings().allSatisfy { !$0.hasPrefix("entries from surrey") }, "the refusal is over")
    }
}
