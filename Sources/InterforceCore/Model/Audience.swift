// Who may hold an entry: a set of forces and a set of groups of forces (decision 4 of the brief).
//
// The author's own force is always entitled; an empty audience means "my force only". Group membership is
// resolved against the federation membership document by the node, not here.

public struct Audience: Sendable, Hashable {
    public let forces: [String]   // sorted, unique
    public let groups: [String]   // sorted, unique

    /// The empty audience: the author's force only.
    public static let authorForceOnly = Audience(sortedForces: [], groups: [])

    private init(sortedForces: [String], groups: [String]) {
        self.forces = sortedForces
        self.groups = groups
    }

    public init(forces: some Sequence<String> = [], groups: some Sequence<String> = []) throws(ModelError) {
        let f = Array(Set(forces)).sorted(), g = Array(Set(groups)).sorted()
        for name in f + g where !Identifiers.isSlug(name) {
            throw ModelError("audience name '\(name.prefix(40))' is not a valid force or group slug")
        }
        self.forces = f
        self.groups = g
    }

    /// Parses `force:surrey,group:south-east` (the CLI form); a bare name is a force.
    public init(parsing text: String) throws(ModelError) {
        var forces: [String] = [], groups: [String] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters() }) where !part.isEmpty {
            if part.hasPrefix("group:") { groups.append(String(part.dropFirst(6))) }
            else if part.hasPrefix("force:") { forces.append(String(part.dropFirst(6))) }
            else { forces.append(part) }
        }
        try self.init(forces: forces, groups: groups)
    }

    public var json: JSONValue {
        .object(["forces": .array(forces.map { .string($0) }), "groups": .array(groups.map { .string($0) })])
    }

    public init(json: JSONValue) throws(ModelError) {
        guard let object = json.object, Set(object.keys) == ["forces", "groups"],
              let f = object["forces"]?.array, let g = object["groups"]?.array
        else { throw ModelError("audience must be an object with exactly 'forces' and 'groups' arrays") }
        let fs = f.compactMap(\.string), gs = g.compactMap(\.string)
        guard fs.count == f.count, gs.count == g.count else { throw ModelError("audience names must be strings") }
        guard fs == Array(Set(fs)).sorted(), gs == Array(Set(gs)).sorted() else {
            throw ModelError("audience arrays must be sorted and free of repeats")
        }
        try self.init(forces: fs, groups: gs)
    }

    /// Whether a force that belongs to `groupsOfForce` may hold entries with this audience, given the author's force.
    public func admits(force: String, groupsOfForce: Set<String>, authorForce: String) -> Bool {
        force == authorForce || forces.contains(force) || groups.contains(where: groupsOfForce.contains)
    }

    public var summary: String {
        let parts = forces.map { "force:\($0)" } + groups.map { "group:\($0)" }
        return parts.isEmpty ? "(author's force only)" : parts.joined(separator: ",")
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
