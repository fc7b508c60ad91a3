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
    static let abstract = "per peer: last success, last error, entries sent/received, lag per feed"
    static let usage = "peers status [-o table|json]"
    static let options = [outputOption]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let peers = try context.api(args).peersStatus().peers
        if format == .json {
            printJSON(.array(peers.map { p in
                [
                    "peer": .string(p.peer), "lastSuccess": p.lastSuccess.map { .int($0) } ?? .null,
                    "lastError": p.lastError.map { .string($0) } ?? .null,
                    "lastErrorAt": p.lastErrorAt.map { .int($0) } ?? .null,
                    "entriesSent": .int(p.entriesSent), "entriesReceived": .int(p.entriesReceived),
                    "lag": .object(p.lag.mapValues { .int($0) }),
                ]
            }))
        } else {
            printOut(table(["PEER", "LAST SUCCESS", "SENT", "RECEIVED", "LAG (+ they lack, - we lack)", "LAST ERROR"],
                           peers.map { p in
                let lag = p.lag.keys.sorted().map { "\($0) \(p.lag[$0]! > 0 ? "+" : "")\(p.lag[$0]!)" }
                return [p.peer, p.lastSuccess.map { ISOTime.format(millis: $0) } ?? "never", String(p.entriesSent),
                        String(p.entriesReceived), lag.isEmpty ? "in step" : lag.joined(separator: " "),
                        p.lastError.map { String($0.prefix(80)) } ?? "-"]
            }))
        }
        return ExitCode.success
    }
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
        let errors = try context.api(args).sync(SyncRequest(timeoutSeconds: timeout)).errors
        for (peer, message) in errors.sorted(by: { $0.key < $1.key }) { printErr(Terminal.text("\(peer): \(message)")) }
        printOut(errors.isEmpty ? "in sync with every reachable peer" : "\(errors.count) peer(s) failed")
        return errors.isEmpty ? ExitCode.success : ExitCode.failure
    }
}
