// The error users of the node see: one sentence naming the problem (a file, a flag, a record id), never record
// contents or key material.

public struct NodeError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
