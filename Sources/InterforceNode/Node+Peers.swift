// Peers follow the membership (issue 13, point 3). The node replicates with the forces in `peers` of config.json
// that the installed membership lists, at the endpoints it lists; a configured peer the membership does not list is
// a warning (`status`, `peers status`, /healthz), never a refusal to start, because a node can receive a version
// without a force from its peers at any time, and must not then fail its next start. `peers add|remove` change the
// configured list: config.json is rewritten whole (0600, by rename, so a crash leaves the old or the new file) and
// the change is logged (`peers-changed`); with `serve` running, the replication workers follow at once.

import Foundation
import InterforceCore
import InterforceStore

extension Node {
    /// The peers to replicate with now: configured, listed by the membership, not this node's own force.
    public func activePeers() -> [PeerEndpoint] {
        guard let membership else { return [] }
        return config.peers.filter { $0 != config.force }.compactMap { force in
            membership.member(force).map { PeerEndpoint(force: force, baseURL: $0.endpoint) }
        }
    }

    /// Configured peers that the installed membership does not list.
    public func nonMemberPeers() -> [String] {
        config.peers.filter { membership?.member($0) == nil }
    }

    /// The warning for each configured peer that is not a member.
    func nonMemberPeerWarnings() -> [String] {
        let version = membership.map { "membership version \($0.version)" } ?? "the membership (none is installed)"
        return nonMemberPeers().map { force in
            "peer '\(force)' in config.json is not in \(version): there is no replication with it; remove it with "
                + "'interforce peers remove \(force)' or install a membership that lists it"
        }
    }

    /// Adds `force` to the configured peers (`add`) or removes it; returns the new list. Refuses this node's own
    /// force, a peer already configured (add) or not configured (remove).
    public func changePeers(add: Bool, force: String, officer: String?) throws -> [String] {
        try requireIntact()
        guard Identifiers.isSlug(force) else { throw NodeError("'\(force.prefix(40))' is not a force slug") }
        guard force != config.force else { throw NodeError("\(force) is this node's own force, not a peer") }
        var peers = config.peers
        if add {
            guard !peers.contains(force) else { throw NodeError("\(force) is already a peer") }
            peers.append(force)
        } else {
            guard peers.contains(force) else { throw NodeError("\(force) is not a configured peer") }
            peers.removeAll { $0 == force }
        }
        var changed = config
        changed.peers = peers
        try store.transaction {
            try store.appendLog(LogEvent(kind: "peers-changed", officer: officer, peer: force,
                                         detail: [add ? "added" : "removed": .string(force),
                                                  "peers": .array(peers.map { .string($0) })]), at: now())
            if let configFile { try Self.rewriteConfig(changed, at: configFile) }
        }
        config = changed
        return peers
    }

    /// Every peer this node has a record of or is configured with: its link, reachability, counters, lag in
    /// entries and time, clock; and the warnings about peers (`peers status`, the status page, /metrics).
    func peerViews() throws -> (peers: [PeersStatusResponse.Peer], warnings: [String]) {
        let mine = try store.versionVector()
        let records = Dictionary(try store.peerRecords().map { ($0.peer, $0) }, uniquingKeysWith: { a, _ in a })
        let forces = Set(records.keys).union(config.peers).sorted()
        let active = Set(activePeers().map(\.force))
        let peers = try forces.map { force -> PeersStatusResponse.Peer in
            let p = records[force]
            let theirs = p?.vector ?? [:]
            var lag: [String: Int64] = [:]
            for (feed, seq) in mine where seq > theirs[feed] ?? 0 { lag[feed] = seq - (theirs[feed] ?? 0) }
            for (feed, seq) in theirs where seq > mine[feed] ?? 0 { lag[feed] = -(seq - (mine[feed] ?? 0)) }
            let clock = peerClock(force)
            let link = active.contains(force) ? "peer" : (config.peers.contains(force) ? "not-a-member" : "former")
            let reachable: Bool? = p.flatMap { p in
                p.lastSuccess == nil && p.lastErrorAt == nil ? nil : (p.lastSuccess ?? 0) >= (p.lastErrorAt ?? 0)
            }
            return PeersStatusResponse.Peer(
                peer: force, lastSuccess: p?.lastSuccess, lastError: p?.lastError, lastErrorAt: p?.lastErrorAt,
                entriesSent: p?.entriesSent ?? 0, entriesReceived: p?.entriesReceived ?? 0, lag: lag,
                clockOffsetMillis: clock.offset, futureClock: clock.refusal == nil ? nil : futureClockWarning(force),
                link: link, reachable: reachable, entriesBehind: lag.values.filter { $0 > 0 }.reduce(0, +),
                entriesAhead: -lag.values.filter { $0 < 0 }.reduce(0, +),
                lagMillis: try oldestHeldSince(lacking: theirs).map { now() - $0 })
        }
        var warnings = nonMemberPeerWarnings()
        for (peer, refused) in refusedMemberships.sorted(by: { $0.key < $1.key }) {
            warnings.append(refusedMembershipWarning(peer, refused))
        }
        return (peers, warnings)
    }

    func refusedMembershipWarning(_ peer: String, _ refused: (version: Int64, reason: String)) -> String {
        "\(peer) offers membership version \(refused.version), which this node refused: \(refused.reason)"
    }

    /// When this node received the oldest entry that a peer with version vector `theirs` lacks (the first missing
    /// position of each feed); nil when it lacks none. The peer's replication lag in time is now minus this.
    public func oldestHeldSince(lacking theirs: [String: Int64]) throws -> Int64? {
        var oldest: Int64?
        for (feed, seq) in try store.versionVector() where seq > theirs[feed] ?? 0 {
            guard case .entry(let stored)? = try store.feedItems(author: feed, after: theirs[feed] ?? 0, limit: 1).first
            else { continue }
            oldest = min(oldest ?? .max, stored.receivedAt)
        }
        return oldest
    }

    /// Replaces config.json with `config`: a new 0600 file beside it, renamed over it.
    static func rewriteConfig(_ config: NodeConfig, at path: String) throws {
        let temporary = path + ".new"
        if SecureFile.exists(temporary) { try? FileManager.default.removeItem(atPath: temporary) }
        try SecureFile.createNew(temporary, Array((config.json.prettyText() + "\n").utf8))
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw NodeError("cannot replace \(path): \(reason)")
        }
    }
}

extension PeersStatusResponse.Peer {
    /// `ok`, `unreachable`, `never contacted`, `not a member` or `former`.
    public var state: String {
        switch link {
        case "not-a-member": "not a member"
        case "former": "former"
        default: reachable.map { $0 ? "ok" : "unreachable" } ?? "never contacted"
        }
    }

    /// `in step`; `+3 -1 (12.0 s)`: entries the peer lacks and this node lacks, and how long the oldest it lacks
    /// has been held here; for a peer whose last exchange failed, as of its last answer, or `unknown`.
    public var lagSummary: String {
        let stale = link == "peer" && reachable != true
        if lag.isEmpty { return stale ? "unknown" : "in step" }
        return "+\(entriesBehind) -\(entriesAhead)" + (lagMillis.map { " (\(seconds($0)))" } ?? "")
            + (stale ? " as of its last answer" : "")
    }
}
