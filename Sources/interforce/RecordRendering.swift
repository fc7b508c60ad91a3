// How records and entries look to an officer at a terminal: every field with the force that wrote it and when,
// every value escaped for the terminal.

import InterforceCore
import InterforceNode

func renderRecord(_ state: RecordState) -> String {
    var lines: [String] = []
    let classification = state.classification?.rawValue ?? "-"
    if let owner = state.owner {
        let audience = state.audience?.summary ?? "- (\(owner) has not written to it)"
        lines.append("\(state.id)  \(state.type.rawValue)  \(classification)  owner \(owner)  audience \(audience)")
    } else {
        lines.append("\(state.id)  \(state.type.rawValue)  \(classification)  shared (no owner)")
        for force in state.contributions.keys.sorted() where !state.hasErased(force) {
            lines.append("audience of \(force): \(state.audience(of: force)?.summary ?? "-")")
        }
    }
    if let c = state.created { lines.append("created \(ISOTime.format(millis: c.clock.time)) by \(c.force) (\(c.author))") }
    if let u = state.updated { lines.append("updated \(ISOTime.format(millis: u.clock.time)) by \(u.force)") }
    if let e = state.erasure {
        lines.append("ERASED \(ISOTime.format(millis: e.stamp.clock.time)) by \(e.stamp.force): \(Terminal.text(e.reason ?? "-"))")
        return lines.joined(separator: "\n")
    }
    for (force, c) in state.contributions.sorted(by: { $0.key < $1.key }) where force != state.owner {
        if let e = c.erasure {
            lines.append("withdrawn by \(force) \(ISOTime.format(millis: e.stamp.clock.time)): \(Terminal.text(e.reason ?? "-"))")
        }
    }
    var rows: [[String]] = []
    let document = state.document.object ?? [:], provenance = state.provenance.object ?? [:]
    for spec in RecordSchema.of(state.type).fields {
        guard let value = document[spec.name] else { continue }
        func cell(_ v: JSONValue) -> String { v.string ?? v.canonicalText }
        func who(_ p: JSONValue?) -> [String] { [p?["force"]?.string ?? "-", p?["at"]?.string ?? "-"] }
        if spec.perForce, spec.kind == .register {
            for (force, register) in state.perForceValues(spec.name) {
                rows.append(["\(spec.name) (\(force))", cell(register.value)] + who(register.stamp.provenance))
            }
        } else if spec.kind == .register {
            rows.append([spec.name, cell(value)] + who(provenance[spec.name]))
        } else {
            let p = provenance[spec.name]?.array ?? []
            for (i, v) in (value.array ?? []).enumerated() {
                rows.append(["\(spec.name)[\(i)]", cell(v)] + who(i < p.count ? p[i] : nil))
            }
        }
    }
    lines.append("")
    lines.append(table(["FIELD", "VALUE", "FORCE", "AT"], rows.map { [$0[0], $0[1], $0[2], $0[3]] }))
    return lines.joined(separator: "\n")
}

/// The cluster of a POLE record: each other member as `record show` shows it, the links with the officer, force,
/// time and reason of each assertion, and the records that refer to any member.
func renderCluster(_ cluster: ClusterView, shown: String) -> String {
    var lines: [String] = [""]
    let ids = cluster.members.map(\.id)
    if ids.count > 1 {
        lines.append("SAME AS: one of \(ids.count) records linked as one (representative \(cluster.representative))")
        for member in cluster.members where member.id != shown {
            lines.append("")
            lines.append(renderRecord(member))
        }
        lines.append("")
        var rows: [[String]] = []
        for state in cluster.links {
            guard let link = SameAsLink(state) else { continue }
            for assertion in link.assertions {
                let p = assertion.adds[0]
                rows.append(["\(link.first) = \(link.second)", assertion.value["officer"]?.string ?? "-", p.force,
                             ISOTime.format(millis: p.clock.time), assertion.value["reason"]?.string ?? "-"])
            }
        }
        lines.append(table(["LINK", "OFFICER", "FORCE", "AT", "REASON"], rows))
    }
    if !cluster.references.isEmpty {
        lines.append("")
        lines.append("REFERRED TO BY:")
        lines.append(table(["RECORD", "TYPE", "FORCE", "AS", "OF", "SUMMARY"], cluster.references.flatMap { state in
            let doc = state.document
            let summary = ["title", "interviewee", "imageHash"].lazy.compactMap { doc[$0]?.string }.first ?? ""
            return state.present("entities").compactMap { element -> [String]? in
                guard let member = element.value["record"]?.string, ids.contains(member) else { return nil }
                return [state.id, state.type.rawValue, element.adds[0].force, element.value["role"]?.string ?? "-",
                        member, String(summary.prefix(50))]
            }
        }))
    }
    return lines.joined(separator: "\n")
}

/// `record show -o json`'s `cluster`: the members' and links' views, and the referring records' views.
func clusterJSON(_ cluster: ClusterView) -> JSONValue {
    [
        "representative": .string(cluster.representative),
        "members": .array(cluster.members.map(\.view)),
        "links": .array(cluster.links.map(\.view)),
        "references": .array(cluster.references.map(\.view)),
    ]
}

func entryRow(_ envelope: EntryEnvelope) -> [String] {
    let h = envelope.entry.header
    return [ISOTime.format(millis: h.clock.time), h.force, "\(h.author)#\(h.seq)", h.op.rawValue,
            h.classification.rawValue, envelope.payload == nil ? "erased" : "\(h.payloadSize) B",
            String(envelope.entry.hash.hex.prefix(16))]
}
