// Resolving same-as links into clusters: which records a node shows as one person, object, place or event.
//
// A link record (Model/SameAsLink.swift) is *active* when it is not erased, its `pair` register is held and at least
// one of its `assertions` is present (the add-wins set rule of RecordState.swift). The clusters are the connected
// components of the graph whose vertices are record ids and whose edges are the active links' pairs; a record in no
// active link is a cluster of one. A cluster's *representative* is its smallest id (byte order). Union and sorting
// make this a function of the set of active pairs alone, so every node that holds the same link entries computes
// the same clusters and representatives, in whatever order the entries arrived. Nothing is deleted or rewritten: a
// link only groups records for reading, and removing it (its assertions removed) splits the cluster again.

/// One link record as the resolver reads it.
public struct SameAsLink: Sendable, Equatable {
    public let id: String
    /// The pair, smaller id first.
    public let first: String
    public let second: String
    /// The present assertions (`{officer, reason}`), each with the stamps of the adds that keep it.
    public let assertions: [(value: JSONValue, adds: [Stamp])]
    /// The last unlink, if any: who and why.
    public let removal: Register?

    public var isActive: Bool { !assertions.isEmpty }

    /// The link that `state` holds, if it is a link record with its pair (erased links hold no fields).
    public init?(_ state: RecordState) {
        guard state.type == .link, !state.isErased, let pair = state.registers["pair"]?.value.string else { return nil }
        let parts = pair.split(separator: " ").map(String.init)
        guard parts.count == 2 else { return nil }
        id = state.id
        (first, second) = (parts[0], parts[1])
        assertions = state.present("assertions")
        removal = state.registers["removal"]
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.id == b.id && a.assertions.map(\.value) == b.assertions.map(\.value)
            && a.assertions.map(\.adds) == b.assertions.map(\.adds) && a.removal == b.removal
    }
}

public struct SameAsClusters: Sendable {
    /// Representative of each record in a cluster of two or more.
    private var representatives: [String: String] = [:]
    /// Members of each cluster of two or more, sorted, by representative.
    public private(set) var members: [String: [String]] = [:]
    /// The active links, by id.
    public private(set) var links: [String: SameAsLink] = [:]

    /// The clusters of the active links among `links` (inactive ones are ignored).
    public init(_ links: [SameAsLink]) {
        var parent: [String: String] = [:]
        func find(_ x: String) -> String {
            var root = x
            while let p = parent[root], p != root { root = p }
            var node = x
            while let p = parent[node], p != root { parent[node] = root; node = p }
            return root
        }
        for link in links where link.isActive {
            self.links[link.id] = link
            for id in [link.first, link.second] where parent[id] == nil { parent[id] = id }
            let (ra, rb) = (find(link.first), find(link.second))
            if ra != rb {
                // The smaller id becomes the root, so a root is always its component's smallest id.
                if Self.precedes(ra, rb) { parent[rb] = ra } else { parent[ra] = rb }
            }
        }
        for id in parent.keys { members[find(id), default: []].append(id) }
        for (root, ids) in members {
            members[root] = ids.sorted(by: Self.precedes)
            for id in ids { representatives[id] = root }
        }
    }

    static func precedes(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(b.utf8) }

    /// The smallest id of the cluster `id` belongs to (`id` itself when it is linked to nothing).
    public func representative(of id: String) -> String { representatives[id] ?? id }

    /// The ids of the cluster `id` belongs to, sorted (just `[id]` when it is linked to nothing).
    public func cluster(of id: String) -> [String] { members[representative(of: id)] ?? [id] }

    /// The active links whose both ends are in the cluster of `id`, by id.
    public func links(of id: String) -> [SameAsLink] {
        let ids = Set(cluster(of: id))
        return links.values.filter { ids.contains($0.first) }.sorted { Self.precedes($0.id, $1.id) }
    }

    /// Every cluster of two or more records, as its sorted members, ordered by representative.
    public var clusters: [[String]] {
        members.keys.sorted(by: Self.precedes).map { members[$0]! }
    }
}
