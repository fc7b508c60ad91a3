// `interforce audit checkpoint`: signs the current log head with the node's key now (serve also does so every
// five minutes and at start and stop), so an auditor can hold the node to the log as it stands.

import InterforceCore
import InterforceNode

enum AuditCheckpointCommand: Command {
    static let name = "audit checkpoint"
    static let abstract = "sign a checkpoint of the audit log head now"
    static let usage = "audit checkpoint [--request-id ID]"
    static let options = [requestIDOption]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let result = try context.api(args).checkpoint(CheckpointRequest(requestId: try context.requestID(args)))
        if let seq = result.seq {
            printOut("checkpoint signed as log row \(seq)")
        } else {
            printOut("the log head is already a checkpoint")
        }
        return ExitCode.success
    }
}
