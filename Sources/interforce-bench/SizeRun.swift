// One benchmark run at one size N: author N entries on a file-backed node, move them to a second file-backed node
// by ingest, measure raw Ed25519 on the same entries, then time reads and the state digest on the author node.
//
// Both nodes are real data directories (`Node.initialize`): SQLite files in WAL mode with synchronous=FULL, key
// files, audit log. Nothing is mocked, so the numbers include SQLite, fsync, JSON and the audit log, which is the
// point: the raw-crypto rate measured in the same process on the same entries says how far above the floor of
// "verify every signature" the node is.

import Foundation
import InterforceCore
import InterforceNode
import InterforceStore

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One kind of query in the read mix, with how many records it matches.
struct QueryKind {
    let label: String
    let query: (inout SplitMix64) -> RecordQuery
    var matches = 0
    var logged = Samples()
    var unlogged = Samples()
}

struct SizeResult {
    let n: Int
    var durableCount = 0, durableSeconds = 0.0, createLatency = Samples()
    var batchedCount = 0, batchedSeconds = 0.0
    var mergingCreates = 0
    var exportSeconds = 0.0
    var verifySeconds = 0.0, signSeconds = 0.0
    /// Raw verify of the same entries on every core at once, and how many cores that was.
    var verifyParallelSeconds = 0.0, cores = 1
    /// Canonical header + payload bytes of all N entries: the raw size the store holds them in.
    var canonicalBytes: Int64 = 0
    /// One core, the same N entries: parsing their wire JSON into envelopes, and PreparedBatch's checks (header
    /// parsed back, both signatures, payload hash and operations), for the per-entry breakdown of ingest.
    var decodeSeconds = 0.0, prepareSeconds = 0.0
    var ingestSeconds = 0.0, ingestBatches = Samples()
    var digestsMatch = false
    var records: Int64 = 0, entries: Int64 = 0
    var kinds: [QueryKind] = []
    var queryLogged = Samples(), queryUnlogged = Samples()
    var showLogged = Samples(), showUnlogged = Samples()
    var status = Samples(), digestOnly = Samples()
    var storeBytes: Int64 = 0
    var wallSeconds = 0.0
}

struct SizeRun {
    static let ingestBatch = 500
    static let authorBatch = 500
    let n: Int
    /// Creates beyond this many are authored `authorBatch` to a transaction instead of one durable commit each.
    let durableMax: Int
    let queries: Int
    let directory: String
    let progress: (String) -> Void

