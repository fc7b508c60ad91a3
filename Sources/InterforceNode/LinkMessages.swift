// The local API's messages for same-as links and the duplicate scan (LocalMessages.swift has the rest; the wire is
// docs/PROTOCOL.md §10 and Schemas/local-api.schema.json): `link` asks for a link or its removal, `dedup-scan` for
// the ranked pairs a scan proposes, and a cluster travels with `record-show`'s answer.

public import InterforceCore

/// `link`: join two records as one (`same-as`) or remove that link (`remove`). The officer is the caller.
public struct LinkRequest: LocalMessage {
    public enum Action: String, Sendable { case sameAs = "same-as", remove }
    public let requestId: String
    public let action: Action
    public let records: [String]
    public let reason: String
    /// Only for `same-as`; nil: where both records go.
    public let audience: Audience?

    public init(requestId: String, action: Action, records: [String], reason: String, audience: Audience? = nil) {
        self.requestId = requestId
        self.action = action
        self.records = records
        self.reason = reason
        self.audience = audience
    }

    public var json: JSONValue {
        [
            "requestId": .string(requestId), "action": .string(action.rawValue),
            "records": .array(records.map { .string($0) }), "reason": .string(reason),
            "audience": audience?.json ?? .null,
        ]
    }

    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "link", ["requestId", "action", "records", "reason", "audience"])
        guard let action = Action(rawValue: try f.string("action")) else {
            throw NodeError("link.action: must be same-as or remove")
        }
        let records = try f.strings("records")
        guard records.count == 2 else { throw NodeError("link.records: expected exactly two record ids") }
        let audience = try parseAudience(f.value("audience"), "link.audience")
        if action == .remove, audience != nil { throw NodeError("link.audience: only for same-as") }
        self.init(requestId: try requestID(f), action: action, records: records, reason: try f.string("reason"),
                  audience: audience)
    }
}

/// The cluster a record belongs to, as the caller may see it: the members (the record asked for among them), the
/// active links that join them, and the records that refer to a member by id (case files, notes, images).
public struct ClusterView: Sendable {
    public let representative: String
    public let members: [RecordState]
    public let links: [RecordState]
    public let references: [RecordState]

    public init(representative: String, members: [RecordState], links: [RecordState], references: [RecordState]) {
        self.representative = representative
        self.members = members
        self.links = links
        self.references = references
    }

    public var json: JSONValue {
        [
            "representative": .string(representative), "members": .array(members.map(\.json)),
            "links": .array(links.map(\.json)), "references": .array(references.map(\.json)),
        ]
    }

    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "cluster", ["representative", "members", "links", "references"])
        func states(_ name: String) throws(NodeError) -> [RecordState] {
            var out: [RecordState] = []
            for r in try f.array(name) { out.append(try recordState(r, "cluster.\(name)[]")) }
            return out
        }
        self.init(representative: try f.string("representative"), members: try states("members"),
                  links: try states("links"), references: try states("references"))
    }
}

/// `dedup-scan`: the suspected duplicates among the records of one type the caller may read.
public struct DedupScanRequest: LocalMessage {
    public let type: RecordType
    public let limit: Int
    public let purpose: Purpose

    public init(type: RecordType, limit: Int = 50, purpose: Purpose) {
        self.type = type
        self.limit = limit
        self.purpose = purpose
    }

    public var json: JSONValue { ["type": .string(type.rawValue), "limit": .int(Int64(limit)), "purpose": purpose.json] }

    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "dedup-scan", ["type", "limit", "purpose"])
        guard let type = RecordType(rawValue: try f.string("type")), DedupScanRequest.types.contains(type) else {
            throw NodeError("dedup-scan.type: must be person, object or location")
        }
        let limit = try f.int("limit")
        guard (1...10_000).contains(limit) else { throw NodeError("dedup-scan.limit: must be 1 to 10000") }
        self.init(type: type, limit: Int(limit), purpose: try Purpose(json: try f.require("purpose")))
    }

    /// The types a scan can match.
    public static let types: [RecordType] = [.person, .object, .location]
}

/// What a scan proposes: ranked pairs with their evidence, never a link.
public struct DedupScanResponse: LocalMessage {
    public let type: RecordType
    /// Records scanned, pairs scored, the threshold (tenths of a bit), pairs proposed in all (before the limit,
    /// without those already linked), and blocks too large to expand.
    public let records: Int64
    public let compared: Int64
    public let threshold: Int64
    public let proposed: Int64
    public let alreadyLinked: Int64
    public let skippedBlocks: Int64
    public let proposals: [SuspectedDuplicate]

    public init(type: RecordType, records: Int64, compared: Int64, threshold: Int64, proposed: Int64,
                alreadyLinked: Int64, skippedBlocks: Int64, proposals: [SuspectedDuplicate]) {
        self.type = type
        self.records = records
        self.compared = compared
        self.threshold = threshold
        self.proposed = proposed
        self.alreadyLinked = alreadyLinked
        self.skippedBlocks = skippedBlocks
        self.proposals = proposals
    }

    public var json: JSONValue {
        [
            "type": .string(type.rawValue), "records": .int(records), "compared": .int(compared),
            "threshold": .int(threshold), "proposed": .int(proposed), "alreadyLinked": .int(alreadyLinked),
            "skippedBlocks": .int(skippedBlocks),
            "proposals": .array(proposals.map { p in
                [
                    "first": .string(p.first), "second": .string(p.second), "score": .int(Int64(p.score)),
                    "evidence": .array(p.evidence.map { e in
                        [
                            "field": .string(e.field), "finding": .string(e.finding), "first": .string(e.first),
                            "second": .string(e.second), "weight": .int(Int64(e.weight)), "note": opt(e.note),
                        ]
                    }),
                ]
            }),
        ]
    }

    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(
            json, "dedup-scan result",
            ["type", "records", "compared", "threshold", "proposed", "alreadyLinked", "skippedBlocks", "proposals"])
        guard let type = RecordType(rawValue: try f.string("type")) else { throw NodeError("type: unknown") }
        var proposals: [SuspectedDuplicate] = []
        for p in try f.array("proposals") {
            let pf = try Fields(p, "proposal", ["first", "second", "score", "evidence"])
            var evidence: [Evidence] = []
            for e in try pf.array("evidence") {
                let ef = try Fields(e, "evidence", ["field", "finding", "first", "second", "weight", "note"])
                evidence.append(Evidence(try ef.string("field"), try ef.string("finding"), try ef.string("first"),
                                         try ef.string("second"), weight: Int(try ef.int("weight")),
                                         note: try ef.optionalString("note")))
            }
            proposals.append(SuspectedDuplicate(first: try pf.string("first"), second: try pf.string("second"),
                                                score: Int(try pf.int("score")), evidence: evidence))
        }
        self.init(type: type, records: try f.int("records"), compared: try f.int("compared"),
                  threshold: try f.int("threshold"), proposed: try f.int("proposed"),
                  alreadyLinked: try f.int("alreadyLinked"), skippedBlocks: try f.int("skippedBlocks"),
                  proposals: proposals)
    }
}
