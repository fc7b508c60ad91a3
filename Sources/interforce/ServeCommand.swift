// `interforce serve`: runs the node in the foreground: the peer HTTPS server (mutual TLS), the local socket the
// CLI talks to (the typed local API, docs/PROTOCOL.md §10), and one replication worker per configured peer.
// SIGTERM or SIGINT stops it cleanly: workers finish their exchange, servers stop, the store is closed. On a full
// disk it starts and stops all the same, serving what needs no log row (DiskSpace.swift).

import Foundation
import InterforceCore
import InterforceNode
import InterforceTransport
import Synchronization

enum ServeCommand: Command {
    static let name = "serve"
    static let abstract = "run the node: peer HTTPS server, local socket, replication (foreground)"
    static let usage = "serve [--data DIR]"
    static let discussion = """
        Needs in config.json: listen (host:port), tlsCertificate, tlsKey, tlsCA (PEM paths), authority, and an
        installed membership ('interforce membership install'). Peers to connect to are 'peers' in config.json.
        With 'socketGroup' set, the socket is 0660 for that group and the data directory 0710, so the group's
        members reach the socket and nothing else; without it both are the node's account's only.
        """
    static let options: [OptionSpec] = []
    static let role = "the node's own account (the owner of the data directory)"

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.isEmpty else { throw UsageError("unexpected argument '\(args.positionals[0])'") }
        // Block the stop signals in every thread we start; the main thread takes them with sigwait.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let dir = context.dataDirectory(args)
        // A second `serve` on a running data directory: say so before anything tries to bind the port.
        if (try? LocalClient.connect(socket: dir.socket)) != nil {
            throw NodeError("\(dir.socket) is in use by a running server: a 'serve' already runs on \(dir.path)")
        }
        let node = try Node.open(dataDirectory: dir, now: context.nowFunction)
        try node.requireIntact()
        let config = node.config
        guard let listen = config.listen, let cert = config.tlsCertificate, let key = config.tlsKey,
              let ca = config.tlsCA
        else { throw NodeError("\(dir.config): 'listen', 'tlsCertificate', 'tlsKey' and 'tlsCA' are needed to serve") }
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            throw NodeError("\(dir.config): 'listen' must be host:port, e.g. 127.0.0.1:7401")
        }
        let host = String(listen[..<colon])
        try NodeCertificate.check(certificateFile: cert, caFile: ca, force: config.force,
                                  serverName: Replicator.serverName(of: config.force))
        guard let membership = node.membership else {
            throw NodeError("no membership installed: run 'interforce membership install FILE' first")
        }
        // A configured peer the membership does not list is a warning, not a refusal: a node may receive a version
        // without a force from its peers at any time, and its next start must not fail for it.
        for warning in try node.warnings() where warning.hasPrefix("peer '") { printErr("interforce: warning: " + warning) }
        let group = try socketGroup(config.socketGroup, directory: dir)
        let service = NodeService(node)
        let replicator = try Replicator(service: service,
                                        tls: TLSClientConfig(certificateFile: cert, privateKeyFile: key, trustedCAFile: ca),
                                        intervalSeconds: config.syncIntervalSeconds)
        let api = try PeerAPI(service: service, onAccepted: { replicator.notify() })
        let server = try HTTPSServer(bindAddress: host, port: port,
                                     tls: try TLSServerConfig(certificateFile: cert, privateKeyFile: key, trustedCAFile: ca),
                                     gate: { api.gate($0) }, handler: { api.handle($0) })
        api.observe { [weak server] in server?.statistics }
        let localNode = LocalNode(service: service, replicator: replicator)
        let localLimits = ServerLimits()
        let localAPI = try LocalAPIServer(local: localNode, limits: localLimits)
        let local = try HTTPSServer(unixSocketPath: dir.socket, group: group, limits: localLimits,
                                    onAccountRefused: { localAPI.refusedConnection($0, $1) },
                                    handler: { localAPI.handle($0) })
        let detail: JSONValue = ["listen": .string("\(host):\(server.port)"), "peers": .array(replicator.peers.map { .string($0) })]
        if let problem = try service.with({ try $0.logLifecycle("serve-start", detail: detail) }) {
            printErr("interforce: \(problem); serving in degraded mode: status, peers status, /healthz and /metrics "
                     + "answer; writes, reads and replication are refused until space is freed")
        }
        replicator.start()
        let checkpoints = CheckpointTimer(service: service, everySeconds: 300)
        checkpoints.start()
        printErr("interforce: \(config.force) serving on https://\(host):\(server.port), local socket \(dir.socket); "
                 + "peers: \(replicator.peers.isEmpty ? "none" : replicator.peers.joined(separator: ", "))")

        var received: Int32 = 0
        sigwait(&signals, &received)
        printErr("interforce: signal \(received), stopping")
        checkpoints.stop()
        replicator.stop()
        server.stop()
        local.stop()
        // The summaries of refusals only counted so far, of lookups of records not seen, and of connections refused
        // on the local socket.
        for (what, flush) in [("refusal", api.flush), ("lookup", localNode.flush), ("local refusal", localAPI.flush)] {
            do { try flush() } catch { printErr("interforce: the \(what) summaries could not be logged: \(error)") }
        }
        if let problem = try service.with({ try $0.logLifecycle("serve-stop", detail: ["signal": .int(Int64(received))]) }) {
            printErr("interforce: \(problem)")
        }
        return ExitCode.success
    }
}

/// The gid of the officers' group, with the data directory made 0710 for it (0700 without one), saying so when
/// that changes the directory. The files inside stay 0600.
func socketGroup(_ name: String?, directory dir: DataDirectory) throws -> UInt32? {
    var gid: UInt32?
    if let name {
        guard let entry = getgrnam(name) else { throw NodeError("socketGroup '\(name)' in \(dir.config): no such group") }
        gid = entry.pointee.gr_gid
    }
    var info = stat()
    guard stat(dir.path, &info) == 0 else { throw NodeError("cannot stat \(dir.path)") }
    let mode: mode_t = gid == nil ? 0o700 : 0o710
    if info.st_mode & 0o7777 != mode || (gid != nil && info.st_gid != gid!) {
        guard chown(dir.path, UInt32.max, gid ?? info.st_gid) == 0, chmod(dir.path, mode) == 0 else {
            throw NodeError("cannot set \(dir.path) to mode \(String(mode, radix: 8)): \(String(cString: strerror(errno)))")
        }
        printErr("interforce: \(dir.path) set to mode \(String(mode, radix: 8))"
                 + (name.map { " for group \($0)" } ?? "") + " (was \(String(info.st_mode & 0o7777, radix: 8)))")
    }
    return gid
}

/// Signs a checkpoint of the log head every few minutes while serving (if anything was logged since the last).
final class CheckpointTimer: Sendable {
    let service: NodeService
    let every: Double
    let condition = NSCondition()
    let stopping = Mutex(false)
    let done = DispatchSemaphore(value: 0)

    init(service: NodeService, everySeconds: Double) {
        self.service = service
        self.every = everySeconds
    }

    func start() {
        Thread { [self] in
            while true {
                condition.lock()
                let deadline = Date().addingTimeInterval(every)
                while !stopping.withLock({ $0 }), Date() < deadline { _ = condition.wait(until: deadline) }
                condition.unlock()
                if stopping.withLock({ $0 }) { break }
                _ = try? service.with { try $0.checkpoint() }
            }
            done.signal()
        }.start()
    }

    func stop() {
        condition.lock()
        stopping.withLock { $0 = true }
        condition.signal()
        condition.unlock()
        done.wait()
    }
}
