// `interforce-bench dedup`: the duplicate scan's quality and speed on synthetic people with known duplicates.
//
// For each size N it generates N person records with SyntheticPeople (seeded; not timed), runs the person scan at
// its default threshold (timed: profiles, blocking and scoring together, single-threaded, as `dedup scan` will),
// and scores the proposals against the truth: precision, recall, and where the errors come from (false proposals
// by how the two people relate; missed pairs by whether blocking brought them together and by the damage their
// records carry). Everything is in memory; the store is not involved. The same seed gives the same records on
// every machine, so precision and recall are comparable between machines; the scan time is not.

import Foundation
import InterforceCore

struct DedupOptions {
    var sizes = [10_000, 100_000]
    var seed: UInt64 = 11
    var threshold = PersonMatcher.defaultThreshold
    var showMissed = 0
    var showFalse = 0
    var store = false

    static let usage = """
        USAGE: interforce-bench dedup [--sizes N,N...] [--seed S] [--threshold T] [--show-missed K] [--show-false K]
                                      [--store]

        Generates N synthetic person records with known duplicates, runs the duplicate scan and prints precision,
        recall and scan time at each size as one aligned table on stdout; progress goes to stderr.

        OPTIONS:
          --sizes N,N...     record counts to run, in order (default: 10000,100000)
          --seed S           generator seed, a non-negative integer (default: 11)
          --threshold T      proposal threshold in tenths of a bit (default: \(PersonMatcher.defaultThreshold))
          --show-missed K    print K missed true pairs (records, damage, evidence) to stderr at each size
          --show-false K     print K false proposals (records, evidence) to stderr at each size
          --store            also write the records as person records into a node's store (not timed) and time
                             'dedup scan' through the node's local API, as the CLI runs it
          -h, --help         show this help
        """

    static func parse(_ args: [String]) throws(BenchError) -> DedupOptions? {
        var o = DedupOptions()
        var i = 0
        func value(_ flag: String) throws(BenchError) -> String { try nextValue(args, &i, flag) }
        while i < args.count {
            switch args[i] {
            case "-h", "--help": return nil
            case "--sizes": o.sizes = try sizeList(try value("--sizes"), maximum: 2_000_000)
            case "--seed":
                let text = try value("--seed")
                guard let s = UInt64(text) else { throw BenchError("--seed: expected a non-negative integer") }
                o.seed = s
            case "--threshold":
                let text = try value("--threshold")
                guard let t = Int(text), (-1000...1000).contains(t) else {
                    throw BenchError("--threshold: expected an integer in -1000...1000")
                }
                o.threshold = t
            case "--show-missed": o.showMissed = try positiveInteger("--show-missed", try value("--show-missed"))
            case "--show-false": o.showFalse = try positiveInteger("--show-false", try value("--show-false"))
            case "--store": o.store = true
            default: throw BenchError("unknown option '\(args[i].prefix(40))'")
            }
            i += 1
        }
        return o
    }
}

struct DedupResult {
    let n: Int
    let people: Int
    let quality: MatchQuality
    let report: ScanReport
    let generateSeconds: Double
    let scanSeconds: Double
    let store: DedupStoreResult?
}

func dedupMain(_ argv: [String]) -> Int32 {
    let options: DedupOptions
    do {
        guard let parsed = try DedupOptions.parse(argv) else {
            print(DedupOptions.usage)
            return 0
        }
        options = parsed
    } catch {
        FileHandle.standardError.write(Data("interforce-bench: \(error)\n\n\(DedupOptions.usage)\n".utf8))
        return 64
    }
    func progress(_ message: String) { FileHandle.standardError.write(Data("interforce-bench: \(message)\n".utf8)) }

    let loadAtStart = Machine.loadAverage
    var results: [DedupResult] = []
    for n in options.sizes {
        progress("dedup N=\(n): generating (seed \(options.seed))")
        let (people, generateSeconds) = timed { SyntheticPeople.generate(records: n, seed: options.seed) }
        progress("dedup N=\(n): scanning")
        let (scan, scanSeconds) = timed { () -> (PersonMatcher, ScanReport) in
            let matcher = PersonMatcher(people.records)
            return (matcher, DuplicateScan.run(matcher, threshold: options.threshold))
        }
        let (matcher, report) = scan
        progress("dedup N=\(n): scoring against the truth")
        let quality = MatchQuality(report: report, people: people, blocked: blockingCheck(matcher))
        showExamples(people: people, matcher: matcher, report: report, quality: quality, options: options,
                     print: progress)
        var store: DedupStoreResult?
        if options.store {
            progress("dedup N=\(n): writing person records into a node's store, then 'dedup scan' through its API")
            let directory = NSTemporaryDirectory() + "interforce-bench-dedup-\(getpid())-\(n)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                store = try dedupThroughStore(people.records, directory: directory)
            } catch {
                progress("dedup N=\(n): the store run failed: \(error)")
                return 1
            }
        }
        results.append(DedupResult(n: n, people: Set(people.personOf).count, quality: quality, report: report,
                                   generateSeconds: generateSeconds, scanSeconds: scanSeconds, store: store))
    }
    print(dedupReport(results, options: options, loadAtStart: loadAtStart))
    return 0
}

