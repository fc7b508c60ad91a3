// What an operator must know about a running node beyond its data (issue 9): its clock against its peers', its
// own feed head against its clock, and the disk under its store. `status`, `peers status`, `/healthz` and
// `/metrics` all read it from here, so they say the same thing; docs/OPERATIONS.md §9.1 and §9.2 explain it.
//
// Clock rules. The node writes nothing while its clock is more than half the allowed skew (`maxSkewMillis / 2`)
// from its peers' (ClockOffsets.swift): fast, its peers would refuse its entries as `future-clock`; slow, its
// entries would order before writes made earlier elsewhere. It never refuses its own entry for being ahead of its
// own clock: an entry's time is its hybrid logical clock reading, which must pass the feed head's, so after a clock
// that ran fast is set right the next entry is stamped just after the head, as far ahead as the head already was,
// and no further. Peers admit that entry when they admit the head: once their clocks are within `maxSkewMillis` of
// it. Until then the status says so, and when.

import InterforceCore
import InterforceStore

/// This node's clock as its peers see it.
public struct ClockView: Sendable, Equatable {
    /// This node's clock minus its peers' as at least half of them see it (ClockOffsets.swift; positive: ahead);
    /// nil until a peer has answered since `serve` started (or when the node does not serve).
    public let offsetMillis: Int64?
    /// The peers the median is over.
    public let peers: Int64
    /// Writes are refused while the offset is further than this from zero: `maxSkewMillis / 2`.
    public let allowedMillis: Int64
    /// How far this node's feed head is ahead of its clock (0 when it is not ahead).
    public let headAheadMillis: Int64

    public init(offsetMillis: Int64?, peers: Int64, allowedMillis: Int64, headAheadMillis: Int64) {
        self.offsetMillis = offsetMillis
        self.peers = peers
        self.allowedMillis = allowedMillis
        self.headAheadMillis = headAheadMillis
    }

    public var writesRefused: Bool { (offsetMillis?.magnitude ?? 0) > allowedMillis.magnitude }

    /// `0.2 s ahead of 2 peers (median); writes refused beyond 150.0 s`.
    public var summary: String {
        guard let offset = offsetMillis else {
            return "not yet measured (no peer has answered since serve started); writes refused beyond "
                + seconds(allowedMillis)
        }
        let side = offset < 0 ? "behind" : "ahead of"
        return "\(seconds(offset)) \(side) \(peers) peer\(peers == 1 ? "" : "s") (median); writes refused beyond "
            + seconds(allowedMillis)
    }
}

extension Node {
    /// A sample of `peer`'s clock from its answer to a request sent at `sent` and answered at `received`.
    public func noteClock(peer: String, peerNow: Int64, sent: Int64, received: Int64) {
        clocks.note(peer: peer, peerNow: peerNow, sent: sent, received: received)
    }

    public func clockView() throws -> ClockView {
        let at = now()
        let federation = clocks.federation(now: at)
        let headTime = try store.feedHead(config.feed)?.clock.time ?? 0
        return ClockView(
            offsetMillis: federation.map { -$0.offset }, peers: Int64(federation?.peers ?? 0),
            allowedMillis: config.maxSkewMillis / 2, headAheadMillis: max(0, headTime - at))
    }

    /// `peer`'s clock minus ours (median of its recent samples), and the last entry refused from it as
    /// `future-clock`, if that refusal still stands.
    func peerClock(_ peer: String) -> (offset: Int64?, refusal: ClockOffsets.FutureClockRefusal?) {
        (clocks.offset(peer: peer, now: now()), clocks.refusals[peer])
    }

    /// Refuses to author while the clock is too far from the peers'.
    func checkClockForAuthoring() throws {
        let view = try clockView()
        if view.writesRefused, let offset = view.offsetMillis {
            throw NodeError(Self.clockRefusal(offset: offset, peers: view.peers, allowed: view.allowedMillis))
        }
    }

    static func clockRefusal(offset: Int64, peers: Int64, allowed: Int64) -> String {
        let (side, why) =
            offset > 0
            ? ("ahead of", "its peers would refuse its entries as future-clock")
            : ("behind", "its entries would be ordered before writes made earlier elsewhere, and it refuses its "
                + "peers' fresh entries as future-clock")
        return "this node's clock is \(seconds(offset)) \(side) its peers' (the median of \(peers)); it writes "
            + "nothing while its clock is more than \(seconds(allowed)) from theirs, because \(why). Set the system "
            + "clock right (NTP); writes resume at the next exchange with a peer after that"
    }

