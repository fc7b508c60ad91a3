// `interforce dedup scan`: the suspected duplicates among the person, object or location records held here that
// the caller may read, ranked, each pair with its evidence (docs/MATCHING.md). A scan proposes; it never links: an
// officer who agrees runs 'interforce link same-as'. Pairs already in one cluster are left out. Logged as one
// `scan` row with the purpose.

import InterforceCore
import InterforceNode

enum DedupScanCommand: Command {
    static let name = "dedup scan"
    static let abstract = "list suspected duplicate people, vehicles or locations, ranked, with evidence"
    static let usage = "dedup scan [--type person|object|location] [--limit N] --purpose 'CODE: TEXT' [-o table|json]"
    static let options = [
        OptionSpec(name: "type", help: "person (default), object (vehicles) or location", valueName: "TYPE"),
        OptionSpec(name: "limit", help: "at most N pairs (default 50, max 10000)", valueName: "N"),
        purposeOption, outputOption,
    ]
    static let role = roleLine(.readRecords)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.isEmpty else { throw UsageError("dedup scan takes no arguments") }
        let format = try OutputFormat.from(args)
        let typeName = args.value("type") ?? "person"
        guard let type = RecordType(rawValue: typeName), DedupScanRequest.types.contains(type) else {
            throw UsageError("--type must be person, object or location")
        }
        var limit = 50
        if let l = args.value("limit") {
            guard let n = Int(l), (1...10_000).contains(n) else { throw UsageError("--limit must be 1 to 10000") }
            limit = n
        }
        let report = try context.api(args).dedupScan(
            DedupScanRequest(type: type, limit: limit, purpose: try context.purpose(args)))
        if format == .json {
            printJSON(report.json)
            return ExitCode.success
        }
        for (rank, pair) in report.proposals.enumerated() {
            printOut("\(rank + 1). \(pair.first)  \(pair.second)  score \(Evidence.format(pair.score)) bits")
            printOut(table(["  FIELD", "FINDING", "FIRST", "SECOND", "WEIGHT"], pair.evidence.map { e in
                ["  " + e.field, e.finding + (e.note.map { " (\($0))" } ?? ""), e.first, e.second,
                 Evidence.format(e.weight)]
            }))
        }
        printErr("\(report.records) \(type.rawValue) record(s) scanned, \(report.compared) pair(s) compared, "
                 + "\(report.proposed) proposed at \(Evidence.format(Int(report.threshold))) bits"
                 + (report.alreadyLinked > 0 ? ", \(report.alreadyLinked) already linked" : "")
                 + "; confirm a pair with 'interforce link same-as ID ID --reason TEXT'")
        return ExitCode.success
    }
}
