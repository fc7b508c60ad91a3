// `interforce entries ingest`: admits signed entries from a JSON-lines file. Each is checked (schema, type,
// classification, signature, key, clock skew, payload hash, gap-free seq, prev hash) and accepted, counted as a
// duplicate, or rejected with its reason; a rejected entry stores nothing but its log row. The file is read here
// and sent to the node in batches, each with its own request id.

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
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one FILE (or '-')") }
        let format = try OutputFormat.from(args)
        let peer = args.value("peer")
        if let peer { do { try TextRules.check(peer, what: "--peer", maxLength: 100) } catch { throw UsageError(error.message) } }
        let data = try readFile(args.positionals[0])
        let lines = data.split(separator: 0x0a, omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }
        let api = try context.api(args)
        var results: [IngestOutcomeView] = []
        // Batches of at most 200 lines and about 4 MiB, well inside the socket's request limit; an empty file is
        // still one (empty) request, so the node's policy answers it as any other.
        var start = 0
        let progress = Progress()
        repeat {
            var end = start, bytes = 0
            while end < lines.count, end - start < 200, end == start || bytes + lines[end].utf8.count < 4 << 20 {
                bytes += lines[end].utf8.count
                end += 1
            }
            results += try api.ingest(IngestRequest(requestId: RequestID.new(), peer: peer, firstLine: Int64(start + 1),
                                                    lines: Array(lines[start..<end]))).results
            start = end
            progress.update("\(start) of \(lines.count) lines ingested...")
        } while start < lines.count
        progress.finish()
        let count = { (outcome: String) in Int64(results.filter { $0.outcome == outcome }.count) }
        let rejected = count("rejected")
        if format == .json {
            printJSON(.object(["accepted": .int(count("accepted")), "duplicates": .int(count("duplicate")),
                               "rejected": .int(rejected), "withheld": .int(count("withheld")),
                               "results": .array(results.map(\.json))]))
        } else {
            for r in results where r.outcome == "rejected" {
                printErr(Terminal.text("rejected \(r.entry.map { String($0.prefix(16)) } ?? "line \(r.line)"): "
                                       + "\(r.reason ?? ""): \(r.message ?? "")"))
            }
            printOut("\(count("accepted")) accepted, \(count("duplicate")) duplicate, \(count("withheld")) withheld, "
                     + "\(rejected) rejected")
        }
        return rejected == 0 ? ExitCode.success : ExitCode.failure
    }
}
