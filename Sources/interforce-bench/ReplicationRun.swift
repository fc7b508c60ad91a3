// `interforce-bench replication`: two real `interforce serve` processes on loopback, federated over mutual TLS the
// way Deploy/demo.sh sets them up (Deploy/pki.sh, init with federation flags, membership describe / create / sign
// / install through the CLI), and three measurements:
//
// 1. Bulk replication: node A (hampshire) is pre-populated in-process with N entries for group:south-east before it
//    serves; node B (surrey, same group) starts empty. The clock runs from B's spawn until B's store holds A's feed
//    up to seq N (polled read-only every 100 ms). The rate is set next to raw libsodium Ed25519 verify over the same
//    N entries, measured in this process before the nodes start, so the ratio says how far replication is from
//    "verify every signature".
// 2. Peak resident memory (VmHWM) of both processes, right after the bulk phase and just before they stop.
// 3. One-hop propagation: M single writes at A through the CLI (forwarded to A's running node, which pushes on
//    commit), ~50 ms apart; each write's latency is B's `accept` log row time minus A's `write` log row time for
//    the same entry (both Unix ms from the same machine clock).
//
// Both nodes are then stopped with SIGTERM and must exit 0. Every child process is stopped on any error path too.

import Foundation
import InterforceCore
import InterforceNode
import InterforceStore

struct ReplicationOptions {
    var entries = 100_000
    var writes = 200
    var interforce: String?
    var spacingMillis = 50

    static let usage = """
        USAGE: interforce-bench replication [--entries N] [--writes M] [--interforce PATH]

        Sets up two federated nodes with Deploy/pki.sh and the interforce CLI in a temporary directory (removed at
        the end), pre-populates node A with N entries, then runs 'interforce serve' for both and measures: bulk
        replication A -> B (entries/s, next to raw Ed25519 verify/s on the same entries), peak RSS (VmHWM) of
        both nodes, and one-hop propagation latency of M single writes made at A through the CLI. Prints one
        aligned table to stdout; progress goes to stderr.

        OPTIONS:
          --entries N        entries pre-populated on A and replicated to B (default: 100000)
          --writes M         single writes for the propagation latency, ~50 ms apart (default: 200)
          --interforce PATH  the interforce binary (default: the one next to this benchmark binary)
          -h, --help         show this help
        """

    static func parse(_ args: [String]) throws(BenchError) -> ReplicationOptions? {
        var o = ReplicationOptions()
        var i = 0
        func value(_ flag: String) throws(BenchError) -> String { try nextValue(args, &i, flag) }
        while i < args.count {
            switch args[i] {
            case "-h", "--help": return nil
            case "--entries": o.entries = try positiveInteger("--entries", try value("--entries"))
            case "--writes": o.writes = try positiveInteger("--writes", try value("--writes"))
            case "--interforce": o.interforce = try value("--interforce")
            default: throw BenchError("unknown option '\(args[i].prefix(40))'")
            }
            i += 1
        }
        return o
    }
}

struct ReplicationResult {
    var populateSeconds = 0.0, generateSeconds = 0.0
    var verifySeconds = 0.0
    var firstEntrySeconds: Double?
    var bulkSeconds = 0.0
    var bEntries: Int64 = 0
    var digestsMatch = false
    var pushAccepted: Int64 = 0, pushBatches = 0, pushSent: Int64 = 0
    var pullServed: Int64 = 0, pullBatches = 0
    var duplicatesAtB = 0, rejectsAtB = 0
    var peakAfterBulk: (a: Int64?, b: Int64?) = (nil, nil)
    var peakAtStop: (a: Int64?, b: Int64?) = (nil, nil)
    var writesIssued = 0, writesReceived = 0
    var latency = Samples(), cliRoundTrip = Samples()
    var writeSpanSeconds = 0.0, meanSpacingSeconds = 0.0, maxInFlight = 0
    var cpuDuringBulk: (a: Double?, b: Double?) = (nil, nil)
    var batchAtB = Samples(), batchEntriesAtB: Int64 = 0
    var firstPushSeconds: Double?
    var pullOnly: (held: Int64, seconds: Double)?
    var peerErrors = (a: 0, b: 0)
    var catchUpSeconds = 0.0
    var stopA = "", stopB = "", stopSeconds = (a: 0.0, b: 0.0)
    var leftRunning = 0
    var wallSeconds = 0.0
}

