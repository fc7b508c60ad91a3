// Same-as links at the node: authoring a link or its removal, and resolving the clusters this node shows
// (Model/SameAsLink.swift states the link record, Merge/SameAsClusters.swift the resolution).
//
// A link is a write to the link record of its pair, through the ordinary write path (signed, admitted, merged,
// replicated, audited like any entry), plus a `link` or `unlink` log row in the same transaction. Before anything is
// signed the node checks what only the author can check: both records are held here (a receiver cannot refuse a link
// to a record it has not received yet without breaking convergence, so this is a write-time rule), the pair is two
// distinct POLE records of one type (checked again on receipt), the reason is well formed (likewise), and the link's
// audience reaches no force that one of the two records does not reach: a link never tells a force about a record
// that force was not given. The caller's right to see both records is the session's to check (NodeSession.swift).

import InterforceCore
import InterforceStore

/// A link refused before anything was signed; `code` is stable and said in the message.
public struct LinkRefusal: Error, CustomStringConvertible, Sendable {
    public let code: String
    public let message: String
    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
    init(_ rejection: Rejection) { self.init(rejection.code.rawValue, rejection.message) }
    public var description: String { "link refused (\(code)): \(message)" }
}

extension Node {
    /// The active links this node holds, resolved into clusters; `include` filters the link records (a caller's
    /// view counts only the links that caller may read).
    public func sameAsClusters(including include: (RecordState) -> Bool = { _ in true }) throws -> SameAsClusters {
        var q = RecordQuery()
        q.type = .link
        q.limit = Int(Int32.max)
        return SameAsClusters(try store.search(q).filter(include).compactMap(SameAsLink.init))
    }

    /// Links `a` and `b` as one person, object, location or event: adds this officer's assertion to the pair's link
    /// record. The link's audience is `audience`, or by default every force and group both records reach here; its
    /// classification is the higher of the two records'.
    @discardableResult
    public func link(_ a: String, _ b: String, reason: String, audience: Audience? = nil, officer: String) throws
        -> Entry {
        let (first, second) = try linkable(a, b, reason: reason)
        let held = try store.recordState(LinkRules.linkID(a, b))
        // This force's own audience on the link if it wrote to it before, else where both records go.
        let audience = try audience ?? held?.audience(of: config.force) ?? defaultLinkAudience(first, second)
        for member in [first, second] {
            if let force = try unreached(by: member, of: audience) {
                throw LinkRefusal(
                    "link-audience",
                    "record \(member.id) is not shared with \(force), which this link would reach; "
                        + "give --audience within both records' audiences")
            }
        }
        let statement: JSONValue = ["officer": .string(officer), "reason": .string(reason)]
        let document: JSONValue = ["pair": .string(LinkRules.pair(a, b)), "assertions": [statement]]
        let marking = max(first.classification ?? .official, second.classification ?? .official)
        return try store.transaction {
            let entry = try create(
                type: .link, document: document, classification: held.map(writeClassification) ?? marking,
                audience: audience, officer: officer)
            try logLink("link", entry, first.id, second.id, officer: officer)
            return entry
        }
    }

    /// Removes the link between `a` and `b`: removes every assertion this node holds of it (an assertion it has
    /// not yet received survives, as add-wins sets do) and records who and why.
    @discardableResult
    public func unlink(_ a: String, _ b: String, reason: String, officer: String) throws -> Entry {
        let (first, second) = try linkable(a, b, reason: reason)
        let id = LinkRules.linkID(a, b)
        guard let state = try store.recordState(id), let link = SameAsLink(state), link.isActive else {
            throw LinkRefusal("link-absent", "records \(first.id) and \(second.id) are not linked on this node")
        }
        let patch: JSONValue = [
            "remove": ["assertions": .array(link.assertions.map(\.value))],
            "set": ["removal": ["officer": .string(officer), "reason": .string(reason)]],
        ]
        // Where the link went, not only to the forces that wrote to it (the default for a shared record), so the
        // removal reaches every force the link reached.
        let audience = state.audience(of: config.force) ?? reach(state)
        return try store.transaction {
            let entry = try update(recordID: id, patch: patch, audience: audience, officer: officer)
            try logLink("unlink", entry, first.id, second.id, officer: officer)
            return entry
        }
    }

    /// The two records, held here, that may be linked with `reason`.
    private func linkable(_ a: String, _ b: String, reason: String) throws -> (RecordState, RecordState) {
        for id in [a, b] where !Identifiers.isRecordID(id) {
            throw LinkRefusal("link-unknown-record", "'\(id.prefix(60))' is not a record id")
        }
        if let problem = LinkRules.pairProblem(a, b) { throw LinkRefusal(problem) }
        if let problem = LinkRules.reasonProblem(reason) { throw LinkRefusal("link-reason", "link reason \(problem)") }
        var states: [RecordState] = []
        for id in [a, b] {
            guard let state = try store.recordState(id), !state.isErased else {
                throw LinkRefusal("link-unknown-record", "no record \(id) on this node")
            }
            states.append(state)
        }
        return (states[0], states[1])
    }

    /// Where `state`'s record goes as this node knows it: its owner and the owner's audience, or on a shared record
    /// every contributor that has not withdrawn and its audience.
    func reach(_ state: RecordState) -> Audience {
        var forces: Set<String> = [], groups: Set<String> = []
        let forcesThatCount = state.owner.map { [$0] } ?? state.contributions.keys.filter { !state.hasErased($0) }
        for force in forcesThatCount {
            forces.insert(force)
            if let a = state.audience(of: force) {
                forces.formUnion(a.forces)
                groups.formUnion(a.groups)
            }
        }
        return (try? Audience(forces: forces, groups: groups)) ?? .authorForceOnly
    }

    /// A force `audience` reaches that `state`'s record does not, if there is one. A group reaches its member
    /// forces; without a membership, only the groups the record names itself count as reached.
    func unreached(by state: RecordState, of audience: Audience) throws -> String? {
        let reach = reach(state)
        func reached(_ force: String) -> Bool {
            force == config.force || isEntitled(force: force, to: reach, authorForce: "")
        }
        for force in audience.forces where !reached(force) { return force }
        for group in audience.groups where !reach.groups.contains(group) {
            let members = membership?.members.filter { $0.groups.contains(group) }.map(\.force) ?? []
            if members.isEmpty { return "group \(group)" }
            if let force = members.first(where: { !reached($0) }) { return force }
        }
        return nil
    }

    /// The forces and groups both records reach (this force aside: it always receives its own entries).
    func defaultLinkAudience(_ a: RecordState, _ b: RecordState) throws -> Audience {
        let ra = reach(a), rb = reach(b)
        let groups = Set(ra.groups).union(rb.groups).filter { g in
            [a, b].allSatisfy { (try? unreached(by: $0, of: Audience(groups: [g]))) == .some(nil) }
        }
        let forces = Set(ra.forces).union(rb.forces).subtracting([config.force]).filter { f in
            [a, b].allSatisfy { (try? unreached(by: $0, of: Audience(forces: [f]))) == .some(nil) }
        }
        return try Audience(forces: forces, groups: groups)
    }

    private func logLink(_ kind: String, _ entry: Entry, _ a: String, _ b: String, officer: String) throws {
        try store.appendLog(
            LogEvent(
                kind: kind, officer: officer, author: entry.header.author, record: entry.header.record,
                entry: entry.hash.hex, detail: ["records": [.string(a), .string(b)], "seq": .int(entry.header.seq)]),
            at: now())
    }
}
