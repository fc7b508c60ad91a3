// `interforce entries ingest`: admits signed entries from a JSON-lines file. Each is checked (schema, type,
// classification, signature, key, clock skew, payload hash, gap-free seq, prev hash) and accepted, counted as a
// duplicate, or rejected with its reason; a rejected entry stores nothing but its log row.

import Foundation
import InterforceCore
import InterforceNode

enum EntriesIngestCommand: Command {
    static let name = "entries ingest"
    static let abstract = "admit signed entries from a JSON-lines file ('-' for stdin)"
    static let usage = "entries ingest FILE|- [--peer NAME] [-o table|json]"
    static let options = [
        OptionSpec(name: "peer", help: "where the entries came from, for the log", valueName: "NAME"),
        outputOption,
    ]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one FILE (or '-')") }
        let format = try OutputFormat.from(args)
        let path = args.positionals[0]
        let data: Data
        if path == "-" { data = Data(readStandardInput()) } else {
            guard let d = FileManager.default.contents(atPath: path) else {
                throw NodeError("cannot read \(path): missing or unreadable")
            }
            data = d
        }
        let node = try context.openNode(args)
        let peer = args.value("peer")
        var deliveries: [Delivery] = [], results: [JSONValue] = []
        var rejected = 0
        for (n, line) in data.split(separator: 0x0a, omittingEmptySubsequences: true).enumerated() {
            do {
                deliveries.append(try Delivery(json: try JSONValue(parsing: [UInt8](line))))
            } catch {
                let rejection = (error as? Rejection) ?? Rejection(.malformed, "line \(n + 1): \(error)")
                try node.logRejection(rejection, peer: peer)
                results.append(["line": .int(Int64(n + 1)), "outcome": "rejected",
                                "reason": .string(rejection.code.rawValue), "message": .string(rejection.message)])
                rejected += 1
            }
        }
        var accepted = 0, duplicates = 0, withheld = 0
        for (delivery, outcome) in zip(deliveries, try node.ingest(deliveries, peer: peer)) {
            var r: [String: JSONValue] = ["feed": .string(delivery.author), "seq": .int(delivery.seq)]
            if case .entry(let envelope) = delivery { r["entry"] = .string(envelope.entry.hash.hex) }
            switch outcome {
            case .withheld: withheld += 1; r["outcome"] = "withheld"
            case .accepted: accepted += 1; r["outcome"] = "accepted"
            case .duplicate: duplicates += 1; r["outcome"] = "duplicate"
            case .rejected(let why):
                rejected += 1
                r["outcome"] = "rejected"
                r["reason"] = .string(why.code.rawValue)
                r["message"] = .string(why.message)
            }
            results.append(.object(r))
        }
        if format == .json {
            printOut(JSONValue.object(["accepted": .int(Int64(accepted)), "duplicates": .int(Int64(duplicates)),
                                       "rejected": .int(Int64(rejected)), "withheld": .int(Int64(withheld)),
                                       "results": .array(results)]).prettyText())
        } else {
            for r in results where r["outcome"]?.string == "rejected" {
                printErr("rejected \(r["entry"]?.string.map { String($0.prefix(16)) } ?? "line \(r["line"]?.int ?? 0)"): "
                         + "\(r["reason"]?.string ?? ""): \(r["message"]?.string ?? "")")
            }
            printOut("\(accepted) accepted, \(duplicates) duplicate, \(withheld) withheld, \(rejected) rejected")
        }
        return rejected == 0 ? ExitCode.success : ExitCode.failure
    }
}
