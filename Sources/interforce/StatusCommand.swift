// `interforce status`: what this node holds: counts, its feed head, the feeds it knows and the state digest; its
// clock against its peers' and the free space under its store, and a WARNING line for each thing to act on.

import InterforceCore
import InterforceNode

enum StatusCommand: Command {
    static let name = "status"
    static let abstract = "counts, feed head, version vector, state digest, clock offset, disk space and warnings"
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
                store    \(DiskSpace.format(c.storeBytes)) on disk (store.db and its write-ahead log)
                digest   \(s.digest)
                clock    \(s.clock.summary)
                """)
            if let disk = s.disk {
                printOut("disk     \(disk.summary) (\(disk.state.rawValue); warning below "
                         + "\(DiskSpace.format(disk.warningBytes)))")
            }
            for warning in s.warnings { printOut(Terminal.text("WARNING: " + warning)) }
            printOut(table(["FEED", "SEQ"], s.versionVector.keys.sorted().map { [$0, String(s.versionVector[$0]!)] }))
        }
        return ExitCode.success
    }
}
