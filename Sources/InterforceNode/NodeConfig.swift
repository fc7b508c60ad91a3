// A node's configuration and the layout of its data directory.
//
// <data>/config.json   force, feed id, groups, clock skew, federation settings, the officers' group (mode 0600)
// <data>/node.key      the Ed25519 seed in hex (mode 0600; never printed, never logged)
// <data>/store.db      the SQLite store (mode 0600, WAL)
// <data>/node.sock     the local socket while `serve` runs: 0600, or 0660 for the group `socketGroup`
// The directory itself is created 0700 (`serve` makes it 0710 for `socketGroup`, so officers can reach the socket
// and nothing else). `init` refuses to touch a directory that already holds any of these.

import Foundation
public import InterforceCore

public struct NodeConfig: Sendable, Equatable {
    public var force: String
    public var feed: String
    public var groups: [String]
    public var maxSkewMillis: Int64
    /// The Unix group whose members (officers) may connect to the local socket; nil: the node's account only.
    public var socketGroup: String?
    /// Federation settings (see docs/OPERATIONS.md); all optional for a node that does not serve.
    public var authority: String?          // hex Ed25519 public key of the federation authority
    public var listen: String?             // host:port for the peer HTTPS server
    public var tlsCertificate: String?     // PEM paths
    public var tlsKey: String?
    public var tlsCA: String?
    public var peers: [String] = []        // forces this node connects to
    public var syncIntervalSeconds: Int64 = 10
    /// Below this much free space on the store's filesystem, `status` and `/healthz` warn (DiskSpace.swift).
    public var diskWarningMegabytes: Int64 = 1024
    public var diskWarningBytes: Int64 { diskWarningMegabytes << 20 }

    public init(force: String, feed: String, groups: [String] = [], maxSkewMillis: Int64 = Admission.defaultMaxSkewMillis) {
        self.force = force
        self.feed = feed
        self.groups = groups
        self.maxSkewMillis = maxSkewMillis
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "version": 1, "force": .string(force), "feed": .string(feed),
            "groups": .array(groups.map { .string($0) }), "maxSkewMillis": .int(maxSkewMillis),
        ]
        if let socketGroup { o["socketGroup"] = .string(socketGroup) }
        if let authority { o["authority"] = .string(authority) }
        if let listen { o["listen"] = .string(listen) }
        if let tlsCertificate { o["tlsCertificate"] = .string(tlsCertificate) }
        if let tlsKey { o["tlsKey"] = .string(tlsKey) }
        if let tlsCA { o["tlsCA"] = .string(tlsCA) }
        if !peers.isEmpty { o["peers"] = .array(peers.map { .string($0) }) }
        o["syncIntervalSeconds"] = .int(syncIntervalSeconds)
        o["diskWarningMegabytes"] = .int(diskWarningMegabytes)
        return .object(o)
    }

    public init(json: JSONValue, file: String) throws(NodeError) {
        guard let o = json.object else { throw NodeError("\(file): expected a JSON object") }
        let known: Set<String> = ["version", "force", "feed", "groups", "maxSkewMillis", "socketGroup", "authority",
                                  "listen", "tlsCertificate", "tlsKey", "tlsCA", "peers", "syncIntervalSeconds",
                                  "diskWarningMegabytes"]
        for retired in ["defaultOfficer", "defaultPurpose"] where o[retired] != nil {
            throw NodeError("\(file): '\(retired)' is no longer used: officers are the Unix accounts registered with "
                            + "'interforce officer add', and every read states its own purpose; remove it")
        }
        if let extra = Set(o.keys).subtracting(known).sorted().first {
            throw NodeError("\(file): unknown setting '\(extra.prefix(40))'")
        }
        guard o["version"]?.int == 1 else { throw NodeError("\(file): unsupported or missing 'version' (expected 1)") }
        guard let force = o["force"]?.string, Identifiers.isSlug(force) else {
            throw NodeError("\(file): 'force' must be a force slug such as hampshire")
        }
        guard let feed = o["feed"]?.string, Identifiers.isFeedID(feed), Identifiers.force(ofFeed: feed) == force else {
            throw NodeError("\(file): 'feed' must be <force>/<16 hex digits> for force \(force)")
        }
        let groups = (o["groups"]?.array ?? []).compactMap(\.string)
        guard groups.allSatisfy(Identifiers.isSlug), groups.count == (o["groups"]?.array ?? []).count else {
            throw NodeError("\(file): 'groups' must be an array of group slugs")
        }
        let skew = o["maxSkewMillis"]?.int ?? Admission.defaultMaxSkewMillis
        guard skew >= 0 else { throw NodeError("\(file): 'maxSkewMillis' must be >= 0") }
        self.init(force: force, feed: feed, groups: groups, maxSkewMillis: skew)
        if let a = o["authority"] {
            guard let hex = a.string, Identifiers.isLowerHex(hex, count: 64) else {
                throw NodeError("\(file): 'authority' must be the authority's Ed25519 public key in lowercase hex")
            }
            authority = hex
        }
        func text(_ key: String) throws(NodeError) -> String? {
            guard let v = o[key] else { return nil }
            guard let s = v.string, !s.isEmpty else { throw NodeError("\(file): '\(key)' must be a non-empty string") }
            return s
        }
        socketGroup = try text("socketGroup")
        if let g = socketGroup, !Officer.isAccountName(g) {
            throw NodeError("\(file): 'socketGroup' must be a Unix group name")
        }
        listen = try text("listen")
        tlsCertificate = try text("tlsCertificate")
        tlsKey = try text("tlsKey")
        tlsCA = try text("tlsCA")
        let peerList = (o["peers"]?.array ?? []).compactMap(\.string)
        guard peerList.count == (o["peers"]?.array ?? []).count, peerList.allSatisfy(Identifiers.isSlug) else {
            throw NodeError("\(file): 'peers' must be an array of force slugs")
        }
        peers = peerList
        if let interval = o["syncIntervalSeconds"] {
            guard let i = interval.int, (1...3600).contains(i) else {
                throw NodeError("\(file): 'syncIntervalSeconds' must be 1 to 3600")
            }
            syncIntervalSeconds = i
        }
        if let warning = o["diskWarningMegabytes"] {
            guard let mb = warning.int, (0...1_048_576).contains(mb) else {
                throw NodeError("\(file): 'diskWarningMegabytes' must be 0 to 1048576")
            }
            diskWarningMegabytes = mb
        }
    }
}

/// Paths inside a data directory.
public struct DataDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }
    public var config: String { path + "/config.json" }
    public var key: String { path + "/node.key" }
    public var store: String { path + "/store.db" }
    public var socket: String { path + "/node.sock" }
}
