// `interforce record update`: changes a record by a new signed entry (set, add, remove, append).

import InterforceCore
import InterforceNode

enum RecordUpdateCommand: Command {
    static let name = "record update"
    static let abstract = "change a record: set fields, add or remove set elements, append note paragraphs"
    static let usage = "record update ID [--json PATCH | --file PATH|-] [--set F=V]... [--add F=V]... [--remove F=V]... [--append TEXT]... [--request-id ID]"
    static let discussion = """
        PATCH is {"set": {field: value}, "add": {field: [values]}, "remove": {field: [values]}, "append": {field: [texts]}}.
        --set/--add/--remove take string values; --append adds a paragraph to an interview note.
        Without --classification or --audience the entry keeps this force's current marking and audience for the
        record; lowering the marking or widening the audience needs clearance for OFFICIAL-SENSITIVE, and only the
        record's owner can change either (a shared record: each force its own part).
        """
    static let options = [
        OptionSpec(name: "json", help: "the patch as JSON text", valueName: "PATCH"),
        OptionSpec(name: "file", help: "read the patch from a file ('-' for stdin)", valueName: "PATH"),
        OptionSpec(name: "set", help: "set a text field", valueName: "FIELD=VALUE", repeatable: true),
        OptionSpec(name: "add", help: "add a text element to a set field", valueName: "FIELD=VALUE", repeatable: true),
        OptionSpec(name: "remove", help: "remove a text element from a set field", valueName: "FIELD=VALUE",
                   repeatable: true),
        OptionSpec(name: "append", help: "append a paragraph to an interview note", valueName: "TEXT", repeatable: true),
        OptionSpec(name: "classification", help: "OFFICIAL or OFFICIAL-SENSITIVE (default: the owner's marking; on "
                        + "a shared record this force's last, else the highest any contributor chose)",
                   valueName: "MARKING"),
        OptionSpec(name: "audience", help: "who may receive it: force:NAME,group:NAME,... (default: the owner's "
                        + "audience, with the owner added; on a shared record this force's last, else the other "
                        + "contributing forces)", valueName: "LIST"),
        requestIDOption, outputOption,
    ]
    static let role = roleLine(.writeRecords)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one record ID") }
        let format = try OutputFormat.from(args)
        var patch: [String: JSONValue] = [:]
        if args.has("json") || args.has("file") {
            guard let o = try readJSONInput(args, what: "patch").object else { throw UsageError("the patch must be a JSON object") }
            patch = o
        }
        func pairs(_ flag: String) throws -> [(String, String)] {
            try args.all(flag).map { text in
                guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                    throw UsageError("--\(flag) takes FIELD=VALUE")
                }
                return (String(text[..<eq]), String(text[text.index(after: eq)...]))
            }
        }
        var setFields = patch["set"]?.object ?? [:]
        for (f, v) in try pairs("set") { setFields[f] = .string(v) }
        if !setFields.isEmpty { patch["set"] = .object(setFields) }
        for op in ["add", "remove"] {
            var fields = patch[op]?.object ?? [:]
            for (f, v) in try pairs(op) { fields[f] = .array((fields[f]?.array ?? []) + [.string(v)]) }
            if !fields.isEmpty { patch[op] = .object(fields) }
        }
        if args.has("append") {
            var fields = patch["append"]?.object ?? [:]
            fields["paragraphs"] = .array((fields["paragraphs"]?.array ?? []) + args.all("append").map { .string($0) })
            patch["append"] = .object(fields)
        }
        guard !patch.isEmpty else { throw UsageError("nothing to change: give --json, --file, --set, --add, --remove or --append") }
        let request = UpdateRequest(requestId: try context.requestID(args), record: args.positionals[0],
                                    patch: .object(patch), classification: try parseClassification(args),
                                    audience: try parseAudience(args))
        printWritten(try context.api(args).update(request), format: format, note: nil)
        return ExitCode.success
    }
}
