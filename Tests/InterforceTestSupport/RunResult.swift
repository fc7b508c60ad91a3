// The outcome of one child process in a test (the CLI, serve, python3, sqlite3, curl), with its output parsed by
// Foundation's JSONSerialization — deliberately not by the project's own JSON code.

import Foundation

public struct RunResult: CustomStringConvertible, Sendable {
    public let command: [String]
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public init(command: [String], status: Int32, stdout: String, stderr: String) {
        self.command = command
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    public var description: String {
        "$ \(command.joined(separator: " "))\nexit \(status)\n--- stdout\n\(stdout.prefix(5000))\n--- stderr\n\(stderr.prefix(5000))"
    }

    public func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }

    public func object() throws -> [String: Any] {
        guard let value = try json() as? [String: Any] else { throw TestPKIError(message: "expected a JSON object\n\(self)") }
        return value
    }

    public func array() throws -> [[String: Any]] {
        guard let value = try json() as? [[String: Any]] else {
            throw TestPKIError(message: "expected a JSON array of objects\n\(self)")
        }
        return value
    }

    /// stdout as JSON lines (what `entries export` writes).
    public func jsonLines() throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            guard let value = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw TestPKIError(message: "expected one JSON object per line\n\(self)")
            }
            return value
        }
    }

    public var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// An integer from a Foundation JSON value.
public func int(_ value: Any?) -> Int? {
    if let i = value as? Int { return i }
    if let n = value as? NSNumber { return n.intValue }
    return nil
}