/// Results of the concurrent single writes, filled in from worker threads.
final class WriteResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<(entry: String, seconds: Double), BenchError>?]
    private var inFlight = 0
    private(set) var maxInFlight = 0
    private(set) var lastStart: UInt64 = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Marks a write as started; returns its start time.
    func started() -> UInt64 {
        lock.withLock {
            inFlight += 1
            maxInFlight = max(maxInFlight, inFlight)
            lastStart = max(lastStart, monotonicNanos())
            return monotonicNanos()
        }
    }

    func finished(_ i: Int, _ result: Result<(entry: String, seconds: Double), BenchError>) {
        lock.withLock {
            inFlight -= 1
            slots[i] = result
        }
    }

    var results: [Result<(entry: String, seconds: Double), BenchError>?] { lock.withLock { slots } }
}

/// Where the package's Deploy/pki.sh is: up from the benchmark binary's real location, else from this source file.
func packageRoot() throws -> String {
    var candidates: [URL] = []
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    for _ in 0..<6 {
        candidates.append(dir)
        dir = dir.deletingLastPathComponent()
    }
    candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent())
    for c in candidates where FileManager.default.isExecutableFile(atPath: c.path + "/Deploy/pki.sh") {
        return c.path
    }
    throw BenchError("cannot find Deploy/pki.sh above \(exe.path) or at \(#filePath)")
}

struct ReplicationRun {
    let options: ReplicationOptions
    let interforce: String
    let root: String
    let work: String
    let progress: (String) -> Void

    static let officer = "DS 1 bench"
    static let groupAudience = "group:south-east"

    struct NodeSetup {
        let force: String, name: String
        let data: String
        let port: UInt16
        var feed = ""
    }

