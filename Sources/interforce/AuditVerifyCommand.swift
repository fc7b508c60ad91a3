// `interforce audit verify`: checks every entry, payload, record and log row; exit 1 naming each problem found.

import InterforceCore
import InterforceNode

enum AuditVerifyCommand: Command {
    static let name = "audit verify"
    static let abstract = "verify entries, signatures, feeds, payloads, record states and the log chain"
    static let usage = "audit verify [-o table|json]"
    static let options = [outputOption]
    static let role = roleLine(.verify)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let report = try context.api(args).verify()
        if format == .json {
            printJSON(report.json)
        } else {
            for p in report.problems { printOut("FAIL \(Terminal.text(p))") }
            printOut("\(report.ok ? "OK" : "FAILED"): \(report.entries) entries, \(report.records) records, "
                     + "\(report.logRows) log rows checked; \(report.problems.count) problem(s)")
        }
        return report.ok ? ExitCode.success : ExitCode.failure
    }
}