    func run() throws -> SizeResult {
        let wallStart = monotonicNanos()
        var r = SizeResult(n: n)
        let officer = "PC 1234"
        let purpose = try Purpose(code: .audit, text: "benchmark")

        progress("N=\(n): generating \(n) documents")
        let workload = try Workload(count: n)
        r.mergingCreates = workload.mergingCreates

        // 1. Authoring: each create is validate + sign + admit (which verifies again) + merge + FTS + audit log.
        let author = try Node.initialize(dataDirectory: DataDirectory(directory + "/author-\(n)"), force: "hampshire",
                                         groups: ["south-east"])
        func create(_ item: WorkItem) throws {
            try author.create(type: item.type, document: item.document, classification: item.classification,
                              audience: item.audience, officer: officer)
        }
        r.durableCount = min(n, durableMax)
        progress("N=\(n): authoring \(r.durableCount) entries, one durable transaction each")
        (_, r.durableSeconds) = try timed {
            for item in workload.items[0..<r.durableCount] { try r.createLatency.measure { try create(item) } }
        }
        r.batchedCount = n - r.durableCount
        if r.batchedCount > 0 {
            progress("N=\(n): authoring \(r.batchedCount) more entries, \(Self.authorBatch) per transaction")
            (_, r.batchedSeconds) = try timed {
                for start in stride(from: r.durableCount, to: n, by: Self.authorBatch) {
                    // Node.create nests as a savepoint inside this transaction: one commit and fsync per batch.
                    try author.transaction {
                        for item in workload.items[start..<min(start + Self.authorBatch, n)] { try create(item) }
                    }
                }
            }
        }

        // From here the author node is used as the CLI uses it: through the local API, as this process's account,
        // registered with a reading role; the store is read directly (read-only) for the unlogged comparisons.
        let authorDirectory = directory + "/author-\(n)"
        let authorFeed = author.config.feed
        let authorKey = author.publicKey
        let api = LocalNode(service: NodeService(try Node.open(dataDirectory: DataDirectory(authorDirectory))),
                            replicator: nil).session(uid: geteuid())
        _ = try api.addOfficer(OfficerAddRequest(requestId: RequestID.new(), account: benchAccount(), collar: officer,
                                                 name: "Benchmark", force: nil, roles: [.analyst],
                                                 clearance: .officialSensitive))
        let store = try Store(path: authorDirectory + "/store.db", readOnly: true)

        // 2. Export, then raw Ed25519 on exactly these entries.
        progress("N=\(n): exporting")
        let envelopes: [EntryEnvelope]
        (envelopes, r.exportSeconds) = try timed {
            var out: [EntryEnvelope] = []
            var page = try api.exportEntries(EntriesExportRequest(feed: authorFeed, after: 0, purpose: purpose))
            while true {
                for case .entry(let e) in page.items { out.append(e) }
                guard let cursor = page.cursor else { return out }
                page = try api.nextEntries(NextRequest(cursor: cursor))
            }
        }
        guard envelopes.count == n else { throw BenchError("exported \(envelopes.count) entries, expected \(n)") }
        progress("N=\(n): raw verify and sign")
        var verified = 0
        (_, r.verifySeconds) = timed {
            for e in envelopes where e.entry.header.key.verify(e.entry.signature, for: e.entry.canonicalHeader) {
                verified += 1
            }
        }
        guard verified == n else { throw BenchError("\(n - verified) exported signatures did not verify") }
        r.cores = ProcessInfo.processInfo.activeProcessorCount
        let parallel = parallelVerifySeconds(envelopes, cores: r.cores)
        r.verifyParallelSeconds = parallel.seconds
        guard parallel.verified == n else { throw BenchError("\(n - parallel.verified) signatures did not verify") }
        let wire = envelopes.map { $0.json.canonicalText }
        (_, r.decodeSeconds) = try timed {
            for text in wire { _ = try EntryEnvelope(json: try JSONValue(parsing: Array(text.utf8))) }
        }
        let deliveries = envelopes.map { Delivery.entry($0) }
        (_, r.prepareSeconds) = timed { _ = PreparedBatch(deliveries, cores: 1) }
        r.canonicalBytes = envelopes.reduce(0) { total, e in
            total + Int64(e.entry.canonicalHeader.count) + (e.payload.map { Int64($0.canonicalBytes.count) } ?? 0)
        }
        let scratchKey = SecretKey.generate()
        (_, r.signSeconds) = timed {
            // crypto_sign_detached is an opaque C call, so the optimiser cannot drop it even though we discard it.
            for e in envelopes { _ = scratchKey.sign(e.entry.canonicalHeader) }
        }

        // 3. Ingest into a second node that trusts the author's key.
        let ingestNode = try Node.initialize(dataDirectory: DataDirectory(directory + "/ingest-\(n)"), force: "surrey",
                                             groups: ["south-east"])
        try ingestNode.trust(authorKey, feed: authorFeed, officer: officer)
        progress("N=\(n): ingesting \(n) entries, \(Self.ingestBatch) per transaction")
        var accepted = 0
        (_, r.ingestSeconds) = try timed {
            for start in stride(from: 0, to: n, by: Self.ingestBatch) {
                let batch = Array(envelopes[start..<min(start + Self.ingestBatch, n)])
                let outcomes = try r.ingestBatches.measure { try ingestNode.ingest(batch, peer: "hampshire-node") }
                for case .accepted in outcomes { accepted += 1 }
            }
        }
        guard accepted == n else { throw BenchError("ingest accepted \(accepted) of \(n) entries") }

        // 4. State digest, on both nodes; they hold the same entries so they must agree.
        progress("N=\(n): status and state digest")
        var authorStatus: StatusResponse?
        for _ in 0..<3 { authorStatus = try r.status.measure { try api.status() } }
        for _ in 0..<3 { _ = try r.digestOnly.measure { try store.stateDigest() } }
        let ingestStatus = try ingestNode.status()
        r.digestsMatch = authorStatus?.digest == ingestStatus.digest.hex
        r.records = authorStatus?.counts.records ?? 0
        r.entries = authorStatus?.counts.entries ?? 0

        // 5. Reads on the author node.
        progress("N=\(n): \(queries) queries and \(queries) record shows")
        try measureReads(api, store, envelopes: envelopes, purpose: purpose, into: &r)

        r.storeBytes = ["", "-wal"].reduce(0) { total, suffix in
            let attributes = try? FileManager.default.attributesOfItem(atPath: authorDirectory + "/store.db" + suffix)
            return total + ((attributes?[.size] as? NSNumber)?.int64Value ?? 0)
        }
        r.wallSeconds = Double(monotonicNanos() - wallStart) / 1e9
        return r
    }

