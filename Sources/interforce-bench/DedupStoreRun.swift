// `interforce-bench dedup --store`: the same synthetic people written as `person` records into a node's store
// (each a signed entry through the node's ordinary write path; not timed), then `dedup scan` asked of the node
// through its local API exactly as the CLI asks it: policy, loading and decoding every person record from SQLite,
// mapping, blocking, scoring, ranking, the `scan` log row (timed).

import Foundation
import InterforceCore
import InterforceNode
import InterforceStore

struct DedupStoreResult {
    let loadSeconds: Double
    let scanSeconds: Double
    let proposed: Int64
}

/// The person document a synthetic record becomes (a partial date of birth is left out: the field takes a full one).
func personDocument(_ r: PersonRecord) -> JSONValue {
    var o: [String: JSONValue] = ["forenames": .string(r.forenames.isEmpty ? "-" : String(r.forenames.prefix(100))),
                                  "surname": .string(r.surname.isEmpty ? "-" : String(r.surname.prefix(100)))]
    if let d = r.dateOfBirth?.description, TextFormat.date.matches(d) { o["dateOfBirth"] = .string(d) }
    if let s = r.sex { o["sex"] = .string(s.rawValue) }
    if let a = r.address, !a.isEmpty { o["address"] = .string(String(a.prefix(500))) }
    if let p = r.postcode, TextFormat.postcode.matches(p) { o["postcode"] = .string(p) }
    if let pnc = r.pncID, TextFormat.personID.matches("PNC " + pnc) { o["nationalId"] = .string("PNC " + pnc) }
    return .object(o)
}

func dedupThroughStore(_ records: [PersonRecord], directory: String) throws -> DedupStoreResult {
    let dir = DataDirectory(directory + "/node")
    let node = try Node.initialize(dataDirectory: dir, force: "nottinghamshire")
    let (_, loadSeconds) = try timed {
        try node.transaction {
            for r in records {
                try node.create(type: .person, document: personDocument(r), officer: "bench")
            }
        }
    }
    let local = LocalNode(service: NodeService(node), replicator: nil)
    let api = local.session(uid: geteuid())
    _ = try api.addOfficer(OfficerAddRequest(requestId: RequestID.new(), account: NSUserName(), collar: "DS 1",
                                             name: "Bench", force: nil, roles: [.analyst], clearance: .official))
    let (report, scanSeconds) = try timed {
        try api.dedupScan(DedupScanRequest(type: .person, limit: 50, purpose: try Purpose(parsing: "audit: bench")))
    }
    return DedupStoreResult(loadSeconds: loadSeconds, scanSeconds: scanSeconds, proposed: report.proposed)
}
