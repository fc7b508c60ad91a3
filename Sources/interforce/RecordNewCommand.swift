// `interforce record new`: writes a new record as a signed entry on this node's feed.

import InterforceCore
import InterforceNode

enum RecordNewCommand: Command {
    static let name = "record new"
    static let abstract = "write a new case-file, interview-note, image-ref, person, object, location or event"
    static let usage = "record new TYPE (--json DOC | --file PATH|-) [--classification C] [--audience A] [--request-id ID]"
    static let discussion = """
        TYPE is case-file, interview-note, image-ref, person, object, location or event; the document's fields
        are in Schemas/records/. An image-ref's id derives from its imageHash, a case-file's from its
        crimeReference, a person's from its nationalId (PNC ID or CRO number), an object's from its identifier
        (VRM, VIN or serial) and a location's from its UPRN, so the same thing recorded twice (here or at another
        force) becomes one record. Merged into a record this
        node holds, the write keeps this force's marking and audience for it unless --classification or
        --audience says otherwise; lowering the marking or widening the audience needs clearance for
        OFFICIAL-SENSITIVE. The write is logged under the officer the node knows the calling Unix account as.
        """
    static let options = [
        OptionSpec(name: "json", help: "the record document as JSON text", valueName: "DOC"),
        OptionSpec(name: "file", help: "read the document from a file ('-' for stdin)", valueName: "PATH"),
        OptionSpec(name: "classification", help: "OFFICIAL or OFFICIAL-SENSITIVE (default: OFFICIAL for a new "
                        + "record, this force's current marking for one merged into)", valueName: "MARKING"),
        OptionSpec(name: "audience", help: "who may receive it: force:NAME,group:NAME,... (default: this force only "
                        + "for a new record, this force's current audience for one merged into)", valueName: "LIST"),
        requestIDOption, outputOption,
    ]
    static let role = roleLine(.writeRecords)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one TYPE (case-file, interview-note, image-ref, person, object, location, event)") }
        let type: RecordType
        do { type = try RecordType(validating: args.positionals[0]) } catch { throw UsageError(error.message) }
        let format = try OutputFormat.from(args)
        let request = CreateRequest(requestId: try context.requestID(args), type: type,
                                    document: try readJSONInput(args, what: "record document"),
                                    classification: try parseClassification(args), audience: try parseAudience(args))
        let result = try context.api(args).create(request)
        printWritten(result, format: format, note: result.merged ? mergedNote : nil)
        return ExitCode.success
    }

    /// Said of a `record new` that merged: the record was already there, written by someone else first.
    static let mergedNote = "merged into the existing record with the same natural key, which was already held "
        + "here: check what is on it with 'interforce record show'. This entry keeps this force's own marking and "
        + "audience for the record (this force only, if it had not written to it), never another contributor's; "
        + "officers named on it before it was marked as it is now do not gain need-to-know of it"
}

func printWritten(_ result: WriteResult, format: OutputFormat, note: String?) {
    if format == .json {
        var o: [String: JSONValue] = ["record": .string(result.record), "entry": .string(result.entry),
                                      "feed": .string(result.feed), "seq": .int(result.seq)]
        if let note { o["note"] = .string(note) }
        printJSON(.object(o))
    } else {
        printOut("\(result.record)\tentry \(result.entry)\t\(result.feed) seq \(result.seq)")
        if let note { printErr("note: \(note)") }
    }
}
