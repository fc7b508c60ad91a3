// A real federation on loopback for tests: every node is its own `interforce serve` process with its own data
// directory, certificate (from Deploy/pki.sh) and port, under a membership the test's own authority signed, set
// up exactly as Deploy/demo.sh does it with the CLI (init with federation flags, membership describe, create,
// sign, install, serve). Each node's own account (the test's) is registered as an officer with every role and
// OFFICIAL-SENSITIVE clearance. Tests then drive the nodes as an officer would (the CLI, which talks to the running
// node over its socket, as the test's account or as another Unix account) and as a peer or an attacker would
// (PeerClient and curl against the HTTPS port).
//
// Every process is a child of the test: `serve` per node, `watch` when a test starts one, and short CLI runs.
// Output goes to files in the federation's temporary directory (a file never blocks a chatty child the way a
// full pipe does). `shutdown()`, called by `deinit` whatever way a test ends, sends SIGTERM to every child still
// running and SIGKILL 5 s later, so no process outlives its test. Each federation has its own directory and ports,
// so tests run in parallel.
//
// The fault suite (Faults/) places nodes elsewhere: at an address inside a network namespace (`hosts`), under a
// wrapper command (`start(_:wrapper:)`: `ip netns exec`, `faketime`), in a data directory of its choosing
// (`dataDirectories`, a small tmpfs), and kills them with SIGKILL (`crash`). It can also drive another build of
// the CLI (`binary`), such as the one from before issue 9's fix, whose commands still took `--officer` instead
// of knowing the officer from the account (`legacyCLI`).

import Foundation
import InterforceCore
import InterforceTestSupport
import InterforceTransport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct HarnessError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// A JSON object of integers (a version vector) from a Foundation JSON value.
func intMap(_ value: Any?) -> [String: Int] {
    ((value as? [String: Any]) ?? [:]).compactMapValues { int($0) }
}

/// Polls `condition` every 0.2 s until it holds; throws, naming `what`, after `timeout` seconds.
func waitUntil(timeout: Double, _ what: @autoclosure () -> String, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return }
        guard Date() < deadline else { throw HarnessError("timed out after \(timeout) s waiting for \(what())") }
        Thread.sleep(forTimeInterval: 0.2)
    }
}

final class Federation {
    struct Member {
        let force: String
        let groups: [String]
        let port: Int
        let data: String
        let feed: String
        let publicKey: String
        let certificate: String
        let key: String
        let host: String
        var url: String { "https://\(host):\(port)" }
        var socket: String { data + "/node.sock" }
        var store: String { data + "/store.db" }
    }

    static let federationName = "interforce-test"
    static let purpose = "investigation: federation test op ELM"
    /// The collar number the test's account is registered with at `force`'s node.
    static func officer(_ force: String) -> String { "DS 1 \(force)" }

    let tmp = TemporaryDirectory("ifed")
    let pkiDirectory: String
    let syncIntervalSeconds: Int
    private(set) var members: [String: Member] = [:]
    /// Forces in the order given.
    let forces: [String]
    private var servers: [String: Process] = [:]
    private var starts: [String: Int] = [:]
    /// Every background process ever started (servers, watches), for `shutdown`.
    private var children: [Process] = []
    private var runs = 0
    private let environment: [String: String]
    /// The `interforce` executable every command and `serve` runs.
    let binary: String
    /// Whether `binary` predates officers as Unix accounts: no `officer add`, and writes name the officer with
    /// INTERFORCE_OFFICER.
    let legacyCLI: Bool

