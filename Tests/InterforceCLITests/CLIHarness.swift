// How the CLI tests drive the built `interforce`: every command is a real process, its exit code, stdout and
// stderr captured through files in the test's own temporary directory (files, not pipes, so a chatty child can
// never block on a full pipe). Each test owns a `Sandbox`; each node in it owns a data directory. Nothing here is
// shared between tests, so they run in parallel. Python 3 (for `cryptography` and `jsonschema`) and the sqlite3
// shell are run the same way: the outside checks use no code of the project.

import Foundation
import InterforceTestSupport
import Testing

/// A test's private world: a temporary directory, and the environment its processes run with (no INTERFORCE_*
/// variables from the caller, HOME inside the sandbox so nothing can fall back to the real ~/.interforce).
final class Sandbox {
    let tmp = TemporaryDirectory("interforce-cli")
    private var runs = 0
    let baseEnvironment: [String: String]

    init() {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("INTERFORCE_") }
        env["HOME"] = tmp.path
        env["NO_COLOR"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        baseEnvironment = env
    }

    func path(_ name: String) -> String { tmp.file(name) }

    func write(_ name: String, _ text: String) throws -> String {
        let p = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    /// Runs `executable` with `arguments` (as `account`, when given); `environment` entries are added to (or, when
    /// empty, removed from) the sandbox environment.
    @discardableResult
    func exec(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
              stdin: String? = nil, as account: TestAccount? = nil, in directory: String? = nil) throws -> RunResult {
        let (executable, arguments) = TestAccounts.command(executable, arguments, as: account)
        runs += 1
        let outPath = path(".run-\(runs).out"), errPath = path(".run-\(runs).err")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = baseEnvironment
        for (k, v) in environment { env[k] = v.isEmpty ? nil : v }
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? tmp.path)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let inPath = try write(".run-\(runs).in", stdin)
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let result = RunResult(command: [(executable as NSString).lastPathComponent] + arguments,
                               status: process.terminationStatus, stdout: try read(outPath), stderr: try read(errPath))
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
        return result
    }

    /// `interforce` with exactly the environment given (plus the sandbox's).
    @discardableResult
    func interforce(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
                    as account: TestAccount? = nil, in directory: String? = nil) throws -> RunResult {
        try exec(Fixtures.executable, arguments, environment: environment, stdin: stdin, as: account, in: directory)
    }

    /// Runs a Python 3 script (found with /usr/bin/env) written into the sandbox.
    func python(_ script: String, _ arguments: [String]) throws -> RunResult {
        runs += 1
        let file = try write("check-\(runs).py", script)
        return try exec("/usr/bin/env", ["python3", file] + arguments)
    }

    /// Python's verdict as JSON on stdout; fails the test when the script itself fails.
    func pythonJSON(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let r = try python(script, arguments)
        try #require(r.status == 0, "python failed\n\(r)")
        return try r.object()
    }

    /// The sqlite3 shell on a store, for tampering.
    @discardableResult
    func sqlite(_ database: String, _ sql: String) throws -> RunResult {
        let r = try exec("/usr/bin/env", ["sqlite3", database, sql])
        try #require(r.status == 0, "sqlite3 failed\n\(r)")
        return r
    }
}

/// One initialised node in its own data directory (INTERFORCE_DATA), owned by the test's own account, which is
/// registered as an officer with every role and OFFICIAL-SENSITIVE clearance (unless `register` is false); a purpose
/// is in the environment unless a call says otherwise.
struct CLINode {
    let sandbox: Sandbox
    let data: String
    let force: String
    let feed: String
    let publicKey: String

    /// The collar number the test's account is registered with.
    static let officer = "DS 1701"
    static let purpose = "investigation: cli test op ELM"

    init(_ sandbox: Sandbox, name: String = "node", force: String = "hampshire", groups: [String] = [],
         register: Bool = true) throws {
        self.sandbox = sandbox
        self.data = sandbox.path(name)
        self.force = force
        let r = try sandbox.interforce(["init", "--force", force, "-o", "json"] + groups.flatMap { ["--group", $0] },
                                       environment: ["INTERFORCE_DATA": data])
        try #require(r.status == 0, "init failed\n\(r)")
        let info = try r.object()
        feed = try #require(info["feed"] as? String)
        publicKey = try #require(info["publicKey"] as? String)
        if register {
            let added = try sandbox.interforce(["officer", "add", currentAccountName, "--collar", Self.officer,
                                                "--name", "Test Officer", "--role", "officer,analyst,supervisor,auditor",
                                                "--clearance", "OFFICIAL-SENSITIVE"], environment: ["INTERFORCE_DATA": data])
            try #require(added.status == 0, "officer add failed\n\(added)")
        }
    }

    var store: String { data + "/store.db" }

    /// Runs a command against this node (as `account`, when given). `purpose: false` leaves the purpose unset.
    @discardableResult
    func run(_ arguments: [String], purpose: Bool = true, environment: [String: String] = [:],
             stdin: String? = nil, as account: TestAccount? = nil, in directory: String? = nil) throws -> RunResult {
        var env = ["INTERFORCE_DATA": data]
        if purpose { env["INTERFORCE_PURPOSE"] = Self.purpose }
        env.merge(environment) { $1 }
        return try sandbox.interforce(arguments, environment: env, stdin: stdin, as: account, in: directory)
    }

    @discardableResult
    func run(_ arguments: String...) throws -> RunResult { try run(arguments) }

    /// Runs and requires exit 0.
    @discardableResult
    func ok(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws -> RunResult {
        let r = try run(arguments, environment: environment, stdin: stdin)
        try #require(r.status == 0, "\(r)")
        return r
    }

    @discardableResult
    func ok(_ arguments: String...) throws -> RunResult { try ok(arguments) }

    /// `record new TYPE --json DOC -o json`; returns the record id and entry hash.
    func new(_ type: String, _ document: String, _ extra: [String] = [], environment: [String: String] = [:]) throws
        -> (record: String, entry: String) {
        let o = try ok(["record", "new", type, "--json", document, "-o", "json"] + extra, environment: environment).object()
        return (try #require(o["record"] as? String), try #require(o["entry"] as? String))
    }

    func status() throws -> [String: Any] { try ok("status", "-o", "json").object() }

    /// The counts that must not move when a command is refused.
    func counts() throws -> [String: String] {
        let s = try status()
        var out: [String: String] = [:]
        for k in ["entries", "payloads", "records", "erased", "feeds", "digest"] { out[k] = "\(s[k] ?? "nil")" }
        return out
    }

    func show(_ id: String) throws -> [String: Any] { try ok("record", "show", id, "-o", "json").object() }

    /// The whole audit log (as read by an auditor, which itself appends a row).
    func auditLog(_ extra: [String] = []) throws -> [[String: Any]] {
        try ok(["audit", "log", "--limit", "100000", "-o", "json", "--purpose", "audit: cli check"] + extra).array()
    }
}

/// Unix permission bits of a path.
func mode(_ path: String) -> Int? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Int(st.st_mode & 0o777)
}

/// A 64-digit lowercase hex string from a seed digit pattern.
func hex64(_ seed: String) -> String {
    String(String(repeating: seed, count: 64 / max(seed.count, 1) + 1).prefix(64))
}
