// The rule that keeps refused requests from flooding the log (RefusalSummary): the first refusal per address, route,
// code and minute is logged in full, the rest of the minute counted and handed back as a summary once the minute
// has ended; past 256 keys a minute, refusals are counted under the address "other" and never logged one by one.

@testable import InterforceNode
import Testing

@Suite struct RefusalSummaryTests {
    static func key(_ remote: String, code: String = "certificate-required") -> RefusalSummary.Key {
        .init(remote: remote, path: "/v1/feeds", code: code, peer: nil)
    }

    @Test func theFirstOfAMinuteIsLoggedInFullAndTheRestSummarisedAfterTheMinute() {
        let summary = RefusalSummary()
        let minute: Int64 = 29_833_333 * 60_000  // the start of a minute, in Unix ms
        #expect(summary.note(Self.key("192.0.2.1"), at: minute + 10).inFull)
        for i in 1...999 { #expect(!summary.note(Self.key("192.0.2.1"), at: minute + 10 + Int64(i)).inFull) }
        // Another code from the same address is a kind of its own.
        #expect(summary.note(Self.key("192.0.2.1", code: "not-a-member"), at: minute + 2000).inFull)
        #expect(summary.ended(before: minute + 59_999).isEmpty, "the minute has not ended")

        let next = summary.note(Self.key("192.0.2.1"), at: minute + 60_000)
        #expect(next.inFull, "a new minute logs the first again")
        #expect(next.ended.count == 1, "only keys with refusals beyond the first are summarised")
        let (key, tally) = next.ended[0]
        #expect(key == Self.key("192.0.2.1"))
        #expect(tally.count == 999 && tally.from == minute + 11 && tally.until == minute + 1009)
        #expect(summary.ended(before: .max).isEmpty, "nothing beyond the first in the new minute")
    }

    @Test func pastTheKeyLimitRefusalsAreCountedUnderOtherAndNeverLoggedOneByOne() {
        let summary = RefusalSummary()
        let now: Int64 = 1_790_000_000_000
        for i in 0..<RefusalSummary.maxKeys { #expect(summary.note(Self.key("10.0.\(i / 256).\(i % 256)"), at: now).inFull) }
        for i in 0..<500 { #expect(!summary.note(Self.key("10.1.\(i / 256).\(i % 256)"), at: now + Int64(i)).inFull) }
        let ended = summary.ended(before: .max)
        #expect(ended.count == 1 && ended[0].0.remote == "other" && ended[0].1.count == 500, "\(ended)")
        #expect(ended[0].1.from == now && ended[0].1.until == now + 499)
    }

    @Test func aSummaryMayLogTheFirstFewOfAKeyInFull() {
        let summary = RefusalSummary(inFullPerKey: 20)
        let minute: Int64 = 29_833_333 * 60_000
        let alice = RefusalSummary.Key.unseen("alice")
        for i in 0..<20 { #expect(summary.note(alice, at: minute + Int64(i)).inFull, "\(i)") }
        for i in 20..<100 { #expect(!summary.note(alice, at: minute + Int64(i)).inFull, "\(i)") }
        #expect(summary.note(.unseen("bob"), at: minute + 100).inFull, "each account has its own allowance")
        let ended = summary.ended(before: .max)
        #expect(ended.count == 1 && ended[0].0 == alice && ended[0].1.count == 80 && ended[0].1.from == minute + 20
                && ended[0].1.until == minute + 99, "\(ended)")
    }

    @Test func aServedPullTallySumsItsEntriesAndTheRangeOfTheirPositions() {
        let summary = RefusalSummary(inFullPerKey: 2)
        let key = RefusalSummary.Key(remote: "127.0.0.1", path: "/v1/feeds/entries", code: "served", peer: "surrey",
                                     feed: "hampshire/0123456789abcdef")
        let minute: Int64 = 29_833_333 * 60_000
        #expect(summary.note(key, at: minute, items: 5, positions: 1...5).inFull)
        #expect(summary.note(key, at: minute + 1, items: 5, positions: 6...10).inFull)
        #expect(!summary.note(key, at: minute + 2, items: 1, positions: 3...3).inFull)
        #expect(!summary.note(key, at: minute + 3, items: 2, positions: 11...12).inFull)
        let ended = summary.ended(before: .max)
        #expect(ended.count == 1 && ended[0].1.count == 2 && ended[0].1.items == 3 && ended[0].1.positions == 3...12,
                "only the counted pulls: \(ended)")
    }

    @Test func pastTheKeyLimitAMembersRefusalsStayItsOwn() {
        let summary = RefusalSummary()
        let now: Int64 = 1_790_000_000_000
        for i in 0..<RefusalSummary.maxKeys { _ = summary.note(Self.key("10.0.\(i / 256).\(i % 256)"), at: now) }
        let member = RefusalSummary.Key(remote: "10.9.9.9", path: "/v1/evidence", code: "malformed", peer: "surrey")
        #expect(!summary.note(member, at: now + 1).inFull)
        let ended = summary.ended(before: .max)
        #expect(ended.count == 1 && ended[0].0.remote == "other" && ended[0].0.peer == "surrey"
                && ended[0].0.code == "malformed" && ended[0].1.count == 1, "\(ended)")
    }
}
