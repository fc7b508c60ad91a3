// One way for the test support to run a program to completion: its output through files (a chatty child can never
// block on a full pipe), its exit status and both streams in a `RunResult`.

import Foundation

public enum ChildProcess {
    /// Runs `executable` with `arguments`, stdin from /dev/null, and waits for it.
    public static func run(_ executable: String, _ arguments: [String]) throws -> RunResult {
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
        try process.run()
        process.waitUntilExit()
        return RunResult(
            command: [(executable as NSString).lastPathComponent] + arguments,
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}
