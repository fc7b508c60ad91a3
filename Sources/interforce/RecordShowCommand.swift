// `interforce record show`: one record as merged here, each field with its provenance. Logged with officer and purpose.

import InterforceCore
import InterforceNode

enum RecordShowCommand: Command {
    static let name = "record show"
    static let abstract = "show one record with the force and time behind each field"
    static let usage = "record show ID --officer ID --purpose TEXT [-o table|json]"
    static let options = [officerOption, purposeOption, outputOption]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one record ID") }
        let format = try OutputFormat.from(args)
        let node = try context.openNode(args)
        let state = try node.show(args.positionals[0], reader: try context.reader(args, node))
        printOut(format == .json ? state.view.prettyText() : renderRecord(state))
        return ExitCode.success
    }
}
