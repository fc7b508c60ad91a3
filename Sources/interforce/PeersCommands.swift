// `interforce peers list|status|add|remove` and `interforce sync`: the federation as this node sees it, and the
// forces it replicates with (Node+Peers.swift).

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
    static let abstract = "per peer: reachability, lag in entries and time, clock offset, last success and last error"
    static let usage = "peers status [-o table|json]"
    static let discussion = """
        STATE is 'ok' (the last exchange succeeded), 'unreachable' (it failed: the error follows the table, in
        full, with its time), 'never contacted', 'not a member' (configured, but the membership does not list it)
        or 'former' (no longer configured). LAG is what the peer lacks (+) and what this node lacks of its (-),
        as of its last answer, and for how long this node has held the oldest entry the peer lacks.
        """
    static let options = [outputOption]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let status = try context.api(args).peersStatus()
        let peers = status.peers
        let forked = Array(Set(status.forks.map(\.feed))).sorted()
        if format == .json {
            // One object per peer: the local API's fields, the forked feeds, and the warnings about that peer.
            printJSON(.array(zip(peers, status.json["peers"]?.array ?? []).map { p, json in
                guard case .object(var o) = json else { return json }
                o["forkedFeeds"] = .array(forked.map { .string($0) })
                o["warnings"] = .array(status.warnings.filter { $0.hasPrefix("peer '\(p.peer)'") || $0.hasPrefix("\(p.peer) ") }
                    .map { .string($0) })
                return .object(o)
            }))
            return ExitCode.success
        }
        let now = context.nowFunction()
        printOut(table(["PEER", "STATE", "LAST SUCCESS", "CLOCK", "SENT", "RECEIVED", "LAG"], peers.map { p in
            [p.peer, p.state, p.lastSuccess.map { ISOTime.format(millis: $0) } ?? "never",
             p.clockOffsetMillis.map(clockCell) ?? "-", String(p.entriesSent), String(p.entriesReceived),
             forked.isEmpty ? p.lagSummary : "forked"]
        }))
        for p in peers {
            if p.lag.count > 0 {
                let feeds = p.lag.keys.sorted().map { "\($0) \(p.lag[$0]! > 0 ? "+" : "")\(p.lag[$0]!)" }
                printOut(Terminal.text("\(p.peer) lag by feed: " + feeds.joined(separator: " ")))
            }
            if let error = p.lastError, let at = p.lastErrorAt {
                let recovered = (p.lastSuccess ?? 0) >= at ? " (since recovered)" : ""
                printOut(Terminal.text("\(p.peer) last error at \(ISOTime.format(millis: at)), "
                                       + "\(seconds(now - at)) ago\(recovered): \(error)"))
            }
        }
        for line in forkLines(status.forks) { printOut(line) }
        for p in peers { if let why = p.futureClock { printOut(Terminal.text("FUTURE-CLOCK \(p.peer): " + why)) } }
        for warning in status.warnings { printOut(Terminal.text("WARNING: " + warning)) }
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
    static let usage = "sync [--timeout SECONDS] [-o table|json]"
    static let options = [OptionSpec(name: "timeout", help: "wait at most this long (default 30, at most 600)",
                                     valueName: "SECONDS"), outputOption]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard let timeout = Int64(args.value("timeout") ?? "30"), (1...600).contains(timeout) else {
            throw UsageError("--timeout must be a whole number of seconds from 1 to 600")
        }
        let format = try OutputFormat.from(args)
        let result = try context.api(args).sync(SyncRequest(timeoutSeconds: timeout))
        let errors = result.errors
        if format == .json {
            printJSON(["inSync": .bool(errors.isEmpty && result.forks.isEmpty),
                       "errors": .object(errors.mapValues { .string($0) }), "forks": .array(result.forks.map(\.json))])
            return errors.isEmpty && result.forks.isEmpty ? ExitCode.success : ExitCode.failure
        }
        for (peer, message) in errors.sorted(by: { $0.key < $1.key }) { printErr(Terminal.text("\(peer): \(message)")) }
        // A fork is not "in sync", whatever the exchange did.
        for line in forkLines(result.forks) { printOut(line) }
        if !errors.isEmpty { printOut("\(errors.count) peer(s) failed") }
        if !result.forks.isEmpty { printOut("not in sync: \(Set(result.forks.map(\.feed)).count) feed(s) forked") }
        if errors.isEmpty && result.forks.isEmpty { printOut("in sync with every reachable peer") }
        return errors.isEmpty && result.forks.isEmpty ? ExitCode.success : ExitCode.failure
    }
}

/// `peers add FORCE` and `peers remove FORCE`: change `peers` in config.json, through the running node when it
/// serves (its workers follow at once) or in the stopped node's directory.
enum PeersChange {
    static func run(add: Bool, _ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one FORCE") }
        let force = args.positionals[0]
        guard Identifiers.isSlug(force) else { throw UsageError("'\(Terminal.text(force))' is not a force slug") }
        let result = try context.api(args).changePeers(
            PeersChangeRequest(requestId: try context.requestID(args), add: add, force: force))
        printOut("\(add ? "added" : "removed") peer \(force); peers: "
                 + (result.peers.isEmpty ? "none" : result.peers.joined(separator: ", "))
                 + "; replicating with: " + (result.active.isEmpty ? "none" : result.active.joined(separator: ", ")))
        for warning in result.warnings { printErr(Terminal.text("WARNING: " + warning)) }
        return ExitCode.success
    }
}

enum PeersAddCommand: Command {
    static let name = "peers add"
    static let abstract = "replicate with another member force (adds it to 'peers' in config.json)"
    static let usage = "peers add FORCE [--request-id ID]"
    static let discussion = """
        With 'serve' running the node starts replicating with FORCE at once, at the endpoint the membership lists.
        A force the installed membership does not list is added with a warning: replication starts when a
        membership that lists it is installed.
        """
    static let options = [requestIDOption]
    static let role = roleLine(.administer)
    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 { try PeersChange.run(add: true, args, context) }
}

enum PeersRemoveCommand: Command {
    static let name = "peers remove"
    static let abstract = "stop replicating with a force (removes it from 'peers' in config.json)"
    static let usage = "peers remove FORCE [--request-id ID]"
    static let discussion = "With 'serve' running the node stops its worker for FORCE at once (after its current exchange)."
    static let options = [requestIDOption]
    static let role = roleLine(.administer)
    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 { try PeersChange.run(add: false, args, context) }
}
