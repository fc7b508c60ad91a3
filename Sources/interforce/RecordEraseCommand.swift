// `interforce record erase`: lawful erasure. The owner's signed erase entry tombstones the record on every node; any
// other force's erase withdraws only its own contribution (a force cannot erase what another force owns). This node
// drops the payloads concerned, while headers, chain and signatures stay verifiable.

import InterforceCore
import InterforceNode

enum RecordEraseCommand: Command {
    static let name = "record erase"
    static let abstract = "erase a record lawfully (owner: tombstone everywhere; others: withdraw their own part)"
    static let usage = "record erase ID --reason TEXT [--request-id ID]"
    static let options = [
        OptionSpec(name: "reason", help: "the lawful basis, e.g. a retention review reference", valueName: "TEXT"),
        requestIDOption, outputOption,
    ]
    static let role = roleLine(.eraseRecords)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one record ID") }
        guard let reason = args.value("reason"), !reason.isEmpty else { throw UsageError("--reason is required") }
        do { try TextRules.check(reason, what: "--reason", maxLength: 500) } catch { throw UsageError(error.message) }
        let format = try OutputFormat.from(args)
        let result = try context.api(args).erase(EraseRequest(requestId: try context.requestID(args),
                                                              record: args.positionals[0], reason: reason))
        let what = result.recordErased == false
            ? "withdrew \(Identifiers.force(ofFeed: result.feed))'s contribution (other forces' parts of the record stay)"
            : "erased"
        printWritten(result, format: format, note: "\(what); \(result.droppedPayloads ?? 0) payload(s) dropped on this node")
        return ExitCode.success
    }
}
