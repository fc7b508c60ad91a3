// interforce: the officer's and admin's command line for one Interforce node.
// Data to stdout, diagnostics to stderr; exit 0 on success, 1 on failure, 64 on a usage error.

import Foundation
import InterforceNode

let commands: [any Command.Type] = [
    InitCommand.self,
    RecordNewCommand.self, RecordUpdateCommand.self, RecordShowCommand.self, RecordHistoryCommand.self,
    RecordEraseCommand.self,
    QueryCommand.self,
    AuditLogCommand.self, AuditVerifyCommand.self, AuditExportCommand.self,
    StatusCommand.self,
    EntriesExportCommand.self, EntriesIngestCommand.self,
    TrustAddCommand.self,
    SchemaWriteCommand.self,
]

let overview = """
    interforce: share signed, versioned police records between forces.

    USAGE: interforce <command> [<subcommand>] [options]

    COMMANDS:
    \(commands.map { "  " + $0.name.padding(toLength: 18, withPad: " ", startingAt: 0) + $0.abstract }
        .joined(separator: "\n"))

    Run 'interforce <command> --help' for the options of one command.
    """

@MainActor func main(_ argv: [String]) -> Int32 {
    if argv.isEmpty || argv == ["--help"] || argv == ["-h"] || argv == ["help"] {
        printOut(overview)
        return argv.isEmpty ? ExitCode.usage : ExitCode.success
    }
    // Longest match: "record show" before "record".
    let match = commands.filter { cmd in
        let words = cmd.name.split(separator: " ").map(String.init)
        return argv.count >= words.count && Array(argv.prefix(words.count)) == words
    }.max { $0.name.count < $1.name.count }
    guard let command = match else {
        let family = commands.filter { $0.name.hasPrefix(argv[0] + " ") }
        if !family.isEmpty, argv.count == 1 || argv[1] == "--help" || argv[1] == "-h" {
            printOut(family.map { "interforce " + $0.name + "\t" + $0.abstract }.joined(separator: "\n"))
            return argv.count == 1 ? ExitCode.usage : ExitCode.success
        }
        printErr("interforce: unknown command '\(argv.prefix(2).joined(separator: " "))' (see 'interforce --help')")
        return ExitCode.usage
    }
    let rest = Array(argv.dropFirst(command.name.split(separator: " ").count))
    do {
        let args = try ParsedArguments.parse(rest, options: command.options)
        if args.has("help") {
            printOut(command.help)
            return ExitCode.success
        }
        return try command.run(args, Context(environment: ProcessInfo.processInfo.environment))
    } catch let error as UsageError {
        printErr("interforce \(command.name): \(error.message)")
        printErr("Run 'interforce \(command.name) --help' for usage.")
        return ExitCode.usage
    } catch {
        printErr("interforce \(command.name): \(error)")
        return ExitCode.failure
    }
}

exit(main(Array(CommandLine.arguments.dropFirst())))
