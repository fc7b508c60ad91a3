// Reading through same-as links for a caller: the cluster `record show` adds to a record, and the duplicate scan.
//
// A caller's clusters count only the link records that caller may read, and show only the members and referring
// records that caller may read (Policy.swift), so a link never reveals a record its reader may not see. Every
// record of a cluster that is shown is logged as read, as any `record show` is: a `read` row per member and per
// referring record (view `cluster` or `reference`, with the record asked for), after the asked record's own row. A
// scan is one `scan` row with its purpose and counts, and proposes only: it never links.

import InterforceCore
import InterforceStore

extension Node {
    /// The caller's clusters: resolved from the link records the caller may read.
    func clusters(for caller: Caller) throws -> SameAsClusters {
        try sameAsClusters(including: { mayRead(caller, $0) })
    }

    /// The cluster of `id` as `caller` may see it, with the records that refer to its members; nil when `id` is
    /// linked to nothing the caller may see and nothing refers to it. Logs a read of each record shown.
    func clusterView(of id: String, _ caller: Caller, _ purpose: Purpose) throws -> ClusterView? {
        guard let type = RecordType(recordID: id), type.isPOLE else { return nil }
        let clusters = try clusters(for: caller)
        var members: [RecordState] = []
        for member in clusters.cluster(of: id) {
            if let state = try store.recordState(member), mayRead(caller, state) { members.append(state) }
        }
        let ids = Set(members.map(\.id))
        let links = try clusters.links(of: id).compactMap { link -> RecordState? in
            guard ids.contains(link.first), ids.contains(link.second) else { return nil }
            return try store.recordState(link.id)
        }
        let references = try referring(to: ids, caller)
        guard members.count > 1 || !references.isEmpty else { return nil }
        for member in members where member.id != id {
            try logRead("read", purpose, record: member.id, detail: ["view": "cluster", "via": .string(id)])
        }
        for reference in references {
            try logRead("read", purpose, record: reference.id, detail: ["view": "reference", "via": .string(id)])
        }
        return ClusterView(representative: clusters.representative(of: id), members: members, links: links,
                           references: references)
    }

    /// Records the caller may read whose `entities` name one of `ids`, newest update first. Candidates come from
    /// the full-text index (a record's words include the ids it names); each is then checked field by field.
    func referring(to ids: Set<String>, _ caller: Caller) throws -> [RecordState] {
        var found: [String: RecordState] = [:]
        for id in ids.sorted() {
            var q = RecordQuery()
            q.text = id
            q.limit = 1000
            for state in try store.search(q) where found[state.id] == nil && mayRead(caller, state) {
                let named = state.present("entities").contains { $0.value["record"]?.string == id }
                if named { found[state.id] = state }
            }
        }
        return found.values.sorted {
            ($0.updated?.clock ?? .zero, $1.id) > ($1.updated?.clock ?? .zero, $0.id)
        }
    }

    /// Query results with each cluster once: a result whose cluster (as the caller resolves it) already gave an
    /// earlier result is left out. Returns the results and, for those in a cluster of two or more, its members.
    func collapsingClusters(_ results: [RecordState], _ clusters: SameAsClusters) -> (
        kept: [RecordState], members: [String: [String]]
    ) {
        var seen = Set<String>(), kept: [RecordState] = [], members: [String: [String]] = [:]
        for state in results {
            let representative = clusters.representative(of: state.id)
            guard seen.insert(representative).inserted else { continue }
            kept.append(state)
            let cluster = clusters.cluster(of: state.id)
            if cluster.count > 1 { members[state.id] = cluster }
        }
        return (kept, members)
    }

    /// The duplicate scan over the records of `type` the caller may read, without the pairs already in one
    /// cluster: at most `limit` proposals, highest score first. Logged as one `scan` row.
    func dedupScan(_ type: RecordType, limit: Int, _ caller: Caller, _ purpose: Purpose) throws -> DedupScanResponse {
        var q = RecordQuery()
        q.type = type
        q.limit = Int(Int32.max)
        let records = try store.search(q).filter { mayRead(caller, $0) }
        guard let report = DuplicateScan.run(stored: records, type: type) else {
            throw NodeError("the duplicate scan matches person, object and location records, not \(type.rawValue)")
        }
        let clusters = try clusters(for: caller)
        let fresh = report.proposals.filter { clusters.representative(of: $0.first) != clusters.representative(of: $0.second) }
        let response = DedupScanResponse(
            type: type, records: Int64(report.records), compared: Int64(report.comparedPairs),
            threshold: Int64(report.threshold), proposed: Int64(fresh.count),
            alreadyLinked: Int64(report.proposals.count - fresh.count), skippedBlocks: Int64(report.skippedBlocks.count),
            proposals: Array(fresh.prefix(limit)))
        try logRead(
            "scan", purpose, record: nil,
            detail: [
                "type": .string(type.rawValue), "records": .int(response.records), "compared": .int(response.compared),
                "threshold": .int(response.threshold), "proposed": .int(response.proposed),
                "alreadyLinked": .int(response.alreadyLinked), "shown": .int(Int64(response.proposals.count)),
            ])
        return response
    }
}
