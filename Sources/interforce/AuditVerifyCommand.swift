// `interforce audit verify`: checks every entry, payload, record and log row; exit 1 naming each problem found.

import InterforceCore
import InterforceNode

enum AuditVerifyCommand: Command {
    static let name = "audit verify"
    static let abstract = "verify entries, signatures, feeds, payloads, record states and the log chain"
    static let usage = "audit verify [-o table|json]"
    static let options = [officerOption, outputOption]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let node = try context.openNode(args)
        let report = try node.verify(officer: args.value("officer") ?? context.environment["INTERFORCE_OFFICER"])
        if format == .json {
            printOut(JSONValue.object([
                "ok": .bool(report.ok), "entries": .int(report.entries), "records": .int(report.records),
                "logRows": .int(report.logRows), "problems": .array(report.problems.map { .string($0) }),
            ]).prettyText())
        } else {
            for p in report.problems { printOut("FAIL \(p)") }
            printOut("\(report.ok ? "OK" : "FAILED"): \(report.entries) entries, \(report.records) records, "
                     + "\(report.logRows) log rows checked; \(report.problems.count) problem(s)")
        }
        return report.ok ? ExitCode.success : ExitCode.failure
    }
}
