// `interforce record erase`: lawful erasure. A signed erase entry tombstones the record on every node; this node
// drops the payloads of the record's earlier entries, while headers, chain and signatures stay verifiable.

import InterforceCore
import InterforceNode

enum RecordEraseCommand: Command {
    static let name = "record erase"
    static let abstract = "erase a record lawfully (tombstone everywhere, payloads dropped here)"
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
        printWritten(result, format: format, note: "erased; \(result.droppedPayloads ?? 0) payload(s) dropped on this node")
        return ExitCode.success
    }
}
