// Peers follow the membership (issue 13, point 3). The node replicates with the forces in `peers` of config.json
// that the installed membership lists, at the endpoints it lists; a configured peer the membership does not list is
// a warning (`status`, `peers status`, /healthz), never a refusal to start, because a node can receive a version
// without a force from its peers at any time, and must not then fail its next start. `peers add|remove` change the
// configured list: config.json is rewritten whole (0600, by rename, so a crash leaves the old or the new file) and
// the change is logged (`peers-changed`); with `serve` running, the replication workers follow at once.

import Foundation
public import InterforceCore
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
