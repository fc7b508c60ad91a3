// Python 3 as an outside checker (jsonschema, cryptography): a script run with the python3 on PATH, its stdout
// parsed as one JSON object by Foundation.

import Foundation

/// python3 from PATH with a script; its stdout as a JSON object.
public enum Python {
    public static func json(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let scratch = TemporaryDirectory("python")
        let file = scratch.file("script.py"), out = scratch.file("out"), err = scratch.file("err")
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", file] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0,
              let object = try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        else { throw TestPKIError(message: "python3 failed (\(process.terminationStatus)): \(stderr)") }
        return object
    }
}
