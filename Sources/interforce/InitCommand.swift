// `interforce init`: creates a node's data directory, Ed25519 key, feed id, config and store.

import InterforceCore
import InterforceNode

enum InitCommand: Command {
    static let name = "init"
    static let abstract = "create a node: data directory, key, feed, config and store (never overwrites)"
    static let usage = "init --force SLUG [--group SLUG]... [--data DIR]"
    static let options = [
        OptionSpec(name: "force", help: "this node's force, e.g. hampshire", valueName: "SLUG"),
        OptionSpec(name: "group", help: "a group the force belongs to, e.g. south-east", valueName: "SLUG",
                   repeatable: true),
        outputOption,
    ]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard let force = args.value("force") else { throw UsageError("--force is required") }
        guard args.positionals.isEmpty else { throw UsageError("unexpected argument '\(args.positionals[0])'") }
        let format = try OutputFormat.from(args)
        let dir = context.dataDirectory(args)
        let node = try Node.initialize(dataDirectory: dir, force: force, groups: args.all("group"),
                                       now: context.nowFunction)
        let info: JSONValue = ["data": .string(dir.path), "force": .string(force), "feed": .string(node.config.feed),
                               "publicKey": .string(node.publicKey.hex)]
        if format == .json { printOut(info.prettyText()) } else {
            printOut("Initialised node for \(force) in \(dir.path)\nfeed \(node.config.feed)\nkey  \(node.publicKey.hex)")
        }
        return ExitCode.success
    }
}
