// interforce: the officer's and admin's command line for one Interforce node.
// Data to stdout, diagnostics to stderr; exit 0 on success, 1 on failure, 64 on a usage error.

import Foundation
import InterforceNode

/// The command `argv` names (longest match: "record show" before "record").
func match(_ argv: [String]) -> (any Command.Type)? {
    commands.filter { cmd in
        let words = cmd.name.split(separator: " ").map(String.init)
        return argv.count >= words.count && Array(argv.prefix(words.count)) == words
    }.max { $0.name.count < $1.name.count }
}

/// Parses and runs one command.
func dispatch(_ argv: [String], context: Context) -> Int32 {
    if argv == ["--version"] || argv == ["-V"] {
        printOut("interforce \(InterforceVersion.current)")
        return ExitCode.success
    }
    if argv.isEmpty || argv == ["--help"] || argv == ["-h"] || argv == ["help"] {
        printOut(overview)
        return argv.isEmpty ? ExitCode.usage : ExitCode.success
    }
    guard let command = match(argv) else {
        let family = commands.filter { $0.name.hasPrefix(argv[0] + " ") }
        if !family.isEmpty, argv.count == 1 || argv[1] == "--help" || argv[1] == "-h" {
            printOut(family.map { "interforce " + $0.name + "\t" + $0.abstract }.joined(separator: "\n"))
            return argv.count == 1 ? ExitCode.usage : ExitCode.success
        }
        printErr("interforce: unknown command '\(Terminal.text(argv.prefix(2).joined(separator: " ")))' (see 'interforce --help')")
        return ExitCode.usage
    }
    let rest = Array(argv.dropFirst(command.name.split(separator: " ").count))
    do {
        let args = try ParsedArguments.parse(rest, options: command.options)
        if args.has("help") {
            printOut(command.help)
            return ExitCode.success
        }
        return try command.run(args, context)
    } catch let error as UsageError {
        printErr("interforce \(command.name): \(Terminal.text(error.message))")
        printErr("Run 'interforce \(command.name) --help' for usage.")
        return ExitCode.usage
    } catch let error as OutcomeUnknown {
        printErr("interforce \(command.name): \(Terminal.text(error.description))")
        return ExitCode.unknown
    } catch {
        printErr("interforce \(command.name): \(Terminal.text("\(error)"))")
        return ExitCode.failure
    }
}

exit(dispatch(Array(CommandLine.arguments.dropFirst()), context: Context(environment: ProcessInfo.processInfo.environment)))
