// JSONValue: the in-memory form of every document the core signs, stores and exchanges.
//
// Records are signed over their canonical bytes (see CanonicalJSON.swift), so the value type deliberately
// holds only what can be serialised to exactly one byte sequence: null, booleans, strings, arrays, objects and
// integers that an IEEE-754 double represents exactly (I-JSON, RFC 7493 §2.2). There are no floating-point
// numbers at all: their textual form is where independent JCS implementations most often disagree, and the
// data model does not need them. Keeping the type this small means any two nodes that agree on a value agree on
// its bytes, and therefore on its hash and on whether a signature covers it.
//
// Equality is exact: two values are equal exactly when their canonical bytes are equal. Swift's own `String`
// equality treats canonically equivalent strings ("é" as U+00E9 and as "e" + U+0301) as equal, but their
// canonical bytes — and so their hashes — differ; `JSONValue` therefore compares strings by their Unicode scalars.
// The one place Swift equivalence still shows through is object keys: a `[String: JSONValue]` cannot hold two
// canonically equivalent keys, so the parser rejects such a pair as a duplicate instead of silently merging them.

/// A JSON value restricted to the integer-only, I-JSON subset that the core can canonicalise
/// ([RFC 8785](https://www.rfc-editor.org/rfc/rfc8785)).
///
/// Build values with literals (`["kind": "note", "n": 3, "tags": ["a"], "gone": nil]`), parse them with
/// `JSONValue(parsing:)`, and serialise them with ``canonicalBytes``.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// An integer. Values produced by the parser are always within ±``maxSafeInteger``; values built in code are
    /// not checked, and serialise exactly, but other JCS implementations may not read them back.
    case int(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

// MARK: - Exact equality and hashing

extension JSONValue: Equatable {
    /// Exact equality: strings (and object keys) compare by Unicode scalars, not by Swift's canonical equivalence,
    /// so `a == b` exactly when `a.canonicalBytes == b.canonicalBytes`.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case let (.bool(a), .bool(b)):
            return a == b
        case let (.int(a), .int(b)):
            return a == b
        case let (.string(a), .string(b)):
            return a.utf8.elementsEqual(b.utf8)
        case let (.array(a), .array(b)):
            return a == b
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                // Look the key up, then confirm the stored key is the same scalars, not merely equivalent.
                guard let index = b.index(forKey: key) else { return false }
                let (otherKey, otherValue) = b[index]
                guard key.utf8.elementsEqual(otherKey.utf8), value == otherValue else { return false }
            }
            return true
        default:
            return false
        }
    }
}

extension JSONValue: Hashable {
    /// Hashes consistently with ``==(_:_:)``: exact equality implies Swift equality, so Swift's hashes of the
    /// payloads are reused.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let value):
            hasher.combine(1 as UInt8)
            hasher.combine(value)
        case .int(let value):
            hasher.combine(2 as UInt8)
            hasher.combine(value)
        case .string(let value):
            hasher.combine(3 as UInt8)
            hasher.combine(value)
        case .array(let value):
            hasher.combine(4 as UInt8)
            hasher.combine(value)
        case .object(let value):
            hasher.combine(5 as UInt8)
            hasher.combine(value)
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Like a `Dictionary` literal, a literal with duplicate keys is a programming error and traps.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(uniqueKeysWithValues: elements))
    }
}

// MARK: - Accessors

extension JSONValue {
    /// The member named `key` if this is an object that has one; otherwise `nil` (also for non-objects).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    /// The payload if this is a `.string`, else `nil`.
    public var string: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    /// The payload if this is an `.int`, else `nil`.
    public var int: Int64? {
        guard case .int(let value) = self else { return nil }
        return value
    }

    /// The payload if this is a `.bool`, else `nil`.
    public var bool: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    /// The elements if this is an `.array`, else `nil`.
    public var array: [JSONValue]? {
        guard case .array(let value) = self else { return nil }
        return value
    }

    /// The members if this is an `.object`, else `nil`.
    public var object: [String: JSONValue]? {
        guard case .object(let value) = self else { return nil }
        return value
    }

    /// `true` only for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The kind of value, for error messages that must not quote the value itself:
    /// `"null"`, `"boolean"`, `"integer"`, `"string"`, `"array"` or `"object"`.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