    func run() throws -> ReplicationResult {
        let wallStart = monotonicNanos()
        var r = ReplicationResult()
        let n = options.entries

        // MARK: Setup, as Deploy/demo.sh does it
        let pki = work + "/pki"
        progress("PKI with \(root)/Deploy/pki.sh")
        let script = root + "/Deploy/pki.sh"
        try runCommand("/bin/bash", [script, "ca", pki], scratch: work)
        try runCommand("/bin/bash", [script, "authority", pki], scratch: work)
        let ports = try freeLoopbackPorts(2)
        var a = NodeSetup(force: "hampshire", name: "Hampshire Constabulary", data: work + "/hampshire", port: ports[0])
        var b = NodeSetup(force: "surrey", name: "Surrey Police", data: work + "/surrey", port: ports[1])
        for node in [a, b] { try runCommand("/bin/bash", [script, "node", pki, node.force, "30"], scratch: work) }

        progress("init A (hampshire) and B (surrey), membership describe / create / sign / install")
        func cli(_ node: NodeSetup, _ args: [String]) throws -> String {
            try runCommand(interforce, args, environment: childEnvironment([
                "INTERFORCE_DATA": node.data, "INTERFORCE_OFFICER": Self.officer,
                "INTERFORCE_PURPOSE": "replication benchmark",
            ]), scratch: work)
        }
        for (node, peer) in [(a, b.force), (b, a.force)] {
            _ = try cli(node, ["init", "--force", node.force, "--group", "south-east",
                               "--authority", pki + "/authority.pub.pem", "--listen", "127.0.0.1:\(node.port)",
                               "--tls-cert", pki + "/\(node.force).pem", "--tls-key", pki + "/\(node.force).key",
                               "--tls-ca", pki + "/ca.pem", "--peer", peer, "-o", "json"])
            // The bench's account is the node's own (its admin); it also writes, so it is registered as an officer.
            _ = try cli(node, ["officer", "add", benchAccount(), "--collar", Self.officer, "--name", "Benchmark",
                               "--role", "officer,analyst,auditor", "--clearance", "OFFICIAL-SENSITIVE"])
            let description = try cli(node, ["membership", "describe", "--name", node.name,
                                             "--endpoint", "https://127.0.0.1:\(node.port)"])
            try Data(description.utf8).write(to: URL(fileURLWithPath: work + "/\(node.force).member.json"))
        }
        for i in [0, 1] {
            let node = i == 0 ? a : b
            let config = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: node.data + "/config.json"))))
            guard let feed = config["feed"]?.string else { throw BenchError("\(node.data)/config.json has no feed") }
            if i == 0 { a.feed = feed } else { b.feed = feed }
        }
        _ = try runCommand(interforce, ["membership", "create", "--federation", "interforce-bench", "--version", "1",
                                        "--member", work + "/hampshire.member.json",
                                        "--member", work + "/surrey.member.json",
                                        "--out", work + "/membership.json"], scratch: work)
        _ = try runCommand(interforce, ["membership", "sign", work + "/membership.json",
                                        "--authority-key", pki + "/authority.key",
                                        "--out", work + "/membership.signed.json"], scratch: work)
        for node in [a, b] { _ = try cli(node, ["membership", "install", work + "/membership.signed.json"]) }

        // MARK: Pre-populate A in-process, then raw verify on the same entries; the node is closed after this
        progress("generating \(n) documents")
        let workload: Workload
        (workload, r.generateSeconds) = try timed { try Workload(count: n) }
        try populate(a, workload: workload, into: &r)

        // B polls its peers every second; A keeps the default interval (it also pushes on every local write).
        try setSyncInterval(b.data + "/config.json", seconds: 1)

        // MARK: Bulk replication
        let serveA = try ServeProcess(force: "hampshire", executable: interforce, dataDirectory: a.data,
                                      logPath: work + "/hampshire.serve.log")
        let serveB = try ServeProcess(force: "surrey", executable: interforce, dataDirectory: b.data,
                                      logPath: work + "/surrey.serve.log")
        progress("starting A (interforce serve)")
        try serveA.start()
        try waitForSocket(a.data, serve: serveA)
        // A's worker tries B at once; wait for that attempt to fail (B is not up yet), so every run starts the same
        // way: B pulls from its first cycle, and A pushes only when its own interval comes round again.
        try waitForFirstFailure(a.data + "/store.db", peer: b.force, serve: serveA)
        progress("A serving (pid \(serveA.pid)); starting B and timing until it holds \(n) entries")
        let bulkWallStart = Node.wallClock()
        let bulkStart = monotonicNanos()
        let cpuABefore = serveA.cpuSeconds
        try serveB.start()
        var reader: Store?
        var held: Int64 = 0
        var lastProgress = monotonicNanos(), lastReport = monotonicNanos()
        var trace: [(seconds: Double, held: Int64)] = []   // B's progress, for the pull-only part of the run
        while held < Int64(n) {
            usleep(100_000)
            try serveA.checkAlive()
            try serveB.checkAlive()
            if reader == nil, FileManager.default.fileExists(atPath: b.data + "/node.sock") {
                reader = try Store(path: b.data + "/store.db", readOnly: true)
            }
            guard let reader else { continue }
            let now = try reader.feedHead(a.feed)?.seq ?? 0
            let t = monotonicNanos()
            if now > held {
                if held == 0 { r.firstEntrySeconds = Double(t - bulkStart) / 1e9 }
                held = now
                lastProgress = t
                trace.append((Double(t - bulkStart) / 1e9, held))
            }
            if Double(t - lastReport) / 1e9 >= 10 {
                progress("B holds \(held) of \(n) after \(Format.seconds(Double(t - bulkStart) / 1e9))")
                lastReport = t
            }
            if Double(t - lastProgress) / 1e9 > 120 {
                throw BenchError("B made no progress for 120 s at \(held) of \(n); B's log ends:\n\(serveB.logTail)")
            }
        }
        r.bulkSeconds = Double(monotonicNanos() - bulkStart) / 1e9
        let bulkWallEnd = Node.wallClock()
        r.peakAfterBulk = (serveA.peakRSS, serveB.peakRSS)
        r.cpuDuringBulk = (serveA.cpuSeconds.flatMap { now in cpuABefore.map { now - $0 } }, serveB.cpuSeconds)
        progress("B holds \(n) entries after \(Format.seconds(r.bulkSeconds))")

        // Let both workers finish the cycle they are in (A may still be pushing batches B already pulled).
        Thread.sleep(forTimeInterval: 2)

        // MARK: One-hop propagation of single writes
        progress("\(options.writes) single writes at A through the CLI, ~\(options.spacingMillis) ms apart")
        let writesWallStart = Node.wallClock()
        // Each write is its own CLI process, started on a fixed 50 ms schedule whether or not the previous one has
        // returned (a CLI call takes longer than 50 ms, mostly process start-up), so writes arrive at A at the
        // intended pace; A's node serializes them under its lock.
        let environment = childEnvironment(["INTERFORCE_DATA": a.data, "INTERFORCE_OFFICER": Self.officer])
        let pending = WriteResults(count: options.writes)
        let group = DispatchGroup()
        var rng = SplitMix64(seed: 0x5EED)
        let writesStart = monotonicNanos()
        for i in 0..<options.writes {
            let slot = writesStart + UInt64(i) * UInt64(options.spacingMillis) * 1_000_000
            let now = monotonicNanos()
            if now < slot { usleep(UInt32((slot - now) / 1000)) }
            let document = Workload.interviewNote(&rng, plant: nil).canonicalText
            let arguments = ["record", "new", "interview-note", "-o", "json", "--audience", Self.groupAudience,
                             "--json", document]
            let (executable, scratch) = (interforce, work)
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                let start = pending.started()
                do {
                    let reply = try runCommand(executable, arguments, environment: environment, scratch: scratch)
                    let seconds = Double(monotonicNanos() - start) / 1e9
                    guard let entry = (try? JSONValue(parsing: Array(reply.utf8)))?["entry"]?.string else {
                        throw BenchError("record new printed no entry hash: \(reply.prefix(200))")
                    }
                    pending.finished(i, .success((entry, seconds)))
                } catch {
                    pending.finished(i, .failure(BenchError("write \(i + 1): \(error)")))
                }
            }
        }
        group.wait()
        var written: [String] = []
        for result in pending.results {
            guard let result else { throw BenchError("a write did not report") }
            let (entry, seconds) = try result.get()
            written.append(entry)
            r.cliRoundTrip.add(seconds)
        }
        r.maxInFlight = pending.maxInFlight
        r.writeSpanSeconds = Double(monotonicNanos() - writesStart) / 1e9
        r.meanSpacingSeconds = Double(pending.lastStart - writesStart) / 1e9 / Double(max(options.writes - 1, 1))
        r.writesIssued = written.count
        // Wait (at most 30 s, polling every 10 ms) until B holds A's feed up to the last write.
        let target = Int64(n + written.count)
        let waitStart = monotonicNanos()
        while held < target, Double(monotonicNanos() - waitStart) / 1e9 < 30 {
            try serveB.checkAlive()
            held = try reader?.feedHead(a.feed)?.seq ?? held
            if held < target { usleep(10_000) }
        }
        r.catchUpSeconds = Double(monotonicNanos() - waitStart) / 1e9
        r.peakAtStop = (serveA.peakRSS, serveB.peakRSS)

        // MARK: Stop both (SIGTERM), then read the logs of the stopped nodes
        progress("stopping both nodes with SIGTERM")
        let stoppedB = serveB.stop(), stoppedA = serveA.stop()
        r.stopA = stoppedA.summary
        r.stopB = stoppedB.summary
        r.stopSeconds = (stoppedA.seconds, stoppedB.seconds)
        r.leftRunning = [serveA.pid, serveB.pid].filter { kill($0, 0) == 0 }.count + Children.shared.pids.count
        reader = nil
        guard stoppedA.clean, stoppedB.clean else {
            throw BenchError("a node did not stop cleanly: A \(stoppedA.summary), B \(stoppedB.summary)\n"
                             + "A's log ends:\n\(serveA.logTail)\nB's log ends:\n\(serveB.logTail)")
        }

        progress("reading both logs")
        let storeA = try Store(path: a.data + "/store.db", readOnly: true)
        let storeB = try Store(path: b.data + "/store.db", readOnly: true)
        r.bEntries = try storeB.counts().entries
        r.digestsMatch = try storeA.stateDigest() == storeB.stateDigest()

        // Who delivered the bulk: A's log has a batch-sent row per pushed batch (with B's accepted count) and per
        // batch served to B's pull (mode "pull").
        var window = LogFilter.kind("batch-sent")
        window.peer = b.force
        window.since = bulkWallStart
        window.until = bulkWallEnd + 1
        for row in try storeA.logRows(window) {
            let count = row.event.detail["count"]?.int ?? 0
            if row.event.detail["mode"]?.string == "pull" {
                r.pullServed += count
                r.pullBatches += 1
            } else {
                // A push batch is logged when its reply arrives; it started at most 'micros' earlier.
                let started = Double(row.at - bulkWallStart) / 1000 - Double(row.event.detail["micros"]?.int ?? 0) / 1e6
                r.firstPushSeconds = min(r.firstPushSeconds ?? .infinity, started)
                r.pushSent += count
                r.pushAccepted += row.event.detail["accepted"]?.int ?? 0
                r.pushBatches += 1
            }
        }
        // The rate while only B's pull was delivering: B's progress just before A's first push began.
        if let first = r.firstPushSeconds, let before = trace.last(where: { $0.seconds <= first }) {
            r.pullOnly = (before.held, before.seconds)
        }

        // Per-batch times on B ('micros' of its batch-received rows): a pulled batch covers GET + parse + ingest
        // + commit, a pushed one parse + ingest + commit (the rows do not say which, so they are reported together).
        var received = LogFilter.kind("batch-received")
        received.since = bulkWallStart
        received.until = bulkWallEnd + 1
        for row in try storeB.logRows(received) {
            r.batchAtB.add(Double(row.event.detail["micros"]?.int ?? 0) / 1e6)
            r.batchEntriesAtB += row.event.detail["count"]?.int ?? 0
        }
        func count(_ store: Store, _ kind: String) throws -> Int {
            var f = LogFilter.kind(kind)
            f.since = bulkWallStart
            f.until = bulkWallEnd + 1
            return try store.logRows(f).count
        }
        r.duplicatesAtB = try count(storeB, "duplicate")
        r.rejectsAtB = try count(storeB, "reject")
        r.peerErrors = (try count(storeA, "peer-error"), try count(storeB, "peer-error"))

        // Latency: B's accept time minus A's write time, per entry.
        var writes = LogFilter.kind("write")
        writes.since = writesWallStart
        var accepts = LogFilter.kind("accept")
        accepts.since = writesWallStart
        var writtenAt: [String: Int64] = [:], acceptedAt: [String: Int64] = [:]
        for row in try storeA.logRows(writes) { if let e = row.event.entry { writtenAt[e] = row.at } }
        for row in try storeB.logRows(accepts) { if let e = row.event.entry { acceptedAt[e] = row.at } }
        for entry in written {
            guard let w = writtenAt[entry] else { throw BenchError("A's log has no write row for entry \(entry)") }
            guard let accepted = acceptedAt[entry] else { continue }
            r.latency.add(Double(accepted - w) / 1000)
            r.writesReceived += 1
        }
        r.wallSeconds = Double(monotonicNanos() - wallStart) / 1e9
        return r
    }

    /// Authors N entries on A, 500 per transaction (one fsync per batch), then verifies their signatures raw.
    private func populate(_ a: NodeSetup, workload: Workload, into r: inout ReplicationResult) throws {
        let n = workload.items.count
        let node = try Node.open(dataDirectory: DataDirectory(a.data))
        let audience = try Audience(groups: ["south-east"])
        progress("pre-populating A with \(n) entries (\(SizeRun.authorBatch) per transaction)")
        (_, r.populateSeconds) = try timed {
            for start in stride(from: 0, to: n, by: SizeRun.authorBatch) {
                try node.transaction {
                    for item in workload.items[start..<min(start + SizeRun.authorBatch, n)] {
                        try node.create(type: item.type, document: item.document, classification: item.classification,
                                        audience: audience, officer: Self.officer)
                    }
                }
            }
        }
        let entries = try Store(path: a.data + "/store.db", readOnly: true).entries(author: node.config.feed).map(\.entry)
        guard entries.count == n else { throw BenchError("A holds \(entries.count) entries, expected \(n)") }
        progress("raw Ed25519 verify over the same \(n) entries")
        var verified = 0
        (_, r.verifySeconds) = timed {
            for e in entries where e.header.key.verify(e.signature, for: e.canonicalHeader) { verified += 1 }
        }
        guard verified == n else { throw BenchError("\(n - verified) of A's signatures did not verify") }
        // `node` goes out of scope here: its SQLite connection closes before A serves.
    }

    /// Sets syncIntervalSeconds in a node's config.json, rewriting the file in place (its mode stays 0600).
    private func setSyncInterval(_ path: String, seconds: Int64) throws {
        let json = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        guard var object = json.object else { throw BenchError("\(path) is not a JSON object") }
        object["syncIntervalSeconds"] = .int(seconds)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data((JSONValue.object(object).prettyText() + "\n").utf8))
    }

    private func waitForFirstFailure(_ store: String, peer: String, serve: ServeProcess) throws {
        let reader = try Store(path: store, readOnly: true)
        var filter = LogFilter.kind("peer-error")
        filter.peer = peer
        for _ in 0..<200 {
            if try !reader.logRows(filter).isEmpty { return }
            try serve.checkAlive()
            usleep(50_000)
        }
        throw BenchError("\(serve.force) logged no failed attempt to reach \(peer) within 10 s")
    }

    private func waitForSocket(_ data: String, serve: ServeProcess) throws {
        for _ in 0..<200 {
            if FileManager.default.fileExists(atPath: data + "/node.sock") { return }
            try serve.checkAlive()
            usleep(50_000)
        }
        throw BenchError("\(serve.force) did not open its socket within 10 s; its log ends:\n\(serve.logTail)")
    }
}

