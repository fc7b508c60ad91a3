// interforce-bench: how fast one Interforce node authors, ingests and reads records, at N = 10,000 and 100,000.
//
// It measures, on real file-backed nodes (SQLite in WAL mode, synchronous=FULL, the audit log on): the rate at which
// a node authors entries (create + sign + admit + store, each create its own durable transaction); the rate at which
// a second node ingests those same entries (verify + merge + store, 500 per transaction); the libsodium Ed25519
// verify and sign rates on exactly those entries; query and `record show` latency (p50/p99) over a mix of
// full-text, type, force and time-range queries; and the time to compute the state digest. Absolute numbers depend
// on the machine, the disk's fsync latency and the build, so they are not comparable between machines; ratios
// measured in the same run are. "Ingest rate / raw verify rate" is the share of ingest time spent in the one step
// that cannot be avoided (checking every signature): near 1 means ingest is crypto-bound, near 0 means the rest of
// the node (SQLite, JSON, merge, audit log) dominates, and that share holds across machines far better than any
// single rate does. Run it with `swift run -c release interforce-bench`; a debug build says so in its header.
//
// `interforce-bench replication` is a second mode (ReplicationRun.swift): two `interforce serve` processes
// federated over mutual TLS, bulk replication rate, peak RSS and one-hop propagation latency.
// `interforce-bench dedup` is a third (DedupRun.swift): the duplicate scan's precision, recall and time on synthetic
// people with known duplicates.
// `interforce-bench summary` (SummaryRun.swift) runs all of these at one N and prints issue 10's nine figures in one
// table next to their targets; `make bench` runs it.

import Foundation
import InterforceCore

struct Options {
    var sizes = [10_000, 100_000]
    var directory: String?
    var durableMax = 20_000
    var queries = 200

    static let usage = """
        USAGE: interforce-bench [--sizes N,N...] [--dir PATH] [--durable-max N] [--queries N]
               interforce-bench replication [--entries N] [--writes M] [--interforce PATH]   (see replication --help)
               interforce-bench dedup [--sizes N,N...] [--seed S] [--threshold T]             (see dedup --help)
               interforce-bench summary [--entries N] ...   issue 10's nine figures in one table (see summary --help)

        Authors N records on a file-backed node, ingests them into a second node, measures raw Ed25519 on the same
        entries, then times queries, record show and the state digest. Prints one aligned table to stdout;
        progress goes to stderr.

        OPTIONS:
          --sizes N,N...     record counts to run, in order (default: 10000,100000)
          --dir PATH         where to create the node data directories (author-N, ingest-N); they are kept.
                             Default: a fresh temporary directory, removed at the end.
          --durable-max N    author only the first N entries as one durable transaction each, the rest of
                             N 500 per transaction; the table says which rate covers which entries
                             (default: 20000, so N=10000 is fully durable and N=100000 is measured
                             durable on its first 20000 creates, keeping the default run near 5 minutes)
          --queries N        queries and record shows to time at each size (default: 200)
          -h, --help         show this help
        """

    /// Parses the arguments; nil means help was asked for.
    static func parse(_ args: [String]) throws(BenchError) -> Options? {
        var o = Options()
        var i = 0
        func value(_ flag: String) throws(BenchError) -> String { try nextValue(args, &i, flag) }
        while i < args.count {
            switch args[i] {
            case "-h", "--help": return nil
            case "--sizes": o.sizes = try sizeList(try value("--sizes"))
            case "--dir": o.directory = try value("--dir")
            case "--durable-max": o.durableMax = try positiveInteger("--durable-max", try value("--durable-max"))
            case "--queries": o.queries = try positiveInteger("--queries", try value("--queries"))
            default: throw BenchError("unknown option '\(args[i].prefix(40))'")
            }
            i += 1
        }
        return o
    }
}

/// The value after flag `args[i]`, advancing `i`.
func nextValue(_ args: [String], _ i: inout Int, _ flag: String) throws(BenchError) -> String {
    i += 1
    guard i < args.count else { throw BenchError("\(flag) needs a value") }
    return args[i]
}

