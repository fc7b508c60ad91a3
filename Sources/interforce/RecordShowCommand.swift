// `interforce record show`: one record as merged here, each field with its provenance; for a POLE record, its
// same-as cluster (every member with its fields, the links that join them) and the records that refer to it. Logged with the officer,
// the account and the purpose; refused (and the refusal logged) when the policy says the caller may not see it.

import InterforceCore
import InterforceNode

enum RecordShowCommand: Command {
    static let name = "record show"
    static let abstract = "show one record with the force and time behind each field"
    static let usage = "record show ID --purpose 'CODE: TEXT' [-o table|json]"
    static let options = [purposeOption, outputOption]
    static let role = roleLine(.readRecords)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one record ID") }
        let format = try OutputFormat.from(args)
        let request = RecordRequest(record: args.positionals[0], purpose: try context.purpose(args))
        let response = try context.api(args).show(request)
        let state = response.record
        if format == .json {
            var view = state.view.object!
            view["cluster"] = response.cluster.map(clusterJSON) ?? .null
            printJSON(.object(view))
        } else {
            printOut(renderRecord(state))
            if let cluster = response.cluster { printOut(renderCluster(cluster, shown: state.id)) }
        }
        return ExitCode.success
    }
}
