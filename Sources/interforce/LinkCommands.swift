// `interforce link same-as` and `interforce link remove`: an officer joins two person, object, location or event
// records as one, or splits them again, with a signed link entry every node resolves the same way
// (docs/DATA-MODEL.md §16). The officer is the one the node knows the calling Unix account as; a link changes
// neither record, and removing it only removes the assertions this node has seen.

import InterforceCore
import InterforceNode

enum LinkSameAsCommand: Command {
    static let name = "link same-as"
    static let abstract = "link two person, object, location or event records as one (signed, reversible)"
    static let usage = "link same-as ID ID --reason TEXT [--audience A] [--request-id ID]"
    static let discussion = """
        Both records must be held here, visible to you, of one type, and distinct. The link goes by default to every
        force and group both records reach; --audience may narrow that, never widen it. 'record show' of either
        record then shows the whole cluster, and 'query' returns the cluster once.
        """
    static let options = [
        OptionSpec(name: "reason", help: "why they are the same, e.g. the evidence that settled it", valueName: "TEXT"),
        OptionSpec(name: "audience", help: "who receives the link: force:NAME,group:NAME,... (default: where both "
                        + "records go)", valueName: "LIST"),
        requestIDOption, outputOption,
    ]
    static let role = roleLine(.writeRecords)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        try LinkCommands.run(.sameAs, args, context)
    }
}

enum LinkRemoveCommand: Command {
    static let name = "link remove"
    static let abstract = "remove the same-as link between two records (the cluster splits on every node)"
    static let usage = "link remove ID ID --reason TEXT [--request-id ID]"
    static let options = [
        OptionSpec(name: "reason", help: "why they are not the same", valueName: "TEXT"),
        requestIDOption, outputOption,
    ]
    static let role = roleLine(.writeRecords)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        try LinkCommands.run(.remove, args, context)
    }
}

enum LinkCommands {
    static func run(_ action: LinkRequest.Action, _ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 2 else { throw UsageError("give exactly two record IDs") }
        guard let reason = args.value("reason") else { throw UsageError("--reason is required") }
        let format = try OutputFormat.from(args)
        let request = LinkRequest(requestId: try context.requestID(args), action: action, records: args.positionals,
                                  reason: reason, audience: try parseAudience(args))
        let result = try context.api(args).link(request)
        printWritten(result, format: format, note: action == .sameAs
            ? "linked \(args.positionals[0]) and \(args.positionals[1]) as one"
            : "removed the link between \(args.positionals[0]) and \(args.positionals[1])")
        return ExitCode.success
    }
}
