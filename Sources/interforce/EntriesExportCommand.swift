// `interforce entries export`: signed entries as JSON lines ({"hash","header","signature","payload"}), the form
// peers exchange and outside verifiers check (docs/DATA-MODEL.md).

import InterforceCore
import InterforceNode

enum EntriesExportCommand: Command {
    static let name = "entries export"
    static let abstract = "write signed entries as JSON lines, for another node or an outside verifier"
    static let usage = "entries export [--feed FEED] [--after SEQ] [--out FILE] --officer ID --purpose TEXT"
    static let options = [
        OptionSpec(name: "feed", help: "only this feed (default: every feed held)", valueName: "FEED"),
        OptionSpec(name: "after", help: "only entries with seq > SEQ (with --feed)", valueName: "SEQ"),
        OptionSpec(name: "out", help: "write to FILE (created 0600, never overwritten) instead of stdout", valueName: "FILE"),
        officerOption, purposeOption,
    ]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let feed = args.value("feed")
        if let feed, !Identifiers.isFeedID(feed) { throw UsageError("--feed must be <force>/<16 hex digits>") }
        var after: Int64 = 0
        if let a = args.value("after") {
            guard feed != nil else { throw UsageError("--after needs --feed") }
            guard let n = Int64(a), n >= 0 else { throw UsageError("--after must be a non-negative number") }
            after = n
        }
        let node = try context.openNode(args)
        let envelopes = try node.export(author: feed, after: after, reader: try context.reader(args, node))
        let sink = try LineSink(path: args.value("out"))
        for e in envelopes { try sink.write(e.json.canonicalText) }
        try sink.close()
        printErr("\(envelopes.count) entr\(envelopes.count == 1 ? "y" : "ies") exported")
        return ExitCode.success
    }
}
