// SQLValue: the values that cross the boundary between Swift and SQLite.
//
// SQLite stores every value in one of five storage classes (NULL, INTEGER, REAL, TEXT, BLOB; see
// https://sqlite.org/datatype3.html). The store never writes REAL, so the Swift side models the
// four it uses and nothing else: a value is bound as exactly one of these cases, and a value read
// back is copied out of SQLite into one of them, so no Swift value ever points into SQLite memory.
// A REAL that a query computes anyway (for example `avg()`) is read as SQLite's own text rendering
// of it rather than silently truncated to an integer.

/// One SQLite value, bound as a statement parameter or read from a result column.
///
/// Literals convert directly, so call sites read naturally:
///
///     try db.run("INSERT INTO entry(id, body, deleted) VALUES (?, ?, ?)", "e1", .blob(bytes), 0)
public enum SQLValue: Sendable, Hashable {
    /// SQL `NULL`.
    case null
    /// A 64-bit signed integer (storage class INTEGER).
    case int(Int64)
    /// UTF-8 text (storage class TEXT). Embedded NUL characters survive the round trip.
    case text(String)
    /// Bytes (storage class BLOB). An empty blob stays an empty blob; it never becomes `NULL`.
    case blob([UInt8])
}

extension SQLValue {
    /// `.text(s)`, or `.null` when `s` is nil.
    public init(_ s: String?) {
        self = s.map { .text($0) } ?? .null
    }

    /// `.int(i)`, or `.null` when `i` is nil.
    public init(_ i: Int?) {
        self = i.map { .int(Int64($0)) } ?? .null
    }

    /// `.int(i)`, or `.null` when `i` is nil.
    public init(_ i: Int64?) {
        self = i.map { .int($0) } ?? .null
    }

    /// `.blob(b)`, or `.null` when `b` is nil.
    public init(_ b: [UInt8]?) {
        self = b.map { .blob($0) } ?? .null
    }

    /// `.int(1)` for true and `.int(0)` for false, SQLite's own boolean convention.
    public init(_ b: Bool) {
        self = .int(b ? 1 : 0)
    }

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The integer, or nil when the value is not an `.int`.
    public var intValue: Int64? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// The text, or nil when the value is not a `.text`.
    public var textValue: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    /// The bytes, or nil when the value is not a `.blob`.
    public var blobValue: [UInt8]? {
        if case .blob(let b) = self { return b }
        return nil
    }
}

extension SQLValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .text(value)
    }
}

extension SQLValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) {
        self = .int(value)
    }
}

extension SQLValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) {
        self = .null
    }
}
