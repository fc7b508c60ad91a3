// Real certificates for tests, made by the same Deploy/pki.sh operators use: a federation CA and node
// certificates per force, in a test's own temporary directory.

import Foundation

public struct TestPKI: Sendable {
    public let directory: String
    /// A command pki.sh runs under (e.g. `faketime -f -1h`, for certificates valid from an hour ago).
    public let wrapper: [String]

    /// Creates a CA in `directory` (which must exist).
    public init(directory: String, wrapper: [String] = []) throws {
        self.directory = directory
        self.wrapper = wrapper
        try Self.pki(["ca", directory], wrapper: wrapper)
    }

    /// Issues a node certificate for `force`; returns (certificate PEM path, key PEM path).
    @discardableResult
    public func node(_ force: String, days: Int = 30) throws -> (certificate: String, key: String) {
        try Self.pki(["node", directory, force, String(days)], wrapper: wrapper)
        return (directory + "/\(force).pem", directory + "/\(force).key")
    }

    public var caCertificate: String { directory + "/ca.pem" }

    public static func pki(_ arguments: [String], wrapper: [String] = []) throws {
        let command = wrapper + [Fixtures.packageRoot + "/Deploy/pki.sh"] + arguments
        let r = try ChildProcess.run(command[0], Array(command.dropFirst()))
        guard r.status == 0 else {
            throw TestPKIError(message: "pki.sh \(arguments.joined(separator: " ")) failed: " + r.stderr)
        }
    }
}

public struct TestPKIError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