    /// Creates the PKI, initialises one node per entry of `nodes` (force and groups), links them (`links` both
    /// ways, `oneWay` from the first to the second only), issues and installs membership version 1, and starts
    /// every node unless `start` is false.
    /// `hosts` gives a node's address (default 127.0.0.1), `dataDirectories` its data directory, `settings` more
    /// config.json settings for every node; `pkiWrapper` is a command pki.sh runs under.
    init(_ nodes: [(force: String, groups: [String])], links: [(String, String)] = [],
         oneWay: [(String, String)] = [], syncIntervalSeconds: Int = 2, socketGroup: String? = nil,
         start: Bool = true, binary: String = Fixtures.executable, hosts: [String: String] = [:],
         dataDirectories: [String: String] = [:], settings: [String: Any] = [:], pkiWrapper: [String] = []) throws {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("INTERFORCE_") }
        env["HOME"] = tmp.path
        env["NO_COLOR"] = "1"
        environment = env
        self.binary = binary
        legacyCLI = try ChildProcess.run(binary, ["officer", "list", "--help"]).status != 0
        self.syncIntervalSeconds = syncIntervalSeconds
        forces = nodes.map(\.force)
        pkiDirectory = tmp.file("pki")
        try FileManager.default.createDirectory(atPath: pkiDirectory, withIntermediateDirectories: true)

        // PKI: the federation CA, the authority's Ed25519 key, a TLS certificate per force.
        let pki = try TestPKI(directory: pkiDirectory, wrapper: pkiWrapper)
        try TestPKI.pki(["authority", pkiDirectory])
        var peers: [String: [String]] = [:]
        for (a, b) in links {
            peers[a, default: []].append(b)
            peers[b, default: []].append(a)
        }
        for (a, b) in oneWay { peers[a, default: []].append(b) }

