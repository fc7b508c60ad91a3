// A node's configuration and the layout of its data directory.
//
// <data>/config.json   force, feed id, groups, clock skew, default officer and purpose (mode 0600)
// <data>/node.key      the Ed25519 seed in hex (mode 0600; never printed, never logged)
// <data>/store.db      the SQLite store (mode 0600, WAL)
// The directory itself is created 0700. `init` refuses to touch a directory that already holds any of these.

import Foundation
public import InterforceCore

public struct NodeConfig: Sendable, Equatable {
    public var force: String
    public var feed: String
    public var groups: [String]
    public var maxSkewMillis: Int64
    public var defaultOfficer: String?
    public var defaultPurpose: String?

    public init(force: String, feed: String, groups: [String] = [], maxSkewMillis: Int64 = Admission.defaultMaxSkewMillis,
                defaultOfficer: String? = nil, defaultPurpose: String? = nil) {
        self.force = force
        self.feed = feed
        self.groups = groups
        self.maxSkewMillis = maxSkewMillis
        self.defaultOfficer = defaultOfficer
        self.defaultPurpose = defaultPurpose
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "version": 1, "force": .string(force), "feed": .string(feed),
            "groups": .array(groups.map { .string($0) }), "maxSkewMillis": .int(maxSkewMillis),
        ]
        if let defaultOfficer { o["defaultOfficer"] = .string(defaultOfficer) }
        if let defaultPurpose { o["defaultPurpose"] = .string(defaultPurpose) }
        return .object(o)
    }

    public init(json: JSONValue, file: String) throws(NodeError) {
        guard let o = json.object else { throw NodeError("\(file): expected a JSON object") }
        let known: Set<String> = ["version", "force", "feed", "groups", "maxSkewMillis", "defaultOfficer",
                                  "defaultPurpose"]
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
        self.init(force: force, feed: feed, groups: groups, maxSkewMillis: skew,
                  defaultOfficer: o["defaultOfficer"]?.string, defaultPurpose: o["defaultPurpose"]?.string)
    }
}

/// Paths inside a data directory.
public struct DataDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }
    public var config: String { path + "/config.json" }
    public var key: String { path + "/node.key" }
    public var store: String { path + "/store.db" }
}
