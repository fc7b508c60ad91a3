// `interforce record erase`: lawful erasure. The owner's signed erase entry tombstones the record on every node; any
// other force's erase withdraws only its own contribution (a force cannot erase what another force owns). This node
// drops the payloads concerned, while headers, chain and signatures stay verifiable.

import InterforceCore
import InterforceNode

enum RecordEraseCommand: Command {
    static let name = "record erase"
    static let abstract = "erase a record lawfully (owner: tombstone everywhere; others: withdraw their own part)"
    static let usage = "record erase ID --reason TEXT --officer ID"
    static let options = [
        OptionSpec(name: "reason", help: "the lawful basis, e.g. a retention review reference", valueName: "TEXT"),
        officerOption, outputOption,
    ]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one record ID") }
        guard let reason = args.value("reason"), !reason.isEmpty else { throw UsageError("--reason is required") }
        let format = try OutputFormat.from(args)
        let node = try context.openNode(args)
        let result = try node.erase(recordID: args.positionals[0], reason: reason, officer: try context.writer(args, node))
        let what = result.recordErased ? "erased" : "withdrew \(node.config.force)'s contribution (other forces' parts "
            + "of the record stay)"
        printWritten(result.entry, format: format, note: "\(what); \(result.droppedPayloads) payload(s) dropped on this node")
        return ExitCode.success
    }
}