/// "N,N,..." for --sizes: positive integers, at most `maximum` each.
func sizeList(_ text: String, maximum: Int = Int.max) throws(BenchError) -> [Int] {
    var sizes: [Int] = []
    for part in text.split(separator: ",") { sizes.append(try positiveInteger("--sizes", String(part))) }
    guard !sizes.isEmpty, sizes.allSatisfy({ $0 <= maximum }) else {
        throw BenchError("--sizes: expected N,N...\(maximum == Int.max ? "" : " each at most \(maximum)")")
    }
    return sizes
}

func positiveInteger(_ flag: String, _ text: String) throws(BenchError) -> Int {
    guard let v = Int(text.filter { $0 != "_" }), v > 0 else {
        throw BenchError("\(flag): expected a positive integer, got '\(text.prefix(40))'")
    }
    return v
}

// MARK: Machine

enum Machine {
    static var architecture: String {
        var u = utsname()
        guard uname(&u) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    static var cpuModel: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        let model = line.flatMap { $0.split(separator: ":", maxSplits: 1).last }
        return model.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    }

    /// The file system holding `path`, from the longest matching mount point in /proc/self/mounts. fsync on tmpfs is
    /// free, so the durable rates mean little there.
    static func fileSystem(_ path: String) -> String {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        var best: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let point = String(fields[1]), type = String(fields[2])
            let covers = point == "/" || real == point || real.hasPrefix(point + "/")
            if covers, point.count > (best?.point.count ?? -1) { best = (point, type) }
        }
        guard let best else { return "unknown file system" }
        return best.type == "tmpfs" ? "tmpfs (fsync is free: durable rates are optimistic)" : best.type
    }

    /// The 1-minute load average: other processes on the machine compete for the same cores and the same disk.
    static var loadAverage: String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").first.map(String.init) ?? "unknown"
    }

    static var build: String {
        #if DEBUG
        "debug (numbers are not representative; use -c release)"
        #else
        "release"
        #endif
    }
}

// MARK: Report

