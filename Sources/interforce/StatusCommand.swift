// `interforce status`: what this node holds: counts, its feed head, the feeds it knows and the state digest.

import InterforceCore
import InterforceNode

enum StatusCommand: Command {
    static let name = "status"
    static let abstract = "counts, feed head, version vector and the state digest"
    static let usage = "status [-o table|json]"
    static let options = [outputOption]
    static let role = roleLine(.status)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let s = try context.api(args).status()
        let c = s.counts
        if format == .json {
            printJSON(s.json)
        } else {
            printOut("""
                force    \(s.force)
                feed     \(s.feed)  head seq \(s.head?.seq ?? 0)
                key      \(s.publicKey)
                entries  \(c.entries) (\(c.payloads) payloads held)  records \(c.records) (\(c.erased) erased)  log rows \(c.logRows)
                digest   \(s.digest)
                """)
            printOut(table(["FEED", "SEQ"], s.versionVector.keys.sorted().map { [$0, String(s.versionVector[$0]!)] }))
        }
        return ExitCode.success
    }
}
