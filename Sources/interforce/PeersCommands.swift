// `interforce peers list|status` and `interforce sync`: the federation as this node sees it.

import InterforceCore
import InterforceNode

enum PeersListCommand: Command {
    static let name = "peers list"
    static let abstract = "list the member forces, their groups and endpoints, and which are this node's peers"
    static let usage = "peers list [-o table|json]"
    static let options = [outputOption]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let list = try context.api(args).peers()
        if format == .json {
            printJSON(.array(list.members.map { m in
                ["force": .string(m.force), "groups": .string(m.groups.joined(separator: ",")),
                 "endpoint": .string(m.endpoint), "link": .string(m.link)]
            }))
        } else {
            printOut("membership version \(list.version ?? 0) of \(Terminal.text(list.federation ?? "-"))")
            printOut(table(["FORCE", "GROUPS", "ENDPOINT", "LINK"],
                           list.members.map { [$0.force, $0.groups.joined(separator: ","), $0.endpoint, $0.link] }))
        }
        return ExitCode.success
    }
}

enum PeersStatusCommand: Command {
    static let name = "peers status"
    static let abstract = "per peer: last success, clock offset, last error, entries sent/received, lag per feed"
    static let usage = "peers status [-o table|json]"
    static let options = [outputOption]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let status = try context.api(args).peersStatus()
        let peers = status.peers
        let forked = Array(Set(status.forks.map(\.feed))).sorted()
        if format == .json {
            printJSON(.array(peers.map { p in
                [
                    "peer": .string(p.peer), "lastSuccess": p.lastSuccess.map { .int($0) } ?? .null,
                    "lastError": p.lastError.map { .string($0) } ?? .null,
                    "lastErrorAt": p.lastErrorAt.map { .int($0) } ?? .null,
                    "entriesSent": .int(p.entriesSent), "entriesReceived": .int(p.entriesReceived),
                    "lag": .object(p.lag.mapValues { .int($0) }),
                    "forkedFeeds": .array(forked.map { .string($0) }),
                    "clockOffsetMillis": p.clockOffsetMillis.map { .int($0) } ?? .null,
                    "futureClock": p.futureClock.map { .string($0) } ?? .null,
                ]
            }))
        } else {
            printOut(table(["PEER", "LAST SUCCESS", "CLOCK", "SENT", "RECEIVED", "LAG (+ they lack, - we lack)",
                            "LAST ERROR"],
                           peers.map { p in
                let lag = p.lag.keys.sorted().map { "\($0) \(p.lag[$0]! > 0 ? "+" : "")\(p.lag[$0]!)" }
                return [p.peer, p.lastSuccess.map { ISOTime.format(millis: $0) } ?? "never",
                        p.clockOffsetMillis.map(clockCell) ?? "-", String(p.entriesSent),
                        String(p.entriesReceived),
                        lag.isEmpty ? (forked.isEmpty ? "in step" : "forked") : lag.joined(separator: " "),
                        p.lastError.map { String($0.prefix(80)) } ?? "-"]
            }))
            for line in forkLines(status.forks) { printOut(line) }
            for p in peers { if let why = p.futureClock { printOut(Terminal.text("FUTURE-CLOCK \(p.peer): " + why)) } }
        }
        return ExitCode.success
    }

    /// A peer's clock against ours: `+600.0 s` (ahead of ours) or `-0.2 s`.
    static func clockCell(_ millis: Int64) -> String {
        "\(millis < 0 ? "-" : "+")\(millis.magnitude / 1000).\(millis.magnitude % 1000 / 100) s"
    }
}

/// One line per fork held: the feed, the position and the two hashes.
func forkLines(_ forks: [ForkView]) -> [String] {
    forks.map { Terminal.text("FORK \($0.feed) seq \($0.seq): two signed versions (\($0.hashes[0].prefix(16))..., "
                              + "\($0.hashes[1].prefix(16))...); evidence held, see 'audit log --kind alert'") }
}

enum SyncCommand: Command {
    static let name = "sync"
    static let abstract = "exchange with every peer now and wait for the result (needs 'serve' running)"
    static let usage = "sync [--timeout SECONDS]"
    static let options = [OptionSpec(name: "timeout", help: "wait at most this long (default 30, at most 600)",
                                     valueName: "SECONDS")]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard let timeout = Int64(args.value("timeout") ?? "30"), (1...600).contains(timeout) else {
            throw UsageError("--timeout must be a whole number of seconds from 1 to 600")
        }
        let result = try context.api(args).sync(SyncRequest(timeoutSeconds: timeout))
        let errors = result.errors
        for (peer, message) in errors.sorted(by: { $0.key < $1.key }) { printErr(Terminal.text("\(peer): \(message)")) }
        // A fork is not "in sync", whatever the exchange did.
        for line in forkLines(result.forks) { printOut(line) }
        if !errors.isEmpty { printOut("\(errors.count) peer(s) failed") }
        if !result.forks.isEmpty { printOut("not in sync: \(Set(result.forks.map(\.feed)).count) feed(s) forked") }
        if errors.isEmpty && result.forks.isEmpty { printOut("in sync with every reachable peer") }
        return errors.isEmpty && result.forks.isEmpty ? ExitCode.success : ExitCode.failure
    }
}