    private func measureReads(_ api: NodeSession, _ store: Store, envelopes: [EntryEnvelope], purpose: Purpose,
                              into r: inout SizeResult) throws {
        let times = envelopes.map(\.entry.header.clock.time)
        let first = times.min() ?? 0, last = times.max() ?? 0
        let window = max((last - first) / 10, 1)
        r.kinds = [
            QueryKind(label: "text '\(Workload.rareWord)' (rare word)") { _ in
                var q = RecordQuery(); q.text = Workload.rareWord; return q
            },
            QueryKind(label: "text '\(Workload.commonWord)' (common word)") { _ in
                var q = RecordQuery(); q.text = Workload.commonWord; return q
            },
            QueryKind(label: "type = image-ref") { _ in
                var q = RecordQuery(); q.type = .imageRef; return q
            },
            QueryKind(label: "force = hampshire (wrote every record)") { _ in
                var q = RecordQuery(); q.force = "hampshire"; return q
            },
            QueryKind(label: "force = kent (wrote none)") { _ in
                var q = RecordQuery(); q.force = "kent"; return q
            },
            QueryKind(label: "updated in a random 10% time window") { rng in
                var q = RecordQuery()
                q.updatedSince = first + Int64(rng.next() % UInt64(max(last - first - window, 1)))
                q.updatedUntil = q.updatedSince! + window
                return q
            },
        ]
        // How many records each kind matches (the queries themselves return at most `limit` = 50).
        var counting = SplitMix64(seed: 7)
        for i in r.kinds.indices {
            var q = r.kinds[i].query(&counting)
            q.limit = Int(Int32.max)
            r.kinds[i].matches = try store.search(q).count
        }
        var rng = SplitMix64(seed: 42)
        let plan = (0..<queries).map { i in (kind: i % r.kinds.count, query: r.kinds[i % r.kinds.count].query(&rng)) }
        // Warm-up: one of each, unrecorded, so the first sample of a kind does not pay for cold pages.
        for kind in r.kinds.indices { _ = try store.search(r.kinds[kind].query(&rng)) }
        for p in plan {
            let q = p.query
            let request = QueryRequest(text: q.text, type: q.type, force: q.force, since: q.updatedSince,
                                       until: q.updatedUntil, limit: q.limit, purpose: purpose)
            let seconds = try timed { try api.query(request) }.seconds
            r.kinds[p.kind].logged.add(seconds)
            r.queryLogged.add(seconds)
        }
        // The same queries without the audit row, on every other query (round-robin keeps every kind), to say how
        // much of a query is the logged commit without doubling the slowest part of the run.
        for p in plan.enumerated().filter({ $0.offset % 2 == 0 }).map(\.element) {
            let seconds = try timed { try store.search(p.query) }.seconds
            r.kinds[p.kind].unlogged.add(seconds)
            r.queryUnlogged.add(seconds)
        }

        let ids = Array(Set(envelopes.map(\.entry.header.record))).sorted()
        let picks = (0..<queries).map { _ in ids[Int(rng.next() % UInt64(ids.count))] }
        for id in picks {
            _ = try r.showLogged.measure { try api.show(RecordRequest(record: id, purpose: purpose)) }
        }
        for id in picks { _ = try r.showUnlogged.measure { try store.recordState(id) } }
    }
}

/// This process's Unix account name, which the benchmark registers as an officer of its nodes.
func benchAccount() -> String {
    guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "root" }
    return String(cString: name)
}
