// The one error type of the pure core: a sentence naming what is wrong with a record, entry or document.
//
// Messages name fields, feeds, sequence numbers and hashes, never the contents of a record, so they can go to a
// terminal or the operational log without leaking what an officer wrote.

public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