// MARK: Report

func replicationReport(_ r: ReplicationResult, options: ReplicationOptions, interforce: String, work: String,
                       loadAtStart: String) -> String {
    let n = options.entries
    var t = Table()
    func mb(_ bytes: Int64?) -> String { bytes.map(Format.megabytes) ?? "-" }
    t.row(["metric", "value", "notes"])

    t.heading("Setup on A (hampshire), before it serves: not part of replication")
    t.row(["documents generated", Format.seconds(r.generateSeconds), "Workload(count: N), seeded"])
    t.row(["A pre-populated", "\(Format.grouped(Double(n))) in \(Format.seconds(r.populateSeconds))",
           "in-process node.create, audience \(ReplicationRun.groupAudience), \(SizeRun.authorBatch) per transaction"])
    t.row(["  author rate", Format.rate(n, r.populateSeconds), "create = validate + sign + admit + merge + FTS + audit row"])

    t.heading("Bulk replication A -> B: two 'interforce serve' processes, mutual TLS on 127.0.0.1")
    t.row(["first entry at B", r.firstEntrySeconds.map { "\(Format.millis($0)) ms" } ?? "-",
           "from B's spawn (startup + TLS + first batch), B's store polled every 100 ms"])
    t.row(["B holds all N entries", Format.seconds(r.bulkSeconds), "wall time from B's spawn; polls B's feed head for A"])
    t.row(["replication rate", Format.rate(n, r.bulkSeconds), "N / that wall time"])
    if let first = r.firstPushSeconds {
        t.row(["  rate while B's pull alone delivered",
               r.pullOnly.map { "\(Format.rate(Int($0.held), $0.seconds)) (\(Format.grouped(Double($0.held))) in "
                   + "\(Format.seconds($0.seconds)))" } ?? "-",
               "until A's first push started, \(Format.seconds(first)) after B's spawn"])
        if let p = r.pullOnly, r.bulkSeconds > p.seconds {
            t.row(["  rate once A's push joined", Format.rate(n - Int(p.held), r.bulkSeconds - p.seconds),
                   "push and pull both deliver the same entries (see duplicates)"])
        }
    } else {
        t.row(["  A's push", "did not run", "B's pull delivered everything"])
    }
    t.row(["raw Ed25519 verify, same entries", Format.rate(n, r.verifySeconds),
           "key.verify(signature, for: canonicalHeader), this process, before the nodes start"])
    t.row(["replication rate / raw verify rate", Format.ratio(r.verifySeconds / r.bulkSeconds),
           "share of the wall time one core spends verifying"])
    t.row(["delivered by B's pull", "\(Format.grouped(Double(r.pullServed))) in \(r.pullBatches) batches",
           "A's 'batch-sent' rows with mode pull (served; may include duplicates)"])
    t.row(["delivered by A's push",
           "\(Format.grouped(Double(r.pushAccepted))) accepted of \(Format.grouped(Double(r.pushSent))) sent, "
           + "\(r.pushBatches) batches", "A's own 'batch-sent' rows; A pushes when its 10 s interval (default) comes round"])
    t.row(["batches at B, p50 / p99", "\(r.batchAtB.p50p99) (\(r.batchAtB.count) batches)",
           "B's batch-received 'micros': pull = GET + ingest + commit, push = ingest + commit"])
    t.row(["  sum of batch times / bulk wall", Format.ratio(r.batchAtB.total / r.bulkSeconds),
           "about 1: one batch at a time, back to back; above 1: push and pull batches overlapped"])
    t.row(["CPU during bulk, A / B",
           "\(r.cpuDuringBulk.a.map { Format.seconds($0) } ?? "-") / \(r.cpuDuringBulk.b.map { Format.seconds($0) } ?? "-")",
           "utime + stime from /proc/PID/stat over the bulk wall time (2 cores in all)"])
    t.row(["duplicates / rejects at B", "\(Format.grouped(Double(r.duplicatesAtB))) / \(r.rejectsAtB)",
           "B's 'duplicate' and 'reject' log rows during the bulk phase (each duplicate costs B a log row)"])
    t.row(["peer errors logged, A / B", "\(r.peerErrors.a) / \(r.peerErrors.b)", "'peer-error' rows during the bulk phase"])
    t.row(["entries at B at the end", Format.grouped(Double(r.bEntries)), "N bulk + the single writes received"])
    t.row(["state digest equal on A and B", r.digestsMatch ? "yes" : "NO", "after both stopped"])

    t.heading("Memory: VmHWM (peak resident set) from /proc/PID/status")
    t.row(["B (receiver), after bulk", mb(r.peakAfterBulk.b), "peak from B's start to holding N"])
    t.row(["A (sender), after bulk", mb(r.peakAfterBulk.a), "peak from A's start (A's store holds N)"])
    t.row(["B / A, just before SIGTERM", "\(mb(r.peakAtStop.b)) / \(mb(r.peakAtStop.a))", "after the single writes too"])

    t.heading("One-hop propagation: single writes at A via the CLI, pushed on commit")
    t.row(["writes received at B", "\(r.writesReceived) of \(r.writesIssued)",
           "'interforce record new' with INTERFORCE_DATA=A, forwarded to A's node.sock"])
    t.row(["latency p50 / p99 / max",
           "\(Format.millis(r.latency.percentile(0.5))) / \(Format.millis(r.latency.percentile(0.99))) / "
           + "\(Format.millis(r.latency.values.max() ?? .nan)) ms",
           "B 'accept' row at - A 'write' row at, Unix ms (1 ms resolution)"])
    t.row(["CLI round trip p50 / p99", r.cliRoundTrip.p50p99,
           "spawn 'interforce record new' until it exits (A's commit included)"])
    t.row(["write spacing", "\(Format.millis(r.meanSpacingSeconds)) ms, at most \(r.maxInFlight) in flight",
           "mean start-to-start (target \(options.spacingMillis) ms); CLI calls may overlap"])
    t.row(["B caught up after last write", "\(Format.millis(r.catchUpSeconds)) ms", "from the last CLI call's exit; polled every 10 ms, at most 30 s"])

    t.heading("Shutdown")
    t.row(["A / B on SIGTERM", "\(r.stopA) / \(r.stopB)",
           "in \(Format.millis(r.stopSeconds.a)) / \(Format.millis(r.stopSeconds.b)) ms"])
    t.row(["processes left running", "\(r.leftRunning)", "both serve pids and every CLI child checked"])
    t.row(["wall time, whole run", Format.seconds(r.wallSeconds), "setup, pre-population, both phases, log reads"])

    let header = """
        interforce-bench replication
        machine: \(Machine.architecture), nproc \(ProcessInfo.processInfo.activeProcessorCount), \(Machine.cpuModel)
        build:   bench \(Machine.build), Swift 6 language mode; nodes: \(interforce)
        store:   SQLite WAL, synchronous=FULL, on \(Machine.fileSystem(work)); both nodes and the bench share the cores
        load:    1-minute load average \(loadAtStart) at start, \(Machine.loadAverage) at end (other work skews rates)
        run:     N = \(Format.grouped(Double(n))) entries, M = \(options.writes) single writes; Replicator batch \
        \(Replicator.batchSize), B's syncIntervalSeconds 1, A's 10 (default)
        latency: log 'at' is taken when admit starts, before that side's commit: it covers A's commit + push + B's
                 receive, not B's own fsync
        """
    return header + "\n\n" + t.render()
}

