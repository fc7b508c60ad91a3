// The worked example of docs/DATA-MODEL.md §16.5, read from the document itself: its link entries are built as real
// entries (one feed per force, signed by a test key), every listed set of them is merged in several random orders,
// and the clusters, representatives and link ids must be the ones the document states.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

struct SameAsExampleTests {
    /// The lines of the fenced block whose info string is `json <tag>`, parsed.
    static func block(_ tag: String) throws -> [JSONValue] {
        let text = try String(contentsOfFile: Fixtures.packageRoot + "/docs/DATA-MODEL.md", encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: "```json \(tag)"), "no block \(tag) in DATA-MODEL.md")
        let end = try #require(lines[(start + 1)...].firstIndex(of: "```"))
        return try lines[(start + 1)..<end].map { try JSONValue(parsing: Array($0.utf8)) }
    }

    @Test func theDocumentsClustersAreWhatItsLinkEntriesGive() throws {
        let key = try SecretKey(seed: [UInt8](repeating: 7, count: 32))
        let specs = try Self.block("same-as-entries")
        try #require(specs.count == 5)
        var entries: [String: (entry: Entry, ops: Operations)] = [:]
        var heads: [String: Entry] = [:]
        for spec in specs {
            let name = try #require(spec["name"]?.string), force = try #require(spec["force"]?.string)
            let pair = try #require(spec["pair"]?.string)
            let ids = pair.split(separator: " ").map(String.init)
            #expect(LinkRules.pair(ids[1], ids[0]) == pair, "\(name): the pair is in byte order")
            #expect(spec["link"]?.string == LinkRules.linkID(ids[0], ids[1]), "\(name): the link id of §16.1")
            let statement: JSONValue = ["officer": try #require(spec["officer"]), "reason": try #require(spec["reason"])]
            var ops = Operations()
            if spec["op"] == "add" {
                ops.assign = ["pair": .string(pair)]
                ops.add = ["assertions": [statement]]
            } else {
                var removed: [(entry: Entry, ops: Operations)] = []
                for removes in spec["removes"]?.array ?? [] {
                    let earlier = try #require(removes.string)
                    removed.append(try #require(entries[earlier], "\(earlier) is listed before it is removed"))
                }
                ops.remove = ["assertions": removed.map {
                    Removal(value: $0.ops.add["assertions"]![0], tags: [$0.entry.hash.hex])
                }]
                ops.assign = ["removal": statement]
            }
            let payload = try Operations(json: ops.json, type: .link, op: .write)
            let bytes = ops.json.canonicalBytes
            let feed = "\(force)/0000000000000001"
            let header = EntryHeader(
                author: feed, key: key.publicKey, seq: (heads[feed]?.header.seq ?? 0) + 1, prev: heads[feed]?.hash,
                clock: HLCTimestamp(
                    time: try #require(spec["time"]?.int), tick: 0),
                record: LinkRules.linkID(ids[0], ids[1]), type: .link, op: .write, classification: .official,
                audience: try Audience(groups: ["east-midlands"]), origin: nil,
                payloadHash: SHA256Digest.hash(bytes), payloadSize: Int64(bytes.count))
            let entry = Entry(signing: header, with: key)
            heads[feed] = entry
            entries[name] = (entry, payload)
        }
        var rng = SeededRandom(seed: 16)
        for expected in try Self.block("same-as-clusters") {
            let names = try #require(expected["entries"]?.array).compactMap(\.string)
            let clusters = try #require(expected["clusters"]?.array).map { ($0.array ?? []).compactMap(\.string) }
            for _ in 0..<6 {
                var states: [String: RecordState] = [:]
                for name in names.shuffled(using: &rng) {
                    let (entry, ops) = entries[name]!
                    let id = entry.header.record
                    states[id, default: RecordState(id: id, type: .link)].apply(entry, ops: ops)
                }
                let resolved = SameAsClusters(states.values.compactMap(SameAsLink.init))
                #expect(resolved.clusters == clusters, "entries \(names)")
                for cluster in clusters {
                    #expect(cluster.allSatisfy { resolved.representative(of: $0) == cluster[0] })
                }
            }
        }
    }
}