    /// The filesystem under the store, against `diskWarningMegabytes`; nil for an in-memory store.
    public func disk() -> DiskSpace? { DiskSpace.measure(store.path, warningBytes: config.diskWarningBytes) }

    /// Why an operation failed with SQLITE_FULL, for the one who asked: `read` for an operation that shows data.
    func diskFullMessage(read: Bool) -> String {
        let space = disk().map { " (\($0.summary))" } ?? ""
        let what =
            read
            ? "reads are refused because their audit row cannot be written, and nothing was shown"
            : "nothing was stored"
        return "the disk holding \(store.path) is full\(space): \(what); free space on that filesystem"
    }

    /// An error's message where replication reports it: a full disk said as such.
    func replicationMessage(_ error: any Error) -> String {
        guard let e = error as? SQLiteError, e.isDiskFull else { return "\(error)" }
        let space = disk().map { " (\($0.summary))" } ?? ""
        return "the disk holding \(store.path) is full\(space): nothing can be exchanged, since each exchange is "
            + "logged; free space on that filesystem"
    }

    /// What the operator must know now, one sentence each; empty when all is well.
    public func warnings() throws -> [String] {
        var out: [String] = []
        let clock = try clockView()
        if clock.writesRefused, let offset = clock.offsetMillis {
            out.append(Self.clockRefusal(offset: offset, peers: clock.peers, allowed: clock.allowedMillis))
        }
        if clock.headAheadMillis > config.maxSkewMillis {
            let from = ISOTime.format(millis: now() + clock.headAheadMillis - config.maxSkewMillis)
            out.append(
                "this node's feed head is \(seconds(clock.headAheadMillis)) ahead of its clock (written while the "
                    + "clock ran fast): peers refuse this feed's entries as future-clock until their clocks reach "
                    + "about \(from), and the writes made meanwhile wait behind them")
        }
        for peer in clocks.refusals.keys.sorted() {
            out.append(futureClockWarning(peer))
        }
        out += nonMemberPeerWarnings()
        for (peer, refused) in refusedMemberships.sorted(by: { $0.key < $1.key }) {
            out.append(refusedMembershipWarning(peer, refused))
        }
        if let disk = disk() {
            switch disk.state {
            case .full:
                out.append(
                    "the disk holding \(disk.path) is full (\(disk.summary)): the node refuses writes, reads (their "
                        + "audit row cannot be written) and replication until space is freed")
            case .low:
                out.append(
                    "disk space is low: \(disk.summary) on the filesystem holding \(disk.path), below the warning "
                        + "threshold of \(DiskSpace.format(disk.warningBytes)) (diskWarningMegabytes)")
            case .ok: break
            }
        }
        return out
    }

    /// Why entries from `peer` are refused as `future-clock`, with that peer's clock as measured.
    func futureClockWarning(_ peer: String) -> String {
        let (offset, refusal) = peerClock(peer)
        guard let refusal else { return "" }
        let cause: String
        if let offset, offset > config.maxSkewMillis / 2 {
            cause = "\(peer)'s clock is \(seconds(offset)) ahead of this node's"
        } else if let offset, offset < -(config.maxSkewMillis / 2) {
            cause = "\(peer)'s clock is \(seconds(offset)) behind this node's, so this node's clock may be the one "
                + "that is wrong"
        } else if let offset {
            cause = "\(peer)'s clock is within \(seconds(offset)) of this node's: the entry was stamped while its "
                + "author's clock ran fast"
        } else {
            cause = "\(peer)'s clock is not yet measured"
        }
        return "entries from \(peer) are refused as future-clock: \(refusal.feed) seq \(refusal.seq) was "
            + "\(seconds(refusal.aheadMillis)) ahead of this node's clock (allowed \(seconds(config.maxSkewMillis))); "
            + cause
    }

    /// `/healthz`: a first line `ok`, `warning` (something in ``warnings()``) or `degraded` (the disk is full or
    /// the clock keeps the node from writing), then the disk, the clock and each warning on a line of its own.
    public func healthText() throws -> String {
        let warnings = try warnings()
        let clock = try clockView()
        let disk = disk()
        let state = disk?.state == .full || clock.writesRefused ? "degraded" : (warnings.isEmpty ? "ok" : "warning")
        var lines = [state, "version: \(InterforceVersion.current)"]
        if let disk {
            lines.append("disk: \(disk.summary) (\(disk.state.rawValue); warning below "
                         + "\(DiskSpace.format(disk.warningBytes)))")
        }
        lines.append("clock: \(clock.summary)")
        lines += warnings.map { "warning: " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }
}
