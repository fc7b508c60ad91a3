// `interforce-bench summary`: the nine figures of issue 10 in one table, each next to its target, all measured in
// one run on this machine (`make bench` at N = 100,000, `make bench-large` at N = 1,000,000).
//
// It runs, in order: the in-process size run (SizeRun.swift: author N on node A, export, raw Ed25519 on one core and
// on every core, ingest into node B, reads, state digest, store size), the long-note run (one interview note grown
// to P paragraphs, the cost of an append near the start set against one near the end), and the replication run
// (ReplicationRun.swift: two `interforce serve` processes over mutual TLS, bulk rate, receiver peak RSS, one-hop
// propagation). Ratios are taken between figures measured in this same run, so they hold across machines far
// better than any rate does.

import Foundation
import InterforceCore
import InterforceNode
import InterforceStore

struct SummaryOptions {
    var entries = 100_000
    var writes = 100
    var queries = 200
    var paragraphs = 5_000
    var interforce: String?
    var replication = true

    static let usage = """
        USAGE: interforce-bench summary [--entries N] [--writes M] [--queries Q] [--paragraphs P]
                                        [--interforce PATH] [--no-replication]

        Measures the nine figures of issue 10 in one run and prints them in one table next to their targets, with
        the machine's load average at start and end. Progress goes to stderr.

        OPTIONS:
          --entries N        records authored, ingested and replicated (default: 100000)
          --writes M         single writes for the one-hop propagation latency (default: 100)
          --queries Q        queries and record shows timed (default: 200)
          --paragraphs P     paragraphs appended to one interview note for the long-note figure (default: 5000)
          --interforce PATH  the interforce binary for the replication run (default: next to this binary)
          --no-replication   skip the two-process replication run (its figures print as not measured)
          -h, --help         show this help
        """

    static func parse(_ args: [String]) throws(BenchError) -> SummaryOptions? {
        var o = SummaryOptions()
        var i = 0
        func value(_ flag: String) throws(BenchError) -> String { try nextValue(args, &i, flag) }
        while i < args.count {
            switch args[i] {
            case "-h", "--help": return nil
            case "--entries": o.entries = try positiveInteger("--entries", try value("--entries"))
            case "--writes": o.writes = try positiveInteger("--writes", try value("--writes"))
            case "--queries": o.queries = try positiveInteger("--queries", try value("--queries"))
            case "--paragraphs": o.paragraphs = try positiveInteger("--paragraphs", try value("--paragraphs"))
            case "--interforce": o.interforce = try value("--interforce")
            case "--no-replication": o.replication = false
            default: throw BenchError("unknown option '\(args[i].prefix(40))'")
            }
            i += 1
        }
        return o
    }
}

/// One interview note grown paragraph by paragraph: seconds per append over the first and the last `window` appends.
struct LongNoteResult {
    var paragraphs = 0, window = 0
    var first = 0.0, last = 0.0
    var perFirst: Double { first / Double(max(window, 1)) }
    var perLast: Double { last / Double(max(window, 1)) }
}

struct LongNoteRun {
    let paragraphs: Int
    let directory: String
    let progress: (String) -> Void

    /// Appends are made 1 per node.update, `batch` updates per transaction (one fsync per batch, so the figure is
    /// the node's own cost per append, not the disk's).
    func run() throws -> LongNoteResult {
        let batch = 50
        var r = LongNoteResult(paragraphs: paragraphs, window: min(100, max(paragraphs / 10, 1)))
        let node = try Node.initialize(dataDirectory: DataDirectory(directory + "/long-note"), force: "hampshire")
        var rng = SplitMix64(seed: 0x5000)
        let note = try node.create(type: .interviewNote, document: Workload.interviewNote(&rng, plant: nil),
                                   officer: ReplicationRun.officer)
        let id = note.header.record
        progress("long note: appending \(paragraphs) paragraphs to \(id)")
        var done = 0
        while done < paragraphs {
            let count = min(batch, paragraphs - done)
            try node.transaction {
                for _ in 0..<count {
                    let text = Workload.sentence(&rng, words: 40)
                    let seconds = try timed {
                        try node.update(recordID: id, patch: ["append": ["paragraphs": [.string(text)]]],
                                        officer: ReplicationRun.officer)
                    }.seconds
                    if done < r.window { r.first += seconds }
                    if done >= paragraphs - r.window { r.last += seconds }
                    done += 1
                }
            }
        }
        return r
    }
}

