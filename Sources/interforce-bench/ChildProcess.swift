// Child processes for the replication mode: the `interforce` CLI, `Deploy/pki.sh`, and two `interforce serve`
// nodes. Every child is registered while it runs, so an error path, SIGINT, SIGTERM or SIGHUP stops all of them
// (SIGTERM, then SIGKILL after a grace period) before the benchmark exits; nothing is left behind.

import Foundation

/// The children running now, by pid.
final class Children: @unchecked Sendable {
    static let shared = Children()
    private let lock = NSLock()
    private var running: [Int32: Process] = [:]
    private var signalSources: [DispatchSourceSignal] = []

    func add(_ p: Process) { lock.withLock { running[p.processIdentifier] = p } }
    func remove(_ p: Process) { lock.withLock { _ = running.removeValue(forKey: p.processIdentifier) } }
    var pids: [Int32] { lock.withLock { Array(running.keys) } }

    /// SIGTERM to every child, SIGKILL to any still running after `grace` seconds; waits for all of them.
    func stopAll(grace: Double = 10) {
        let processes = lock.withLock { Array(running.values) }
        for p in processes where p.isRunning { kill(p.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        for p in processes {
            while p.isRunning, Date() < deadline { usleep(20_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            remove(p)
        }
    }

    /// On SIGINT, SIGTERM or SIGHUP: stop every child, run `cleanup`, exit 130.
    func stopOnSignals(cleanup: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("interforce-bench: signal \(sig), stopping children\n".utf8))
                Children.shared.stopAll(grace: 5)
                cleanup()
                exit(130)
            }
            source.resume()
            lock.withLock { signalSources.append(source) }
        }
    }
}

/// An environment for a child: ours without any INTERFORCE_* variable, plus `extra`.
func childEnvironment(_ extra: [String: String]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("INTERFORCE_") }
    for (k, v) in extra { env[k] = v }
    return env
}

/// Runs a command to completion; returns its stdout, throws with its stderr on a non-zero exit.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String] = childEnvironment([:]),
                scratch: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.environment = environment
    // stderr to a file and stdout to a pipe read to the end: no deadlock on a full pipe.
    let errPath = scratch + "/cmd-\(UUID().uuidString).err"
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    guard let errHandle = FileHandle(forWritingAtPath: errPath) else { throw BenchError("cannot create \(errPath)") }
    defer {
        try? errHandle.close()
        try? FileManager.default.removeItem(atPath: errPath)
    }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = errHandle
    p.standardInput = FileHandle.nullDevice
    try p.run()
    Children.shared.add(p)
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    Children.shared.remove(p)
    let stdout = String(decoding: data, as: UTF8.self)
    guard p.terminationReason == .exit, p.terminationStatus == 0 else {
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let name = ([URL(fileURLWithPath: executable).lastPathComponent] + arguments.prefix(2)).joined(separator: " ")
        throw BenchError("'\(name) ...' exited \(p.terminationStatus): \(stderr.suffix(600))")
    }
    return stdout
}

/// A long-running `interforce serve`.
final class ServeProcess {
    let force: String
    let logPath: String
    let process = Process()

    init(force: String, executable: String, dataDirectory: String, logPath: String) throws {
        self.force = force
        self.logPath = logPath
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve"]
        process.environment = childEnvironment(["INTERFORCE_DATA": dataDirectory])
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw BenchError("cannot create \(logPath)") }
        process.standardError = log
        process.standardOutput = log
        process.standardInput = FileHandle.nullDevice
    }

    func start() throws {
        try process.run()
        Children.shared.add(process)
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    var logTail: String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return String(text.suffix(800))
    }

    /// Throws, with the end of its log, if the process has exited.
    func checkAlive() throws {
        guard !process.isRunning else { return }
        let how = process.terminationReason == .uncaughtSignal ? "was killed by signal" : "exited with status"
        throw BenchError("\(force) node \(how) \(process.terminationStatus); its log ends:\n\(logTail)")
    }

    /// User + system CPU seconds used so far, from /proc/PID/stat.
    var cpuSeconds: Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after "pid (comm)": state is field 3, utime 14 and stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmHWM (peak resident set size) in bytes, from /proc/PID/status.
    var peakRSS: Int64? { procStatus("VmHWM") }
    var currentRSS: Int64? { procStatus("VmRSS") }

    private func procStatus(_ field: String) -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
            return kb.flatMap { Int64($0) }.map { $0 * 1024 }
        }
        return nil
    }

    /// SIGTERM, then waits up to `grace` seconds (SIGKILL after that). Returns how it ended, e.g. "exit 0".
    func stop(grace: Double = 30) -> (clean: Bool, summary: String, seconds: Double) {
        let start = monotonicNanos()
        if process.isRunning { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        var killed = false
        if process.isRunning {
            kill(pid, SIGKILL)
            killed = true
        }
        process.waitUntilExit()
        Children.shared.remove(process)
        let seconds = Double(monotonicNanos() - start) / 1e9
        if killed { return (false, "SIGKILL after \(Int(grace)) s", seconds) }
        switch process.terminationReason {
        case .exit: return (process.terminationStatus == 0, "exit \(process.terminationStatus)", seconds)
        case .uncaughtSignal: return (false, "killed by signal \(process.terminationStatus)", seconds)
        @unknown default: return (false, "unknown end", seconds)
        }
    }
}

/// Two free TCP ports on 127.0.0.1 (bound to port 0, read back, released).
func freeLoopbackPorts(_ count: Int) throws -> [UInt16] {
    var fds: [Int32] = []
    defer { fds.forEach { close($0) } }
    var ports: [UInt16] = []
    for _ in 0..<count {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket() failed: errno \(errno)") }
        fds.append(fd)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BenchError("bind() failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw BenchError("getsockname() failed: errno \(errno)") }
        ports.append(UInt16(bigEndian: addr.sin_port))
    }
    return ports
}
