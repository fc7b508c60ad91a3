// One way for the test support to run a program to completion: its output through files (a chatty child can never
// block on a full pipe), its exit status and both streams in a `RunResult`.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

public enum ChildProcess {
    /// Runs `executable` with `arguments`, stdin from /dev/null, and waits for it: at most `timeout` seconds, after
    /// which it is killed (SIGKILL) and its status is that of the signal. `environment` replaces the inherited one.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           timeout: Double? = nil) throws -> RunResult {
        let scratch = TemporaryDirectory("child")
        let out = scratch.file("out")
        let err = scratch.file("err")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardInput = FileHandle.nullDevice
        if let environment { process.environment = environment }
        try process.run()
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return RunResult(
            command: [(executable as NSString).lastPathComponent] + arguments,
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}