/// `count` signatures checked on `cores` threads at once (each thread a contiguous slice).
func parallelVerifySeconds(_ envelopes: [EntryEnvelope], cores: Int) -> (seconds: Double, verified: Int) {
    let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: cores)
    counts.initialize(repeating: 0)
    defer { counts.deallocate() }
    let slice = (envelopes.count + cores - 1) / cores
    nonisolated(unsafe) let shared = counts
    let (_, seconds) = timed {
        DispatchQueue.concurrentPerform(iterations: cores) { c in
            var ok = 0
            for e in envelopes[min(c * slice, envelopes.count)..<min((c + 1) * slice, envelopes.count)]
            where e.entry.header.key.verify(e.entry.signature, for: e.entry.canonicalHeader) { ok += 1 }
            shared[c] = ok
        }
    }
    return (seconds, counts.reduce(0, +))
}

func summaryMain(_ argv: [String]) -> Int32 {
    func progress(_ message: String) { FileHandle.standardError.write(Data("interforce-bench: \(message)\n".utf8)) }
    let options: SummaryOptions
    do {
        guard let parsed = try SummaryOptions.parse(argv) else {
            print(SummaryOptions.usage)
            return 0
        }
        options = parsed
    } catch {
        FileHandle.standardError.write(Data("interforce-bench: \(error)\n\n\(SummaryOptions.usage)\n".utf8))
        return 64
    }
    let interforce = interforcePath(given: options.interforce)
    if options.replication, !FileManager.default.isExecutableFile(atPath: interforce) {
        progress("no interforce binary at \(interforce): build it (swift build -c release) or pass --interforce PATH")
        return 1
    }
    let work = NSTemporaryDirectory() + "interforce-bench-summary-\(UUID().uuidString)"
    Children.shared.stopOnSignals { try? FileManager.default.removeItem(atPath: work) }
    defer {
        Children.shared.stopAll()
        try? FileManager.default.removeItem(atPath: work)
    }
    let loadAtStart = Machine.loadAverage
    let size: SizeResult, note: LongNoteResult
    var replication: ReplicationResult?
    do {
        try FileManager.default.createDirectory(atPath: work + "/size", withIntermediateDirectories: true)
        size = try SizeRun(n: options.entries, durableMax: min(options.entries, 1_000), queries: options.queries,
                           directory: work + "/size", progress: progress).run()
        try? FileManager.default.removeItem(atPath: work + "/size")
        note = try LongNoteRun(paragraphs: options.paragraphs, directory: work, progress: progress).run()
        if options.replication {
            let root = try packageRoot()
            try FileManager.default.createDirectory(atPath: work + "/replication", withIntermediateDirectories: true)
            var ro = ReplicationOptions()
            ro.entries = options.entries
            ro.writes = options.writes
            replication = try ReplicationRun(options: ro, interforce: interforce, root: root, work: work + "/replication",
                                             progress: progress).run()
        }
    } catch {
        Children.shared.stopAll()
        progress("failed: \(error)")
        return 1
    }
    print(summaryReport(size: size, note: note, replication: replication, options: options, work: work,
                        loadAtStart: loadAtStart))
    return 0
}

/// The binary named by --interforce, else the `interforce` next to this benchmark binary.
func interforcePath(given: String?) -> String {
    if let given { return URL(fileURLWithPath: given).standardizedFileURL.path }
    return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("interforce").path
}

