// `interforce record history`: every entry behind a record, in clock order, with author and signature identity.

import InterforceCore
import InterforceNode

enum RecordHistoryCommand: Command {
    static let name = "record history"
    static let abstract = "list the signed entries behind a record, oldest first"
    static let usage = "record history ID --officer ID --purpose TEXT [-o table|json]"
    static let options = [officerOption, purposeOption, outputOption]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one record ID") }
        let format = try OutputFormat.from(args)
        let node = try context.openNode(args)
        let entries = try node.history(args.positionals[0], reader: try context.reader(args, node))
        if format == .json {
            printOut(JSONValue.array(entries.map(\.envelope.json)).prettyText())
        } else {
            printOut(table(["AT", "FORCE", "FEED#SEQ", "OP", "CLASSIFICATION", "PAYLOAD", "ENTRY"], entries.map(entryRow)))
        }
        return ExitCode.success
    }
}
