// `interforce peers list|status` and `interforce sync`: the federation as this node sees it.

import InterforceCore
import InterforceNode
import InterforceStore

enum PeersListCommand: Command {
    static let name = "peers list"
    static let abstract = "list the member forces, their groups and endpoints, and which are this node's peers"
    static let usage = "peers list [-o table|json]"
    static let options = [outputOption]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let node = try context.openNode(args)
        guard let m = node.membership else { throw NodeError("no membership installed") }
        let rows = m.members.map { member -> [String] in
            [member.force, member.groups.joined(separator: ","), member.endpoint,
             member.force == node.config.force ? "self" : (node.config.peers.contains(member.force) ? "peer" : "-")]
        }
        if format == .json {
            printOut(JSONValue.array(rows.map { ["force": .string($0[0]), "groups": .string($0[1]),
                                                 "endpoint": .string($0[2]), "link": .string($0[3])] }).prettyText())
        } else {
            printOut("membership version \(m.version) of \(m.federation)")
            printOut(table(["FORCE", "GROUPS", "ENDPOINT", "LINK"], rows))
        }
        return ExitCode.success
    }
}

enum PeersStatusCommand: Command {
    static let name = "peers status"
    static let abstract = "per peer: last success, last error, entries sent/received, lag per feed"
    static let usage = "peers status [-o table|json]"
    static let options = [outputOption]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let node = try context.openNode(args)
        let mine = try node.store.versionVector()
        let records = try node.store.peerRecords()
        let forks = try node.forks()
        let forked = Array(Set(forks.map(\.feed))).sorted()
        func lag(_ p: PeerRecord) -> [String: Int64] {
            var out: [String: Int64] = [:]
            for (feed, seq) in mine where seq > p.vector[feed] ?? 0 { out[feed] = seq - (p.vector[feed] ?? 0) }
            for (feed, seq) in p.vector where seq > mine[feed] ?? 0 { out[feed] = -(seq - (mine[feed] ?? 0)) }
            return out
        }
        if format == .json {
            printOut(JSONValue.array(records.map { p in
                [
                    "peer": .string(p.peer), "lastSuccess": p.lastSuccess.map { .int($0) } ?? .null,
                    "lastError": p.lastError.map { .string($0) } ?? .null,
                    "lastErrorAt": p.lastErrorAt.map { .int($0) } ?? .null,
                    "entriesSent": .int(p.entriesSent), "entriesReceived": .int(p.entriesReceived),
                    "lag": .object(lag(p).mapValues { .int($0) }),
                    "forkedFeeds": .array(forked.map { .string($0) }),
                ]
            }).prettyText())
        } else {
            printOut(table(["PEER", "LAST SUCCESS", "SENT", "RECEIVED", "LAG (+ they lack, - we lack)", "LAST ERROR"],
                           records.map { p in
                let l = lag(p)
                return [p.peer, p.lastSuccess.map { ISOTime.format(millis: $0) } ?? "never", String(p.entriesSent),
                        String(p.entriesReceived),
                        l.isEmpty ? (forked.isEmpty ? "in step" : "forked") : l.keys.sorted().map { "\($0) \(l[$0]! > 0 ? "+" : "")\(l[$0]!)" }.joined(separator: " "),
                        p.lastError.map { String($0.prefix(80)) } ?? "-"]
            }))
            for line in forkLines(forks) { printOut(line) }
        }
        return ExitCode.success
    }
}

/// One line per fork held: the feed, the position and the two hashes.
func forkLines(_ forks: [ForkEvidence]) -> [String] {
    forks.map { "FORK \($0.feed) seq \($0.seq): two signed versions (\($0.hashes[0].prefix(16))..., "
                + "\($0.hashes[1].prefix(16))...); evidence held, see 'audit log --kind alert'" }
}

enum SyncCommand: Command {
    static let name = "sync"
    static let abstract = "exchange with every peer now and wait for the result (needs 'serve' running)"
    static let usage = "sync [--timeout SECONDS]"
    static let options = [OptionSpec(name: "timeout", help: "wait at most this long (default 30)", valueName: "SECONDS")]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard let replicator = context.running?.replicator else {
            throw NodeError("no running node for this data directory: start 'interforce serve' first")
        }
        let timeout = Double(args.value("timeout") ?? "30") ?? -1
        guard timeout > 0 else { throw UsageError("--timeout must be a positive number of seconds") }
        let errors = replicator.syncNow(timeoutSeconds: timeout)
        for (peer, message) in errors.sorted(by: { $0.key < $1.key }) { printErr("\(peer): \(message)") }
        // A fork is not "in sync", whatever the exchange did.
        let forks = try replicator.forks()
        for line in forkLines(forks) { printOut(line) }
        if !errors.isEmpty { printOut("\(errors.count) peer(s) failed") }
        if !forks.isEmpty { printOut("not in sync: \(Set(forks.map(\.feed)).count) feed(s) forked") }
        if errors.isEmpty && forks.isEmpty { printOut("in sync with every reachable peer") }
        return errors.isEmpty && forks.isEmpty ? ExitCode.success : ExitCode.failure
    }
}