/// Prints missed pairs and false proposals, for finding out why; the records are synthetic.
func showExamples(people: SyntheticPeople, matcher: PersonMatcher, report: ScanReport, quality: MatchQuality,
                  options: DedupOptions, print: (String) -> Void) {
    guard options.showMissed > 0 || options.showFalse > 0 else { return }
    for block in report.skippedBlocks.prefix(20) { print("skipped block \(block.key): \(block.size) records") }
    func describe(_ i: Int) -> String {
        let r = people.records[i]
        let fields = [r.forenames, r.surname, r.dateOfBirth?.description ?? "-", r.sex?.rawValue ?? "-",
                      r.address ?? "-", r.postcode ?? "-", "pnc \(r.pncID ?? "-")"]
        return "  \(r.id): \(fields.joined(separator: " | ")) | damage: "
            + people.damage[i].map(\.rawValue).joined(separator: ",")
    }
    func explain(_ pair: RecordPair, _ title: String) {
        let a = matcher.assess(pair.first, pair.second)
        print("\(title): score \(Evidence.format(a.score))\(a.veto.map { ", veto \($0)" } ?? "")"
              + (a.corroborated ? "" : ", not corroborated"))
        print(describe(pair.first))
        print(describe(pair.second))
        for e in a.evidence { print("    \(e)") }
    }
    for pair in quality.missedPairs.prefix(options.showMissed) { explain(pair, "missed") }
    for pair in quality.falseProposals.prefix(options.showFalse) { explain(pair, "false proposal") }
}

/// Whether two records share a key whose block the scan expanded.
func blockingCheck(_ matcher: PersonMatcher) -> (RecordPair) -> Bool {
    var sizes: [String: Int] = [:]
    for i in 0..<matcher.count { for k in Set(matcher.blockingKeys(i)) { sizes[k, default: 0] += 1 } }
    return { pair in
        let a = Set(matcher.blockingKeys(pair.first))
        return matcher.blockingKeys(pair.second).contains {
            a.contains($0) && (sizes[$0] ?? 0) <= DuplicateScan.maximumBlock
        }
    }
}

func dedupReport(_ results: [DedupResult], options: DedupOptions, loadAtStart: String) -> String {
    var t = Table()
    func row(_ label: String, _ note: String = "", _ cell: (DedupResult) -> String) {
        t.row([label] + results.map(cell) + [note])
    }
    func count(_ v: Int) -> String { Format.grouped(Double(v)) }
    t.row(["metric"] + results.map { "N=\(count($0.n))" } + ["notes"])

    t.heading("Quality at the default threshold (\(Evidence.format(options.threshold)) bits), seed \(options.seed)")
    row("precision", "true proposals / proposals (target >= 0.95)") { String(format: "%.4f", $0.quality.precision) }
    row("recall", "true proposals / true duplicate pairs (target >= 0.90)") {
        String(format: "%.4f", $0.quality.recall)
    }
    row("proposals: true / false", "") { "\(count($0.quality.truePositives)) / \(count($0.quality.falsePositives))" }
    row("true duplicate pairs", "records of one person not sharing a PNC ID") { count($0.quality.truePairs) }
    row("  missed", "") { count($0.quality.missed) }

    t.heading("Speed (release build, one thread)")
    row("scan time", "profiles + blocking + scoring + ranking (target < 60 s at 100,000)") {
        Format.seconds($0.scanSeconds)
    }
    row("pairs compared", "pairs sharing a blocking key") { count($0.report.comparedPairs) }
    row("  share of all pairs", "N(N-1)/2") {
        String(format: "%.5f%%", 100 * Double($0.report.comparedPairs) / (Double($0.n) * Double($0.n - 1) / 2))
    }
    row("blocks too large to expand", "more than \(DuplicateScan.maximumBlock) records") {
        count($0.report.skippedBlocks.count)
    }
    row("generation time", "not part of the scan") { Format.seconds($0.generateSeconds) }
    if options.store {
        row("'dedup scan' through the store", "local API: policy, SQLite load and decode, scan, ranking, log row") {
            $0.store.map { Format.seconds($0.scanSeconds) } ?? "-"
        }
        row("  pairs it proposed", "none were linked; partial dates of birth left out of the records") {
            $0.store.map { count(Int($0.proposed)) } ?? "-"
        }
        row("  writing the records", "signed entries through the node, one transaction; not timed") {
            $0.store.map { Format.seconds($0.loadSeconds) } ?? "-"
        }
    }

    t.heading("Data")
    row("records / people", "") { "\(count($0.n)) / \(count($0.people))" }

    t.heading("False proposals by relation")
    for relation in ["twins", "same-household", "strangers"] {
        row("  \(relation)") { count($0.quality.falsePositivesByRelation[relation] ?? 0) }
    }

    t.heading("Missed pairs (a pair counts under each damage on either record)")
    row("  not brought together by blocking") { count($0.quality.missedByBlocking) }
    let kinds = ["none"] + Damage.allCases.map(\.rawValue)
    for kind in kinds where results.contains(where: { ($0.quality.missedByDamage[kind] ?? 0) > 0 }) {
        row("  \(kind)") { count($0.quality.missedByDamage[kind] ?? 0) }
    }

    let header = """
        interforce-bench dedup
        machine: \(Machine.architecture), nproc \(ProcessInfo.processInfo.activeProcessorCount), \(Machine.cpuModel)
        build:   \(Machine.build), Swift 6 language mode
        load:    1-minute load average \(loadAtStart) at start, \(Machine.loadAverage) at end (other work skews times)
        data:    SyntheticPeople.generate(records: N, seed: \(options.seed)); error model in SyntheticRecording.swift
        """
    return header + "\n\n" + t.render()
}
