// `interforce status`: what this node holds: counts, its feed head, the feeds it knows and the state digest.

import InterforceCore
import InterforceNode

enum StatusCommand: Command {
    static let name = "status"
    static let abstract = "counts, feed head, version vector and the state digest"
    static let usage = "status [-o table|json]"
    static let options = [outputOption]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let node = try context.openNode(args)
        let s = try node.status()
        let c = s.counts
        if format == .json {
            printOut(JSONValue.object([
                "force": .string(s.force), "feed": .string(s.feed), "publicKey": .string(s.publicKey),
                "head": s.head.map { ["seq": .int($0.seq), "hash": .string($0.hash.hex)] } ?? .null,
                "entries": .int(c.entries), "payloads": .int(c.payloads), "records": .int(c.records),
                "erased": .int(c.erased), "feeds": .int(c.feeds), "logRows": .int(c.logRows),
                "digest": .string(s.digest.hex),
                "versionVector": .object(s.versionVector.mapValues { .int($0) }),
            ]).prettyText())
        } else {
            printOut("""
                force    \(s.force)
                feed     \(s.feed)  head seq \(s.head?.seq ?? 0)
                key      \(s.publicKey)
                entries  \(c.entries) (\(c.payloads) payloads held)  records \(c.records) (\(c.erased) erased)  log rows \(c.logRows)
                digest   \(s.digest.hex)
                """)
            printOut(table(["FEED", "SEQ"], s.versionVector.keys.sorted().map { [$0, String(s.versionVector[$0]!)] }))
        }
        return ExitCode.success
    }
}
