// Python 3 as an outside checker (jsonschema, cryptography): a script run with the python3 on PATH, its stdout
// parsed as one JSON object by Foundation.

import Foundation

/// python3 from PATH with a script; its stdout as a JSON object.
public enum Python {
    public static func json(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let scratch = TemporaryDirectory("python")
        let file = scratch.file("script.py")
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        let r = try ChildProcess.run("/usr/bin/env", ["python3", file] + arguments)
        guard r.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        else { throw TestPKIError(message: "python3 failed (\(r.status)): \(r.stderr)") }
        return object
    }
}
