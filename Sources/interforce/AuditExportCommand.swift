// `interforce audit export`: the whole log as JSON lines, each row with its prev and hash, for outside verification.
// The export is logged first, so its own row is its last line.

import Foundation
import InterforceCore
import InterforceNode

enum AuditExportCommand: Command {
    static let name = "audit export"
    static let abstract = "write the whole log as JSON lines (one row per line, with prev and hash)"
    static let usage = "audit export [--out FILE] --purpose 'CODE: TEXT'"
    static let options = [
        OptionSpec(name: "out", help: "write to FILE (created 0600, never overwritten) instead of stdout", valueName: "FILE"),
        purposeOption,
    ]
    static let role = roleLine(.readLog)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let purpose = try context.purpose(args)
        let sink = try LineSink(path: args.value("out"))
        let api = try context.api(args)
        var page = try api.exportLog(PurposeRequest(purpose: purpose))
        var count = 0
        let progress = Progress()
        while true {
            for row in page.items { sink.write(row.json.canonicalText) }
            count += page.items.count
            progress.update("\(count) log rows exported...")
            guard let cursor = page.cursor else { break }
            page = try api.nextLogRows(NextRequest(cursor: cursor))
        }
        try sink.close()
        progress.finish()
        printErr("\(count) log row(s) exported")
        return ExitCode.success
    }
}