func summaryReport(size s: SizeResult, note: LongNoteResult, replication: ReplicationResult?,
                   options: SummaryOptions, work: String, loadAtStart: String) -> String {
    let n = options.entries
    var t = Table()
    t.row(["#", "figure", "measured", "target", "met"])
    func row(_ number: String, _ figure: String, _ measured: String, _ target: String, _ met: Bool?) {
        t.row([number, figure, measured, target, met.map { $0 ? "yes" : "NO" } ?? "-"])
    }
    let notMeasured = "not measured"
    let verify1 = Double(n) / s.verifySeconds, verify2 = Double(n) / s.verifyParallelSeconds

    t.heading("1. Bulk replication A -> B over mutual TLS (two 'interforce serve' processes)")
    if let r = replication {
        let rate = Double(n) / r.bulkSeconds, verify = Double(n) / r.verifySeconds
        row("1", "replication rate", Format.rate(n, r.bulkSeconds), "", nil)
        row("", "raw Ed25519 verify, one core, same run", Format.rate(n, r.verifySeconds), "", nil)
        row("", "replication / one-core verify", Format.ratio(rate / verify), ">= 0.70", rate / verify >= 0.7)
    } else {
        row("1", "replication rate", notMeasured, ">= 0.70 x one-core verify", nil)
    }
    row("", "PostgreSQL 15 logical replication, same rows", notMeasured, "Interforce >= 0.5 x", nil)

    t.heading("2. Ingest without network: node.ingest of the exported entries, 500 per transaction")
    row("2", "ingest rate", Format.rate(n, s.ingestSeconds), "", nil)
    row("", "raw Ed25519 verify, \(s.cores) cores, same run", Format.rate(n, s.verifyParallelSeconds), "", nil)
    row("", "ingest / \(s.cores)-core verify", Format.ratio(Double(n) / s.ingestSeconds / verify2), ">= 0.80",
        Double(n) / s.ingestSeconds / verify2 >= 0.8)
    row("", "(one-core verify, same run)", Format.rate(n, s.verifySeconds),
        "ingest / it = \(Format.ratio(Double(n) / s.ingestSeconds / verify1))", nil)

    func perEntry(_ seconds: Double) -> String { String(format: "%.0f us", seconds / Double(n) * 1e6) }
    let prepareWall = s.prepareSeconds / Double(s.cores)
    row("", "per entry, one core: wire JSON -> envelope", perEntry(s.decodeSeconds), "", nil)
    row("", "  prepare (2 signatures + payload + header)", perEntry(s.prepareSeconds),
        "2 x verify = \(perEntry(2 * s.verifySeconds))", nil)
    row("", "  admission + SQLite under the lock", perEntry(max(s.ingestSeconds - prepareWall, 0)),
        "ingest - prepare / \(s.cores) cores", nil)

    t.heading("3. Live writes: one-hop propagation A -> B of single writes through the CLI")
    if let r = replication {
        let p50 = r.latency.percentile(0.5), p99 = r.latency.percentile(0.99)
        row("3", "p50 / p99, quiet (after the bulk)", "\(Format.millis(p50)) / \(Format.millis(p99)) ms "
            + "(\(r.writesReceived) of \(r.writesIssued))", "p99 <= 20 ms", p99 <= 0.020)
    } else {
        row("3", "p50 / p99, quiet", notMeasured, "p99 <= 20 ms", nil)
    }
    row("", "p99 during a \(Format.grouped(Double(n)))-entry bulk sync", notMeasured, "p99 <= 50 ms", nil)

    t.heading("4. Memory: receiver peak RSS (VmHWM) during the sync")
    if let r = replication, let peak = r.peakAfterBulk.b {
        row("4", "B peak RSS at N = \(Format.grouped(Double(n)))", Format.megabytes(peak), "<= 100 MB",
            peak <= 100 << 20)
    } else {
        row("4", "B peak RSS", notMeasured, "<= 100 MB", nil)
    }

    t.heading("5. Reads at N = \(Format.grouped(Double(s.records))) records (node.query / node.show, logged)")
    let q50 = s.queryLogged.percentile(0.5), q99 = s.queryLogged.percentile(0.99)
    row("5", "query, all kinds, p50 / p99", "\(Format.millis(q50)) / \(Format.millis(q99)) ms",
        "<= 5 / <= 50 ms", q50 <= 0.005 && q99 <= 0.050)
    if let common = s.kinds.first(where: { $0.label.contains(Workload.commonWord) }) {
        let c50 = common.logged.percentile(0.5), c99 = common.logged.percentile(0.99)
        row("", "  common word '\(Workload.commonWord)' [\(Format.grouped(Double(common.matches))) match]",
            "\(Format.millis(c50)) / \(Format.millis(c99)) ms", "<= 5 / <= 50 ms", c50 <= 0.005 && c99 <= 0.050)
    }
    let worst = s.kinds.max { $0.logged.percentile(0.99) < $1.logged.percentile(0.99) }
    if let worst {
        row("", "  slowest kind: \(worst.label)", worst.logged.p50p99, "<= 5 / <= 50 ms", nil)
    }
    let show99 = s.showLogged.percentile(0.99)
    row("", "record show p99", "\(Format.millis(show99)) ms", "<= 2 ms", show99 <= 0.002)

    t.heading("6. State digest")
    let digest = s.digestOnly.percentile(0.5)
    row("6", "store.stateDigest(), median of 3", "\(Format.millis(digest)) ms", "<= 5 ms", digest <= 0.005)
    row("", "digest equal on author and ingest node", s.digestsMatch ? "yes" : "NO", "yes", s.digestsMatch)

    t.heading("7. No wasted work: duplicates at B during the bulk sync")
    if let r = replication {
        let share = Double(r.duplicatesAtB) / Double(n)
        row("7", "duplicate rows / N", "\(Format.grouped(Double(r.duplicatesAtB))) = "
            + String(format: "%.2f%%", share * 100), "<= 1%", share <= 0.01)
    } else {
        row("7", "duplicate rows / N", notMeasured, "<= 1%", nil)
    }

    t.heading("8. Long notes: one interview note grown to \(Format.grouped(Double(note.paragraphs))) paragraphs")
    let growth = note.perLast / note.perFirst
    row("8", "append, first \(note.window) / last \(note.window)",
        "\(Format.millis(note.perFirst)) / \(Format.millis(note.perLast)) ms", "", nil)
    row("", "last / first", Format.ratio(growth), "about 1 (<= 2)", growth <= 2)

    t.heading("9. Storage on the author node (store.db + WAL)")
    let perRecord = Double(s.storeBytes) / Double(max(s.records, 1))
    row("9", "bytes per record", "\(Format.grouped(perRecord)) B (\(Format.megabytes(s.storeBytes)) in all)",
        "<= 2,048 B", perRecord <= 2048)
    row("", "raw canonical header + payload per entry", "\(Format.grouped(Double(s.canonicalBytes) / Double(n))) B",
        "", nil)

    let header = """
        interforce-bench summary (issue 10)
        machine: \(Machine.architecture), nproc \(ProcessInfo.processInfo.activeProcessorCount), \(Machine.cpuModel)
        build:   \(Machine.build), Swift 6 language mode
        store:   SQLite WAL, synchronous=FULL, on \(Machine.fileSystem(work))
        run:     N = \(Format.grouped(Double(n))) entries (in-process size run, then two serve processes for \
        replication); \(options.queries) queries; \(options.writes) single writes
        load:    1-minute load average \(loadAtStart) at start, \(Machine.loadAverage) at end (other work skews rates)
        notes:   PostgreSQL is not measured (no server is set up by the benchmark); writes during the bulk sync are
                 not measured (a live write on the bulk feed cannot overtake it: per-feed order is gap-free)
        """
    return header + "\n\n" + t.render()
}