func report(_ results: [SizeResult], options: Options, directory: String, loadAtStart: String) -> String {
    var t = Table()
    func row(_ label: String, _ note: String = "", _ cell: (SizeResult) -> String) {
        t.row([label] + results.map(cell) + [note])
    }
    t.row(["metric"] + results.map { "N=\(Format.grouped(Double($0.n)))" } + ["notes"])

    t.heading("Authoring on node A: node.create = validate + sign + admit (verify, chain) + merge + FTS + audit row")
    row("author rate, durable", "each create its own transaction, fsync'd (synchronous=FULL)") {
        let over = $0.durableCount == $0.n ? "all" : "first"
        return "\(Format.rate($0.durableCount, $0.durableSeconds)) over \(over) "
            + Format.grouped(Double($0.durableCount))
    }
    row("  create latency p50 / p99", "per durable create") { $0.createLatency.p50p99 }
    row("author rate, batched", "500 creates per transaction (one fsync per batch)") {
        $0.batchedCount == 0 ? "not run" :
            "\(Format.rate($0.batchedCount, $0.batchedSeconds)) over next \(Format.grouped(Double($0.batchedCount)))"
    }
    row("  creates merged into an existing record", "case files reusing a crime reference") {
        Format.grouped(Double($0.mergingCreates))
    }

    t.heading("Ingest on node B: node.ingest = admit (verify, payload hash + schema, trust, chain) + merge + FTS"
              + " + audit row")
    row("export from A", "node.export: read + parse header and payload JSON") { Format.rate($0.n, $0.exportSeconds) }
    row("ingest rate", "500 entries per node.ingest, one transaction each") { Format.rate($0.n, $0.ingestSeconds) }
    row("  batch latency p50 / p99", "per 500-entry batch") { $0.ingestBatches.p50p99 }
    row("raw Ed25519 verify, same entries", "key.verify(signature, for: canonicalHeader)") {
        Format.rate($0.n, $0.verifySeconds)
    }
    row("ingest rate / raw verify rate", "= share of ingest time spent verifying") {
        Format.ratio($0.verifySeconds / $0.ingestSeconds)
    }
    row("raw Ed25519 sign, same headers", "for comparison with the author rate") { Format.rate($0.n, $0.signSeconds) }
    row("author (durable) / raw sign+verify", "share of a durable create spent in crypto") {
        Format.ratio(($0.signSeconds + $0.verifySeconds) / Double($0.n) / ($0.durableSeconds / Double($0.durableCount)))
    }
    row("state digest equal on A and B", "same entries must give the same digest") { $0.digestsMatch ? "yes" : "NO" }

    t.heading("Reads on node A (limit 50; logged = node.query / node.show, which commit an audit row each)")
    row("query, all kinds, logged", "\(options.queries) queries round-robin over the kinds below") {
        $0.queryLogged.p50p99
    }
    row("query, all kinds, search only", "store.search: every other query above, no audit row") {
        $0.queryUnlogged.p50p99
    }
    for k in results.first?.kinds.indices ?? 0..<0 {
        row("  \(results[0].kinds[k].label)", "logged p50 / p99 [records matching]") {
            "\($0.kinds[k].logged.p50p99) [\(Format.grouped(Double($0.kinds[k].matches)))]"
        }
    }
    row("record show, logged", "node.show on random records") { $0.showLogged.p50p99 }
    row("record state only", "store.recordState: same ids, no audit row") { $0.showUnlogged.p50p99 }
    row("status()", "counts + state digest + version vector, median of 3") {
        "\(Format.millis($0.status.percentile(0.5))) ms"
    }
    row("  of which stateDigest()", "median of 3") { "\(Format.millis($0.digestOnly.percentile(0.5))) ms" }

    t.heading("Size")
    row("records / entries on A", "") {
        "\(Format.grouped(Double($0.records))) / \(Format.grouped(Double($0.entries)))"
    }
    row("A's store on disk", "store.db + store.db-wal") { Format.megabytes($0.storeBytes) }
    row("wall time for this N", "including document generation and checks") { Format.seconds($0.wallSeconds) }

    let header = """
        interforce-bench
        machine: \(Machine.architecture), nproc \(ProcessInfo.processInfo.activeProcessorCount), \(Machine.cpuModel)
        build:   \(Machine.build), Swift 6 language mode
        store:   SQLite WAL, synchronous=FULL, on \(Machine.fileSystem(directory)) at \(directory)
        load:    1-minute load average \(loadAtStart) at start, \(Machine.loadAverage) at end (other work skews rates)
        clock:   CLOCK_MONOTONIC; p99 over ~\(options.queries) samples is close to the maximum
        """
    return header + "\n\n" + t.render()
}

// MARK: Main

func main(_ argv: [String]) -> Int32 {
    if argv.first == "replication" { return replicationMain(Array(argv.dropFirst())) }
    if argv.first == "dedup" { return dedupMain(Array(argv.dropFirst())) }
    if argv.first == "summary" { return summaryMain(Array(argv.dropFirst())) }
    let options: Options
    do {
        guard let parsed = try Options.parse(argv) else {
            print(Options.usage)
            return 0
        }
        options = parsed
    } catch {
        FileHandle.standardError.write(Data("interforce-bench: \(error)\n\n\(Options.usage)\n".utf8))
        return 64
    }

    let directory: String
    let temporary = options.directory == nil
    if let given = options.directory {
        directory = given
    } else {
        directory = NSTemporaryDirectory() + "interforce-bench-\(UUID().uuidString)"
    }
    defer {
        if temporary { try? FileManager.default.removeItem(atPath: directory) }
    }
    func progress(_ message: String) {
        FileHandle.standardError.write(Data("interforce-bench: \(message)\n".utf8))
    }

    let loadAtStart = Machine.loadAverage
    var results: [SizeResult] = []
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for n in options.sizes {
            let run = SizeRun(n: n, durableMax: options.durableMax, queries: options.queries, directory: directory,
                              progress: progress)
            results.append(try run.run())
        }
    } catch {
        progress("failed: \(error)")
        return 1
    }
    print(report(results, options: options, directory: directory, loadAtStart: loadAtStart))
    return 0
}

exit(main(Array(CommandLine.arguments.dropFirst())))
