// Refused requests leave evidence without letting a flood write the log. Each refusal has a key — the client's
// address, the route, and the refusal's code (`certificate-required`, `not-a-member`, `too-many-rejections`, ...) —
// and time is cut into minutes of the node's clock. The first refusal of a key in a minute is logged in full, with
// its message; the others in that minute are only counted, and once the minute is over (noticed on the next request,
// or when `serve` stops) one `refused-summary` row per key says how many more there were, between which times.
// So a flood from one address at one route costs two rows a minute, whatever its rate, and the log still says who
// was refused, where, why and how often.
//
// A minute holds at most `maxKeys` keys; refusals with further keys (a flood from many addresses) are counted
// under the address "other", route, code and member kept, and not logged one by one. A summary may log more than
// the first of a key in full (`inFullPerKey`): the local API's lookups of records not seen and its policy denials log
// the first 20 of an account and reason. The same rule bounds the rows of members' served pulls (PeerAPI.swift):
// there a tally also sums the entries sent and the range of positions they came from, so the summary still says
// what was sent.

import Foundation
import Synchronization

final class RefusalSummary: Sendable {
    static let maxKeys = 256
    static let otherSources = "other"

    struct Key: Hashable, Sendable {
        let remote: String
        let path: String
        let code: String
        /// The member force, for refusals of a member (throttled batches); nil for strangers.
        let peer: String?
        /// The Unix account, for the local API's refusals (remote `local`).
        var account: String? = nil
        /// The force a refused certificate names (its CN), for a stranger whose certificate verified but is not a
        /// member's or is revoked: its `tls-refused` row says which force it claims to be.
        var certificateForce: String? = nil
        /// The feed, for a member's served pulls.
        var feed: String? = nil
    }

    /// Refusals of one key in one minute not logged in full (all but the first; all, for "other"): how many, and
    /// when the first and last of them came.
    struct Tally: Sendable {
        var count = 0
        var from: Int64 = 0
        var until: Int64 = 0
        /// How many of the key this minute were logged in full.
        var inFull = 0
        /// What the counted ones carried (entries sent), and the lowest and highest position among them (for a key
        /// with a feed).
        var items: Int64 = 0
        var positions: ClosedRange<Int64>? = nil

        mutating func add(_ items: Int64, _ positions: ClosedRange<Int64>?) {
            self.items += items
            guard let positions else { return }
            self.positions = self.positions.map {
                min($0.lowerBound, positions.lowerBound)...max($0.upperBound, positions.upperBound)
            } ?? positions
        }
    }

    private struct Window {
        var minute: Int64
        var tallies: [Key: Tally] = [:]
    }

    private let window = Mutex<Window?>(nil)
    /// How many refusals of a key a minute are logged in full before the rest are counted.
    let inFullPerKey: Int

    init(inFullPerKey: Int = 1) { self.inFullPerKey = max(1, inFullPerKey) }

    /// Notes a refusal (or a served pull carrying `items` entries from `positions`) at `now` (Unix ms). Returns
    /// whether to log it in full, and the tallies of a minute that has ended, to be logged as summaries.
    func note(_ key: Key, at now: Int64, items: Int64 = 0, positions: ClosedRange<Int64>? = nil)
        -> (inFull: Bool, ended: [(Key, Tally)]) {
        window.withLock { window in
            let ended = Self.close(&window, before: now)
            if window == nil { window = Window(minute: Self.minute(now)) }
            var key = key
            let overflow = window!.tallies[key] == nil && window!.tallies.count >= Self.maxKeys
            // A member's refusals stay its own (members are few); accounts and feeds are counted together.
            if overflow { key = Key(remote: Self.otherSources, path: key.path, code: key.code, peer: key.peer) }
            guard var tally = window!.tallies[key] else {
                var first = overflow ? Tally(count: 1, from: now, until: now) : Tally(inFull: 1)
                if overflow { first.add(items, nil) }
                window!.tallies[key] = first
                return (!overflow, ended)  // the first of its kind this minute is logged in full
            }
            if key.remote != Self.otherSources, tally.inFull < inFullPerKey {
                tally.inFull += 1
                window!.tallies[key] = tally
                return (true, ended)
            }
            if tally.count == 0 { tally.from = now }
            tally.count += 1
            tally.until = now
            tally.add(items, key.feed == nil ? nil : positions)
            window!.tallies[key] = tally
            return (false, ended)
        }
    }

    /// The tallies of a minute that has ended by `now`; with `now` = `.max`, of the current minute too.
    func ended(before now: Int64) -> [(Key, Tally)] {
        window.withLock { Self.close(&$0, before: now) }
    }

    private static func close(_ window: inout Window?, before now: Int64) -> [(Key, Tally)] {
        guard let current = window, now == .max || minute(now) != current.minute else { return [] }
        window = nil
        return current.tallies.filter { $0.value.count > 0 }.sorted {
            ($0.key.remote, $0.key.path, $0.key.code, $0.key.peer ?? "", $0.key.account ?? "", $0.key.feed ?? "")
                < ($1.key.remote, $1.key.path, $1.key.code, $1.key.peer ?? "", $1.key.account ?? "", $1.key.feed ?? "")
        }
    }

    static func minute(_ millis: Int64) -> Int64 { millis / 60_000 }
}
