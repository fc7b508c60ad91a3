// The CLI and a running node: when `interforce serve` is running on a data directory, every command that touches
// the node is forwarded to it over the Unix socket <data>/node.sock (mode 0600), runs inside the node under its
// policy and log, and its output comes back. Without a running node the CLI opens the store itself.
// Paths in arguments are made absolute first, since the node does not share the CLI's working directory.

import Foundation
import InterforceCore
import InterforceNode
import InterforceTransport

/// What a forwarded command can reach inside `serve`.
struct RunningNode {
    /// Nil for commands that run outside the node's lock (`sync` waits on the replication workers, which need it).
    let node: Node?
    let replicator: Replicator?
}

enum Forwarding {
    /// Commands that never forward: they create or run the node, or work on files only.
    static let local: Set<String> = ["init", "serve", "schema write", "membership create", "membership sign",
                                     "membership inspect", "membership describe", "watch"]
    /// Commands after which the node pushes at once.
    static let writes: Set<String> = ["record new", "record update", "record erase", "entries ingest",
                                      "membership install"]
    static let pathOptions: Set<String> = ["file", "out"]

    /// Sends `argv` to the node listening on `socket`; nil if no node answers there.
    static func forward(command: any Command.Type, argv: [String], args: ParsedArguments, socket: String,
                        environment: [String: String]) -> Int32? {
        guard FileManager.default.fileExists(atPath: socket) else { return nil }
        var policy = ClientPolicy()
        policy.connectTimeoutMilliseconds = 1000
        policy.totalTimeoutMilliseconds = 300_000
        policy.retries = 0
        guard let client = try? PeerClient(unixSocketPath: socket, policy: policy) else { return nil }
        var stdin: [UInt8] = []
        let readsStdin = args.value("file") == "-" || (command.name == "entries ingest" && args.positionals == ["-"])
        if readsStdin { stdin = [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        let forwardedEnv = environment.filter { ["INTERFORCE_OFFICER", "INTERFORCE_PURPOSE", "NO_COLOR"].contains($0.key) }
        let body: JSONValue = [
            "argv": .array(absolutePaths(argv, command: command).map { .string($0) }),
            "env": .object(forwardedEnv.mapValues { .string($0) }),
            "stdin": .string(String(decoding: stdin, as: UTF8.self)),
        ]
        let response: ClientResponse
        do {
            response = try client.send(ClientRequest(method: "POST", path: "/local/v1/run",
                                                     headers: [("Content-Type", "application/json")],
                                                     body: body.canonicalBytes))
        } catch {
            if error.kind == .connect || error.kind == .timeout { return nil }   // stale socket: run locally
            printErr("interforce: the running node did not answer: \(error)")
            return ExitCode.failure
        }
        guard response.status == 200, let reply = try? JSONValue(parsing: response.body),
              let exit = reply["exit"]?.int
        else {
            printErr("interforce: the running node refused the command (HTTP \(response.status))")
            return ExitCode.failure
        }
        writeOut(Array((reply["stdout"]?.string ?? "").utf8))
        writeErr(Array((reply["stderr"]?.string ?? "").utf8))
        return Int32(exit)
    }

    static func absolutePaths(_ argv: [String], command: any Command.Type) -> [String] {
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ p: String) -> String { p == "-" || p.hasPrefix("/") ? p : cwd + "/" + p }
        var out: [String] = []
        var expectPath = false
        let words = command.name.split(separator: " ").count
        for (i, arg) in argv.enumerated() {
            if expectPath { out.append(absolute(arg)); expectPath = false; continue }
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "="),
               pathOptions.contains(String(arg[arg.index(arg.startIndex, offsetBy: 2)..<eq])) {
                out.append(String(arg[...eq]) + absolute(String(arg[arg.index(after: eq)...])))
                continue
            }
            if arg.hasPrefix("--"), pathOptions.contains(String(arg.dropFirst(2))) { expectPath = true }
            let positionalFile = i >= words && !arg.hasPrefix("-")
                && ["entries ingest", "membership install"].contains(command.name)
                && (i == 0 || !argv[i - 1].hasPrefix("--"))
            out.append(positionalFile ? absolute(arg) : arg)
        }
        return out
    }

    /// The node side: runs a forwarded command against the running node and captures its output.
    static func serve(_ request: HTTPRequest, service: NodeService, replicator: Replicator?) -> HTTPResponse {
        guard request.method == "POST", request.path == "/local/v1/run" else {
            return .text(404, "not found\n")
        }
        guard let body = try? JSONValue(parsing: request.body), let argv = body["argv"]?.array?.compactMap(\.string)
        else { return .text(400, "expected {\"argv\": [...]}\n") }
        if let command = match(argv), local.contains(command.name) {
            return .text(400, "'\(command.name)' does not run inside the node\n")
        }
        let env = (body["env"]?.object ?? [:]).compactMapValues(\.string)
        let captured = CapturedOutput(stdin: Array((body["stdin"]?.string ?? "").utf8))
        let exit: Int32
        if match(argv)?.name == "sync" {
            exit = Output.$captured.withValue(captured) {
                dispatch(argv, context: Context(environment: env, running: RunningNode(node: nil, replicator: replicator)))
            }
        } else { do {
            exit = try service.with { node -> Int32 in
                Output.$captured.withValue(captured) {
                    dispatch(argv, context: Context(environment: env, running: RunningNode(node: node, replicator: replicator)))
                }
            }
        } catch {
            return .text(500, "\(error)\n")
        } }
        if exit == ExitCode.success, let command = match(argv), writes.contains(command.name) {
            replicator?.notify()
        }
        let reply: JSONValue = [
            "exit": .int(Int64(exit)), "stdout": .string(String(decoding: captured.stdout, as: UTF8.self)),
            "stderr": .string(String(decoding: captured.stderr, as: UTF8.self)),
        ]
        return .json(200, reply.canonicalBytes)
    }
}
