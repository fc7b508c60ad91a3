// Command-line parsing in the shape of swift-argument-parser (which we cannot depend on): each command declares
// its options; unknown or malformed flags are usage errors (exit 64) that name the flag.

struct UsageError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// One option a command accepts. `flag` options take no value.
struct OptionSpec {
    let name: String
    let help: String
    var valueName: String? = "VALUE"
    var repeatable = false

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, help: help, valueName: nil)
    }
}

/// Options every command accepts.
let globalOptions = [
    OptionSpec(name: "data", help: "node data directory (default: $INTERFORCE_DATA, else ~/.interforce)",
               valueName: "DIR"),
    OptionSpec.flag("help", "show help for this command"),
]

struct ParsedArguments {
    var positionals: [String] = []
    var values: [String: [String]] = [:]

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { values[name] != nil }

    static func parse(_ args: [String], options: [OptionSpec]) throws -> ParsedArguments {
        let specs = options + globalOptions
        var out = ParsedArguments()
        var i = 0
        var onlyPositionals = false
        while i < args.count {
            let arg = args[i]
            i += 1
            if onlyPositionals || !arg.hasPrefix("-") || arg == "-" {
                out.positionals.append(arg)
                continue
            }
            if arg == "--" { onlyPositionals = true; continue }
            var name: String, inline: String?
            if arg.hasPrefix("--") {
                let body = arg.dropFirst(2)
                if let eq = body.firstIndex(of: "=") {
                    name = String(body[..<eq])
                    inline = String(body[body.index(after: eq)...])
                } else {
                    name = String(body)
                }
            } else if arg == "-o" || arg == "-h" {
                name = arg == "-o" ? "output" : "help"
            } else {
                throw UsageError("unknown option '\(arg)'")
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw UsageError("unknown option '--\(name)'")
            }
            if spec.valueName == nil {
                guard inline == nil else { throw UsageError("--\(name) takes no value") }
                out.values[name, default: []].append("")
                continue
            }
            let value: String
            if let inline { value = inline } else {
                guard i < args.count else { throw UsageError("--\(name) needs a value (\(spec.valueName!))") }
                value = args[i]
                i += 1
            }
            if !spec.repeatable, out.values[name] != nil { throw UsageError("--\(name) given more than once") }
            out.values[name, default: []].append(value)
        }
        return out
    }
}