func replicationMain(_ argv: [String]) -> Int32 {
    func progress(_ message: String) {
        FileHandle.standardError.write(Data("interforce-bench: \(message)\n".utf8))
    }
    let options: ReplicationOptions
    do {
        guard let parsed = try ReplicationOptions.parse(argv) else {
            print(ReplicationOptions.usage)
            return 0
        }
        options = parsed
    } catch {
        FileHandle.standardError.write(Data("interforce-bench: \(error)\n\n\(ReplicationOptions.usage)\n".utf8))
        return 64
    }
    let interforce = interforcePath(given: options.interforce)
    guard FileManager.default.isExecutableFile(atPath: interforce) else {
        progress("no interforce binary at \(interforce): build it (swift build -c release) or pass --interforce PATH")
        return 1
    }
    let work = NSTemporaryDirectory() + "interforce-bench-replication-\(UUID().uuidString)"
    Children.shared.stopOnSignals { try? FileManager.default.removeItem(atPath: work) }
    defer {
        Children.shared.stopAll()
        try? FileManager.default.removeItem(atPath: work)
    }
    let loadAtStart = Machine.loadAverage
    let result: ReplicationResult
    do {
        let root = try packageRoot()
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        result = try ReplicationRun(options: options, interforce: interforce, root: root, work: work,
                                    progress: progress).run()
    } catch {
        Children.shared.stopAll()
        progress("failed: \(error)")
        return 1
    }
    print(replicationReport(result, options: options, interforce: interforce, work: work, loadAtStart: loadAtStart))
    return 0
}
