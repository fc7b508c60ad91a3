// `interforce entries export`: signed entries as JSON lines ({"hash","header","signature","position","payload"}),
// the form peers exchange and outside verifiers check (docs/DATA-MODEL.md). An entry of a record the caller may
// not read is exported as its withheld marker ({"withheld": {...}}: hash and audience, no content).

import InterforceCore
import InterforceNode

enum EntriesExportCommand: Command {
    static let name = "entries export"
    static let abstract = "write signed entries as JSON lines, for another node or an outside verifier"
    static let usage = "entries export [--feed FEED] [--after SEQ] [--out FILE] --purpose 'CODE: TEXT'"
    static let options = [
        OptionSpec(name: "feed", help: "only this feed (default: every feed held)", valueName: "FEED"),
        OptionSpec(name: "after", help: "only entries with seq > SEQ (with --feed)", valueName: "SEQ"),
        OptionSpec(name: "out", help: "write to FILE (created 0600, never overwritten) instead of stdout", valueName: "FILE"),
        purposeOption,
    ]
    static let role = roleLine(.readRecords) + "; entries of other records are exported as withheld markers"

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let feed = args.value("feed")
        if let feed, !Identifiers.isFeedID(feed) { throw UsageError("--feed must be <force>/<16 hex digits>") }
        var after: Int64 = 0
        if let a = args.value("after") {
            guard feed != nil else { throw UsageError("--after needs --feed") }
            guard let n = Int64(a), n >= 0 else { throw UsageError("--after must be a non-negative number") }
            after = n
        }
        let request = EntriesExportRequest(feed: feed, after: after, purpose: try context.purpose(args))
        let sink = try LineSink(path: args.value("out"))
        let api = try context.api(args)
        var page = try api.exportEntries(request)
        var entries = 0, withheld = 0
        let progress = Progress()
        while true {
            for item in page.items {
                sink.write(item.json.canonicalText)
                if case .withheld = item { withheld += 1 } else { entries += 1 }
            }
            progress.update("\(entries + withheld) entries exported...")
            guard let cursor = page.cursor else { break }
            page = try api.nextEntries(NextRequest(cursor: cursor))
        }
        try sink.close()
        progress.finish()
        printErr("\(entries) entr\(entries == 1 ? "y" : "ies") exported"
                 + (withheld > 0 ? ", \(withheld) withheld (records you may not read)" : ""))
        return ExitCode.success
    }
}
