// `interforce query`: full-text search plus filters over the records held here that the caller may read. Logged
// with the officer, the account and the purpose; records the caller may not see are never counted or shown. Records
// linked as one (same-as) come back once, marked with how many are linked.

import InterforceCore
import InterforceNode

enum QueryCommand: Command {
    static let name = "query"
    static let abstract = "search records: full text plus type, force, time and classification filters"
    static let usage = "query [TEXT...] [--type T] [--force F] [--since TIME] [--until TIME] [--classification C] [--limit N] --purpose 'CODE: TEXT'"
    static let discussion = "Words must all match; a trailing * matches a prefix. Times are UTC (2026-11-22 or 2026-11-22T09:30:00Z) and filter on last update."
    static let options = [
        OptionSpec(name: "type", help: "case-file, interview-note, image-ref, person, object, location, event or link",
                   valueName: "TYPE"),
        OptionSpec(name: "force", help: "records a force wrote to", valueName: "SLUG"),
        OptionSpec(name: "since", help: "updated at or after", valueName: "TIME"),
        OptionSpec(name: "until", help: "updated before", valueName: "TIME"),
        OptionSpec(name: "classification", help: "only records so marked: OFFICIAL or OFFICIAL-SENSITIVE (default: "
                        + "both, OFFICIAL-SENSITIVE only where the officer is cleared or named)", valueName: "MARKING"),
        OptionSpec(name: "limit", help: "at most N results (default 50, max 10000)", valueName: "N"),
        purposeOption, outputOption,
    ]
    static let role = roleLine(.readRecords)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        var q = QueryRequest(purpose: try context.purpose(args))
        q.text = args.positionals.isEmpty ? nil : args.positionals.joined(separator: " ")
        if let text = q.text {
            do { try TextRules.check(text, what: "the query text", maxLength: 500) } catch { throw UsageError(error.message) }
        }
        if let t = args.value("type") {
            do { q.type = try RecordType(validating: t) } catch { throw UsageError(error.message) }
        }
        if let f = args.value("force") {
            guard Identifiers.isSlug(f) else { throw UsageError("--force must be a force slug such as surrey") }
            q.force = f
        }
        q.since = try parseTime(args.value("since"), flag: "since")
        q.until = try parseTime(args.value("until"), flag: "until")
        q.classification = try parseClassification(args)
        if let l = args.value("limit") {
            guard let n = Int(l), (1...10_000).contains(n) else { throw UsageError("--limit must be 1 to 10000") }
            q.limit = n
        }
        let response = try context.api(args).query(q)
        let results = response.records
        if format == .json {
            printJSON(.array(results.map { s in
                var view = s.view.object!
                view["sameAs"] = response.clusters[s.id].map { .array($0.map { .string($0) }) } ?? .null
                return .object(view)
            }))
        } else {
            printOut(table(["RECORD", "TYPE", "UPDATED", "BY", "SUMMARY"], results.map { s in
                let doc = s.document
                var summary = ["title", "interviewee", "exhibitNumber", "imageHash", "pair"].lazy
                    .compactMap { doc[$0]?.string }.first
                    ?? [doc["forenames"]?.string, doc["surname"]?.string, doc["description"]?.string,
                        doc["address"]?.string].compactMap { $0 }.joined(separator: " ")
                if let members = response.clusters[s.id] { summary = "[\(members.count) linked] " + summary }
                return [s.id, s.type.rawValue, s.updated.map { ISOTime.format(millis: $0.clock.time) } ?? "-",
                        s.updated?.force ?? "-", String(summary.prefix(60))]
            }))
            printErr("\(results.count) record(s)")
        }
        return ExitCode.success
    }
}
