// `interforce record new`: writes a new record as a signed entry on this node's feed.

import InterforceCore
import InterforceNode

enum RecordNewCommand: Command {
    static let name = "record new"
    static let abstract = "write a new case-file, interview-note or image-ref"
    static let usage = "record new TYPE (--json DOC | --file PATH|-) [--classification C] [--audience A] --officer ID"
    static let discussion = """
        TYPE is case-file, interview-note or image-ref; the document's fields are in Schemas/records/.
        An image-ref's id derives from its imageHash and a case-file's from its crimeReference, so the same
        image or crime recorded twice (here or at another force) becomes one record.
        """
    static let options = [
        OptionSpec(name: "json", help: "the record document as JSON text", valueName: "DOC"),
        OptionSpec(name: "file", help: "read the document from a file ('-' for stdin)", valueName: "PATH"),
        classificationOption, audienceOption, officerOption, outputOption,
    ]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one TYPE (case-file, interview-note, image-ref)") }
        let type: RecordType
        do { type = try RecordType(validating: args.positionals[0]) } catch { throw UsageError(error.message) }
        let format = try OutputFormat.from(args)
        let classification = try parseClassification(args) ?? .official
        let audience = try parseAudience(args) ?? .authorForceOnly
        let document = try readJSONInput(args, what: "record document")
        let node = try context.openNode(args)
        let officer = try context.writer(args, node)
        let existed = try RecordID.naturalID(type: type, document: document).map { try node.store.recordState($0) != nil } ?? false
        let entry = try node.create(type: type, document: document, classification: classification,
                                    audience: audience, officer: officer)
        printWritten(entry, format: format, note: existed ? "merged into the existing record with the same natural key" : nil)
        return ExitCode.success
    }
}

let classificationOption = OptionSpec(name: "classification", help: "OFFICIAL (default) or OFFICIAL-SENSITIVE",
                                      valueName: "MARKING")
let audienceOption = OptionSpec(name: "audience", help: "who may receive it: force:NAME,group:NAME,... (default: this force only)",
                                valueName: "LIST")

func parseClassification(_ args: ParsedArguments) throws -> Classification? {
    guard let text = args.value("classification") else { return nil }
    do { return try Classification(validating: text) } catch { throw UsageError(error.message) }
}

func parseAudience(_ args: ParsedArguments) throws -> Audience? {
    guard let text = args.value("audience") else { return nil }
    do { return try Audience(parsing: text) } catch { throw UsageError(error.message) }
}

func printWritten(_ entry: Entry, format: OutputFormat, note: String?) {
    let h = entry.header
    if format == .json {
        var o: [String: JSONValue] = ["record": .string(h.record), "entry": .string(entry.hash.hex),
                                      "feed": .string(h.author), "seq": .int(h.seq)]
        if let note { o["note"] = .string(note) }
        printOut(JSONValue.object(o).prettyText())
    } else {
        printOut("\(h.record)\tentry \(entry.hash.hex)\t\(h.author) seq \(h.seq)")
        if let note { printErr("note: \(note)") }
    }
}