        for node in nodes {
            let (certificate, key) = try pki.node(node.force)
            let port = try Self.freePort()
            let data = dataDirectories[node.force] ?? tmp.file(node.force)
            let host = hosts[node.force] ?? "127.0.0.1"
            var args = ["init", "--force", node.force, "--authority", pkiDirectory + "/authority.pub.pem",
                        "--listen", "\(host):\(port)", "--tls-cert", certificate, "--tls-key", key,
                        "--tls-ca", pki.caCertificate, "-o", "json"]
            args += node.groups.flatMap { ["--group", $0] }
            args += (peers[node.force] ?? []).flatMap { ["--peer", $0] }
            let info = try require(run(binary, args, extra: ["INTERFORCE_DATA": data])).object()
            let member = Member(force: node.force, groups: node.groups, port: port, data: data,
                                feed: try #require(info["feed"] as? String),
                                publicKey: try #require(info["publicKey"] as? String),
                                certificate: certificate, key: key, host: host)
            members[node.force] = member
            try setConfig(member, ["syncIntervalSeconds": syncIntervalSeconds, "socketGroup": socketGroup]
                          .merging(settings.mapValues { Optional($0) }) { $1 })
            if !legacyCLI {
                try ok(node.force, ["officer", "add", currentAccountName, "--collar", Self.officer(node.force),
                                    "--name", "Test Officer", "--role", "officer,analyst,supervisor,auditor",
                                    "--clearance", "OFFICIAL-SENSITIVE"])
            }
            let description = try ok(node.force, ["membership", "describe", "--name", "\(node.force) police",
                                                  "--endpoint", member.url]).stdout
            let file = tmp.file("\(node.force).member.json")
            try Data(description.utf8).write(to: URL(fileURLWithPath: file))
        }
        let signed = try issueMembership(version: 1)
        for force in forces { try ok(force, ["membership", "install", signed]) }
        if start { for force in forces { try self.start(force) } }
    }

    deinit { shutdown() }

    func member(_ force: String) -> Member { members[force]! }

    var caCertificate: String { pkiDirectory + "/ca.pem" }

    /// A certificate from the federation's CA with `subject` (openssl's `/O=.../CN=...` form) and the X.509v3
    /// `extensions` (openssl extfile lines), and its EC P-256 key, as `name`.pem and `name`.key in the test's directory.
    func issue(subject: String, name: String, extensions: String) throws -> (certificate: String, key: String) {
        let key = tmp.file(name + ".key"), csr = tmp.file(name + ".csr")
        let certificate = tmp.file(name + ".pem"), ext = tmp.file(name + ".ext")
        try Data(extensions.utf8).write(to: URL(fileURLWithPath: ext))
        try require(run("/usr/bin/env", ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]))
        try require(run("/usr/bin/env", ["openssl", "req", "-new", "-key", key, "-out", csr, "-subj", subject]))
        try require(run("/usr/bin/env", ["openssl", "x509", "-req", "-in", csr, "-CA", pkiDirectory + "/ca.pem",
                                         "-CAkey", pkiDirectory + "/ca.key", "-CAcreateserial", "-days", "30",
                                         "-extfile", ext, "-out", certificate]))
        return (certificate, key)
    }

    // MARK: Configuration and membership

    /// Sets `settings` in the node's config.json (read by `serve` at start); a nil value removes the setting.
    func setConfig(_ member: Member, _ settings: [String: Any?]) throws {
        let path = member.data + "/config.json"
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
                                  as? [String: Any])
        for (key, value) in settings {
            if let value { config[key] = value } else { config.removeValue(forKey: key) }
        }
        let bytes = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .prettyPrinted])
        // Written in place, so the file keeps its owner-only mode.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: bytes)
        try handle.close()
    }

    /// The authority's side: `membership create` from every node's description (plus `extra`, e.g.
    /// `--revoke-key HEX@TIME`), then `membership sign`. Returns the signed document's path.
    func issueMembership(version: Int, extra: [String] = []) throws -> String {
        let unsigned = tmp.file("membership-v\(version).json"), signed = tmp.file("membership-v\(version).signed.json")
        try require(run(binary, ["membership", "create", "--federation", Self.federationName,
                                              "--version", String(version)]
                        + forces.flatMap { ["--member", tmp.file("\($0).member.json")] } + extra + ["--out", unsigned]))
        try require(run(binary, ["membership", "sign", unsigned,
                                              "--authority-key", pkiDirectory + "/authority.key", "--out", signed]))
        return signed
    }

    // MARK: Processes

    /// Starts `interforce serve` for `force` (under `wrapper`, a command and its arguments, when given) and waits
    /// until its local socket and (for a node on loopback) its HTTPS port answer.
    func start(_ force: String, wrapper: [String] = []) throws {
        let m = member(force)
        precondition(servers[force] == nil, "\(force) is already running")
        starts[force, default: 0] += 1
        let label = "\(force).serve-\(starts[force]!)"
        let command = wrapper + [binary, "serve"]
        let process = try launch(command[0], Array(command.dropFirst()), extra: ["INTERFORCE_DATA": m.data],
                                 label: label)
        servers[force] = process
        do {
            try waitUntil(timeout: 30, "\(force) to serve on \(m.url) and \(m.socket)") {
                guard process.isRunning else {
                    throw HarnessError("serve for \(force) exited with \(process.terminationStatus)\n"
                                       + serveLog(force))
                }
                return isServing(m)
            }
        } catch {
            servers[force] = nil
            terminate(process)
            throw error
        }
    }

    /// Sends SIGTERM to the node's `serve` and waits for it; a clean stop exits 0 and removes the socket.
    func stop(_ force: String) throws {
        let removed = servers.removeValue(forKey: force)
        let process = try #require(removed, "\(force) is not running")
        process.terminate()
        let exited = wait(process, seconds: 20)
        if !exited { kill(process.processIdentifier, SIGKILL) }
        #expect(exited, "serve for \(force) did not stop within 20 s of SIGTERM")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0,
                "serve for \(force) must exit 0 on SIGTERM\n\(serveLog(force))")
        #expect(!FileManager.default.fileExists(atPath: member(force).socket), "a stopped node removes its socket")
    }

    /// Kills the node's `serve` with SIGKILL (no chance to finish anything) and waits for it to be gone.
    func crash(_ force: String) throws {
        let removed = servers.removeValue(forKey: force)
        let process = try #require(removed, "\(force) is not running")
        kill(process.processIdentifier, SIGKILL)
        #expect(wait(process, seconds: 20), "serve for \(force) did not die of SIGKILL")
    }

    /// Whether the node's `serve` is running (a node that exited by itself counts as not running).
    func isRunning(_ force: String) -> Bool { servers[force]?.isRunning ?? false }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) a running node, to stand in for a peer that hangs.
    func signal(_ force: String, _ signal: Int32) {
        if let process = servers[force] { kill(process.processIdentifier, signal) }
    }

    /// The process id of the node's running `serve`.
    func pid(_ force: String) -> Int32? { servers[force]?.processIdentifier }

    /// The stderr of the node's latest `serve`.
    func serveLog(_ force: String) -> String {
        let path = tmp.file("\(force).serve-\(starts[force] ?? 0).err")
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no serve log)"
    }

    /// Terminates every child still running: SIGTERM, then SIGKILL after 5 s.
    func shutdown() {
        let running = children.filter(\.isRunning)
        for p in running { p.terminate() }
        for p in running where !wait(p, seconds: 5) {
            kill(p.processIdentifier, SIGKILL)
            _ = wait(p, seconds: 5)
        }
        servers = [:]
    }

    /// Whether the node answers on its HTTPS port (/healthz, verified against the federation CA; only for a node on
    /// loopback, which this process can reach) and on its local socket (any answer at all). `serve` opens its
    /// HTTPS port before its socket.
    private func isServing(_ m: Member) -> Bool {
        guard FileManager.default.fileExists(atPath: m.socket) else { return false }
        var policy = ClientPolicy()
        policy.connectTimeoutMilliseconds = 500
        policy.totalTimeoutMilliseconds = 2000
        policy.retries = 0
        if m.host == "127.0.0.1" {
            guard let https = try? PeerClient(baseURL: m.url, tls: tls(m.force), policy: policy),
                  let health = try? https.send(ClientRequest(method: "GET", path: "/healthz")), health.status == 200
            else { return false }
        }
        guard let local = try? PeerClient(unixSocketPath: m.socket, policy: policy),
              (try? local.send(ClientRequest(method: "GET", path: "/"))) != nil
        else { return false }
        return true
    }

    /// Starts a child in the background (as `account`, when given), its output in `<label>.out` and `<label>.err`.
    func launch(_ executable: String, _ arguments: [String], extra: [String: String] = [:], label: String,
                as account: TestAccount? = nil, stdin: String? = nil, in directory: String? = nil) throws -> Process {
        let (executable, arguments) = TestAccounts.command(executable, arguments, as: account)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = environment
        for (k, v) in extra { env[k] = v }
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? tmp.path)
        let out = tmp.file(label + ".out"), err = tmp.file(label + ".err")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        if let stdin {
            let file = tmp.file(label + ".in")
            try Data(stdin.utf8).write(to: URL(fileURLWithPath: file))
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        children.append(process)
        return process
    }

    /// The output files of a child started with `launch`.
    func output(_ label: String) -> (stdout: String, stderr: String) {
        ((try? String(contentsOfFile: tmp.file(label + ".out"), encoding: .utf8)) ?? "",
         (try? String(contentsOfFile: tmp.file(label + ".err"), encoding: .utf8)) ?? "")
    }

    /// Waits up to `seconds` for `process` to exit; false if it is still running.
    @discardableResult
    func wait(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { return false }
        process.waitUntilExit()   // lets Foundation collect the final status
        return true
    }

    private func terminate(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        if !wait(process, seconds: 5) { kill(process.processIdentifier, SIGKILL); _ = wait(process, seconds: 5) }
    }

    /// Runs a program to completion (at most `timeout` seconds, then SIGKILL) in the federation's directory, as
    /// `account` when given.
    @discardableResult
    func run(_ executable: String, _ arguments: [String], extra: [String: String] = [:], timeout: Double = 60,
             as account: TestAccount? = nil, stdin: String? = nil, in directory: String? = nil) throws -> RunResult {
        runs += 1
        let label = ".run-\(runs)"
        let process = try launch(executable, arguments, extra: extra, label: label, as: account, stdin: stdin,
                                 in: directory)
        if !wait(process, seconds: timeout) {
            terminate(process)
            throw HarnessError("\(([executable] + arguments).joined(separator: " ")) did not finish in \(timeout) s")
        }
        let (stdout, stderr) = output(label)
        try? FileManager.default.removeItem(atPath: tmp.file(label + ".out"))
        try? FileManager.default.removeItem(atPath: tmp.file(label + ".err"))
        children.removeAll { $0 === process }
        return RunResult(command: [(executable as NSString).lastPathComponent] + arguments,
                         status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    @discardableResult
    func require(_ result: RunResult) throws -> RunResult {
        try #require(result.status == 0, "\(result)")
        return result
    }

    // MARK: The CLI against a node

    /// The environment of an officer at `force`'s node.
    func officerEnvironment(_ force: String) -> [String: String] {
        var env = ["INTERFORCE_DATA": member(force).data, "INTERFORCE_PURPOSE": Self.purpose]
        if legacyCLI { env["INTERFORCE_OFFICER"] = Self.officer(force) }
        return env
    }

    /// The whole environment a CLI run at `force`'s node gets (for runs from other threads, through ChildProcess).
    func cliEnvironment(_ force: String) -> [String: String] {
        environment.merging(officerEnvironment(force)) { $1 }
    }

    /// `interforce ARGS` at `force`'s node (through its socket when it serves), as the test's account or `account`.
    @discardableResult
    func cli(_ force: String, _ arguments: [String], timeout: Double = 60, as account: TestAccount? = nil,
             stdin: String? = nil, in directory: String? = nil, environment: [String: String] = [:]) throws -> RunResult {
        try run(binary, arguments, extra: officerEnvironment(force).merging(environment) { $1 },
                timeout: timeout, as: account, stdin: stdin, in: directory)
    }

    @discardableResult
    func cli(_ force: String, _ arguments: String...) throws -> RunResult { try cli(force, arguments) }

    /// `cli`, requiring exit 0.
    @discardableResult
    func ok(_ force: String, _ arguments: [String], timeout: Double = 60) throws -> RunResult {
        try require(cli(force, arguments, timeout: timeout))
    }

    @discardableResult
    func ok(_ force: String, _ arguments: String...) throws -> RunResult { try ok(force, arguments) }

    /// `record new TYPE --json DOC -o json`: the record id and entry hash.
    func write(_ force: String, _ type: String, _ document: String, audience: String? = nil,
               classification: String? = nil) throws -> (record: String, entry: String) {
        var args = ["record", "new", type, "--json", document, "-o", "json"]
        if let audience { args += ["--audience", audience] }
        if let classification { args += ["--classification", classification] }
        let o = try ok(force, args).object()
        return (try #require(o["record"] as? String), try #require(o["entry"] as? String))
    }

    func status(_ force: String) throws -> [String: Any] { try ok(force, "status", "-o", "json").object() }

    /// The state digest from `status -o json`.
    func digest(_ force: String) throws -> String { try #require(try status(force)["digest"] as? String) }

    /// Whether every node named has the same state digest.
    func sameDigest(_ forces: [String]) throws -> Bool { Set(try forces.map(digest)).count == 1 }

    /// `record show ID -o json`, or nil when the node does not hold the record (exit 1).
    func show(_ force: String, _ record: String) throws -> [String: Any]? {
        let r = try cli(force, "record", "show", record, "-o", "json")
        if r.status == 1 { return nil }
        return try require(r).object()
    }

    /// The whole audit log of a node, oldest first.
    func auditLog(_ force: String) throws -> [[String: Any]] {
        try ok(force, "audit", "log", "--limit", "1000000", "-o", "json").array().sorted {
            (int($0["seq"]) ?? 0) < (int($1["seq"]) ?? 0)
        }
    }

    /// Every entry the node holds, as `entries export` writes them (one envelope per line).
    func export(_ force: String, feed: String? = nil, after: Int? = nil) throws -> [String] {
        var args = ["entries", "export"]
        if let feed { args += ["--feed", feed] }
        if let after { args += ["--after", String(after)] }
        return try ok(force, args).stdout.split(separator: "\n").map(String.init)
    }

    /// The sqlite3 shell on a node's store (read-only queries while it serves: the store is in WAL mode).
    func sqlite(_ force: String, _ sql: String) throws -> String {
        try require(run("/usr/bin/env", ["sqlite3", member(force).store, sql])).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `curl` (the command-line tool) with the given arguments, never through a proxy.
    func curl(_ arguments: [String]) throws -> RunResult {
        try run("/usr/bin/env", ["curl", "--silent", "--show-error", "--noproxy", "*", "--max-time", "20"] + arguments)
    }

    // MARK: Talking to a node as a peer

    /// The TLS identity of `force`'s node, trusting the federation CA.
    func tls(_ force: String) -> TLSClientConfig {
        TLSClientConfig(certificateFile: member(force).certificate, privateKeyFile: member(force).key,
                        trustedCAFile: caCertificate)
    }

    /// A client to `target`'s HTTPS port presenting `identity` (by default, as `force`'s node).
    func client(to target: String, as force: String) throws -> PeerClient {
        try client(to: target, tls: tls(force))
    }

    func client(to target: String, tls: TLSClientConfig) throws -> PeerClient {
        var policy = ClientPolicy()
        policy.retries = 0
        policy.connectTimeoutMilliseconds = 3000
        policy.totalTimeoutMilliseconds = 20_000
        return try PeerClient(baseURL: member(target).url, tls: tls, policy: policy)
    }

    /// POSTs `{"items": [...]}` (each item an envelope's JSON text) to `target` as `force`; the HTTP status and
    /// the parsed body.
    func push(_ items: [String], to target: String, as force: String) throws -> (status: Int, body: [String: Any]) {
        try pushRaw("{\"items\":[" + items.joined(separator: ",") + "]}", to: target, as: force)
    }

    /// POSTs `body` as it is to `target`'s /v1/entries as `force`.
    func pushRaw(_ body: String, to target: String, as force: String) throws -> (status: Int, body: [String: Any]) {
        let response = try client(to: target, as: force).send(
            ClientRequest(method: "POST", path: "/v1/entries", headers: [("Content-Type", "application/json")],
                          body: Array(body.utf8)))
        let parsed = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        return (response.status, parsed)
    }

    // MARK: Ports

    private static let handedOut = Mutex(Set<Int>())

    /// A TCP port on 127.0.0.1 that nothing listens on now, chosen at random below Linux's ephemeral range
    /// (32768-60999) so that no outgoing connection can take it before `serve` binds it, and never handed to
    /// two federations of this test process.
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if bound == 0 { return port }
        }
        throw HarnessError("no free port found")
    }
}

/// Helpers for entry envelopes as JSON text (the exchange format), through the project's canonical JSON.
enum Envelope {
    static func parse(_ text: String) throws -> JSONValue { try JSONValue(parsing: text) }

    /// `text` with one top-level member replaced.
    static func replacing(_ text: String, _ key: String, with value: JSONValue) throws -> String {
        var o = try #require(try parse(text).object)
        o[key] = value
        return JSONValue.object(o).canonicalText
    }

    static func header(_ text: String) throws -> [String: JSONValue] {
        try #require(try parse(text)["header"]?.object)
    }

    static func hash(_ text: String) throws -> String { try #require(try parse(text)["hash"]?.string) }

    static func seq(_ text: String) throws -> Int64 { try #require(try header(text)["seq"]?.int) }

    static func author(_ text: String) throws -> String { try #require(try header(text)["author"]?.string) }
}
