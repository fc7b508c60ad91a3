// `interforce record history`: every entry behind a record, in clock order, with author and signature identity.

import InterforceCore
import InterforceNode

enum RecordHistoryCommand: Command {
    static let name = "record history"
    static let abstract = "list the signed entries behind a record, oldest first"
    static let usage = "record history ID --purpose 'CODE: TEXT' [-o table|json]"
    static let options = [purposeOption, outputOption]
    static let role = roleLine(.readRecords)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one record ID") }
        let format = try OutputFormat.from(args)
        let request = RecordRequest(record: args.positionals[0], purpose: try context.purpose(args))
        let entries = try context.api(args).history(request).entries
        if format == .json {
            printJSON(.array(entries.map(\.json)))
        } else {
            printOut(table(["AT", "FORCE", "FEED#SEQ", "OP", "CLASSIFICATION", "PAYLOAD", "ENTRY"], entries.map(entryRow)))
        }
        return ExitCode.success
    }
}
