// JSONParser: turns bytes from disk or from another node into a `JSONValue`, or refuses them.
//
// Everything the node receives passes through here before it is checked, stored or signed, so the parser is
// strict where laxness would let two nodes read the same bytes differently: RFC 8259 grammar with nothing
// extra (no comments, trailing commas, BOM, NaN or single quotes), well-formed UTF-8 only, no duplicate keys
// (RFC 8259 §4 leaves their meaning undefined — one parser keeps the first, another the last), no lone
// surrogates (they cannot be represented in a Swift `String` or re-serialised), and integers only, within the
// range a double holds exactly (I-JSON, RFC 7493 §2.2), so that every accepted document has exactly one
// canonical form (RFC 8785). A depth limit bounds the recursion an attacker can cause, and a `JSONBudget` bounds
// what a parse may build: a count of values and an estimate of the memory the tree takes, charged as it is built,
// so that a peer's document cannot grow many times its size in memory (`{"":0},` repeated takes 26 times its size
// as `JSONValue`; a budget proportional to the input stops it at the factor the caller chose).
//
// Errors report a byte offset and what was expected, never the document's contents: documents carry police data,
// and errors end up in logs. The only exception is the name of a duplicated key, which is schema, not data.
//
// The parser works on a byte buffer with an index and builds a `String` only once per JSON string, straight from
// the input bytes when the string has no escapes.

/// A document was not accepted by `JSONValue(parsing:)`.
///
/// `message` says what was wrong and never quotes the document, except the name of a duplicated key.
public struct JSONError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was wrong, e.g. `"numbers must be integers (no fraction or exponent)"`.
    public let message: String
    /// Zero-based byte offset into the UTF-8 input where the problem was found.
    public let offset: Int
    /// Whether the document was refused for exceeding its ``JSONBudget`` (values or bytes), not for its grammar.
    public let overBudget: Bool

    public init(message: String, offset: Int, overBudget: Bool = false) {
        self.message = message
        self.offset = offset
        self.overBudget = overBudget
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSONValue {
    /// The largest magnitude the parser accepts, 2^53 − 1: every integer up to it is exactly representable as an
    /// IEEE-754 double, which I-JSON requires for interoperability
    /// ([RFC 7493 §2.2](https://www.rfc-editor.org/rfc/rfc7493#section-2.2)).
    public static let maxSafeInteger: Int64 = 9_007_199_254_740_991

    /// Parses exactly one JSON value from UTF-8 `bytes`, surrounded only by JSON whitespace.
    ///
    /// Beyond [RFC 8259](https://www.rfc-editor.org/rfc/rfc8259), this rejects: invalid UTF-8; numbers with a
    /// fraction or exponent; integers outside ±``maxSafeInteger``; leading zeros; duplicate object keys (including
    /// keys Swift considers canonically equivalent); lone surrogate escapes; and nesting deeper than `maxDepth`
    /// arrays/objects (a top-level container is depth 1; scalars are depth 0). `-0` parses as `0`.
    ///
    /// Parsing recurses once per nesting level, so keep `maxDepth` modest.
    ///
    /// - Throws: ``JSONError`` with the byte offset of the problem.
    public init(parsing bytes: [UInt8], maxDepth: Int = 64) throws(JSONError) {
        try self.init(parsing: bytes, budget: JSONBudget(maxDepth: maxDepth))
    }

    /// Parses exactly one JSON value from UTF-8 `bytes` within `budget`: the rules of `init(parsing:maxDepth:)`, and
    /// a document whose tree would hold more than `budget.maxValues` values or take more than `budget.maxBytes`
    /// (estimated) is refused with ``JSONError/overBudget`` set, as soon as the parse reaches the limit.
    public init(parsing bytes: [UInt8], budget: JSONBudget) throws(JSONError) {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONError) -> JSONValue in
                var parser = JSONParser(buffer, budget: budget)
                return try parser.parseDocument()
            }
        }
        self = try result.get()
    }

    /// Parses exactly one JSON value from `text`; offsets in errors count bytes of its UTF-8 encoding.
    ///
    /// See `init(parsing:maxDepth:)` on `[UInt8]` for the rules.
    public init(parsing text: String, maxDepth: Int = 64) throws(JSONError) {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONError) -> JSONValue in
                var parser = JSONParser(buffer, budget: JSONBudget(maxDepth: maxDepth))
                return try parser.parseDocument()
            }
        }
        self = try result.get()
    }
}

/// What one parse may build. Every value counts once against `maxValues`; against `maxBytes` counts an estimate of
/// the memory the finished `JSONValue` tree takes, charged as the parse goes, so a parse that would exceed either
/// stops there, having built at most that much:
///
/// | part of the tree | bytes charged |
/// | --- | --- |
/// | every value (its slot in the parent array or dictionary) | 24 |
/// | a non-empty array (its storage header) | 48 |
/// | a non-empty object (its hash table header), and each member | 112, and 80 |
/// | a string or key of more than 15 UTF-8 bytes (small strings live inline) | 64 + its length |
///
/// The figures are measured (Swift 6.3, Linux, glibc malloc) and rounded up, per element of a long array:
/// `{"":0}` takes 184 bytes and is charged 240, `{"a":0,"b":1}` 265 and 344, `"0123456789abcdef"` 104 and 104,
/// `[0]` 88 and 96, `0` 24 and 24. ``proportional(toInput:factor:)`` makes "parsed size is at most `factor` times the input" a promise.
public struct JSONBudget: Sendable, Equatable {
    /// Arrays and objects nested deeper than this are refused (a top-level container is depth 1).
    public var maxDepth: Int
    /// Values (scalars, arrays and objects; not keys) the tree may hold.
    public var maxValues: Int
    /// Estimated bytes of memory the tree may take (table above).
    public var maxBytes: Int

    public init(maxDepth: Int = 64, maxValues: Int = .max, maxBytes: Int = .max) {
        self.maxDepth = maxDepth
        self.maxValues = maxValues
        self.maxBytes = maxBytes
    }

    /// A tree of at most `factor` bytes per input byte, plus 4 KiB so that a small document's fixed costs fit.
    public static func proportional(toInput bytes: Int, factor: Int, maxDepth: Int = 64) -> JSONBudget {
        let (scaled, overflow) = max(0, bytes).multipliedReportingOverflow(by: max(1, factor))
        return JSONBudget(maxDepth: maxDepth, maxBytes: overflow ? .max : scaled + 4096)
    }

    static let valueBytes = 24
    static let arrayBytes = 48
    static let objectBytes = 112
    static let memberBytes = 80
    static let heapStringBytes = 64
    /// Strings of at most this many UTF-8 bytes are stored inside the `String` value, without an allocation.
    static let inlineStringBytes = 15
}

// MARK: - Implementation

private enum JSONByte {
    static let quote: UInt8 = 0x22  // "
    static let backslash: UInt8 = 0x5C  // \
    static let slash: UInt8 = 0x2F  // /
    static let comma: UInt8 = 0x2C  // ,
    static let colon: UInt8 = 0x3A  // :
    static let minus: UInt8 = 0x2D  // -
    static let period: UInt8 = 0x2E  // .
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let openBracket: UInt8 = 0x5B  // [
    static let closeBracket: UInt8 = 0x5D  // ]
    static let openBrace: UInt8 = 0x7B  // {
    static let closeBrace: UInt8 = 0x7D  // }
    static let lowerE: UInt8 = 0x65
    static let upperE: UInt8 = 0x45
}

/// A single-use recursive-descent parser over a borrowed buffer. Only valid inside the `with…` closure that
/// provided the buffer.
private struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let budget: JSONBudget
    private var maxDepth: Int { budget.maxDepth }
    private var index = 0
    /// Reused buffer for decoding strings that contain escapes.
    private var scratch: [UInt8] = []
    /// What the tree built so far holds: values, and estimated bytes (`JSONBudget`'s table).
    private var values = 0
    private var treeBytes = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, budget: JSONBudget) {
        self.bytes = bytes
        self.budget = budget
    }

    /// Charges `cost` estimated bytes (and `count` values) for what is about to be built at `offset`.
    private mutating func charge(_ cost: Int, values count: Int = 0, at offset: Int) throws(JSONError) {
        values += count
        guard values <= budget.maxValues else {
            throw JSONError(message: "document too large when parsed: more than \(budget.maxValues) values",
                            offset: offset, overBudget: true)
        }
        guard cost <= budget.maxBytes - treeBytes else {
            throw JSONError(message: "document too large when parsed: more than \(budget.maxBytes) bytes of values",
                            offset: offset, overBudget: true)
        }
        treeBytes += cost
    }

    /// The cost of a string of `length` UTF-8 bytes beyond its slot.
    private static func stringCost(_ length: Int) -> Int {
        length > JSONBudget.inlineStringBytes ? JSONBudget.heapStringBytes + length : 0
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw JSONError(message: "empty document", offset: index) }
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else {
            throw JSONError(message: "unexpected data after the JSON value", offset: index)
        }
        return value
    }

    // MARK: Values

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard index < bytes.count else { throw JSONError(message: "unexpected end of input", offset: index) }
        try charge(JSONBudget.valueBytes, values: 1, at: index)
        switch bytes[index] {
        case JSONByte.quote:
            let start = index
            let text = try parseString()
            try charge(Self.stringCost(text.utf8.count), at: start)
            return .string(text)
        case JSONByte.openBrace:
            return try parseObject(depth: depth + 1)
        case JSONByte.openBracket:
            return try parseArray(depth: depth + 1)
        case JSONByte.minus, JSONByte.zero...JSONByte.nine:
            return .int(try parseInteger())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case JSONByte.period:
            throw JSONError(message: "numbers must be integers (no fraction or exponent)", offset: index)
        default:
            throw JSONError(message: "expected a value", offset: index)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let start = index
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else {
            throw JSONError(message: "invalid literal (expected true, false or null)", offset: start)
        }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] {
            throw JSONError(message: "invalid literal (expected true, false or null)", offset: start)
        }
        index += count
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else {
            throw JSONError(message: "nesting deeper than \(maxDepth) levels", offset: index)
        }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == JSONByte.closeBracket {
            index += 1
            return .array(elements)
        }
        try charge(JSONBudget.arrayBytes, at: index)
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else {
                throw JSONError(message: "unterminated array", offset: index)
            }
            switch bytes[index] {
            case JSONByte.comma:
                index += 1
            case JSONByte.closeBracket:
                index += 1
                return .array(elements)
            default:
                throw JSONError(message: "expected ',' or ']' in array", offset: index)
            }
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else {
            throw JSONError(message: "nesting deeper than \(maxDepth) levels", offset: index)
        }
        index += 1  // {
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == JSONByte.closeBrace {
            index += 1
            return .object(members)
        }
        try charge(JSONBudget.objectBytes, at: index)
        while true {
            skipWhitespace()
            let keyOffset = index
            guard index < bytes.count, bytes[index] == JSONByte.quote else {
                throw JSONError(message: "expected a string key", offset: index)
            }
            let key = try parseString()
            try charge(JSONBudget.memberBytes + Self.stringCost(key.utf8.count), at: keyOffset)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == JSONByte.colon else {
                throw JSONError(message: "expected ':' after object key", offset: index)
            }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            // Dictionary keys use Swift String equality, so canonically equivalent keys also collide here;
            // rejecting them is the only safe choice since the object cannot hold both.
            if members.updateValue(value, forKey: key) != nil {
                throw JSONError(message: "duplicate key '\(Self.printableKey(key))'", offset: keyOffset)
            }
            skipWhitespace()
            guard index < bytes.count else {
                throw JSONError(message: "unterminated object", offset: index)
            }
            switch bytes[index] {
            case JSONByte.comma:
                index += 1
            case JSONByte.closeBrace:
                index += 1
                return .object(members)
            default:
                throw JSONError(message: "expected ',' or '}' in object", offset: index)
            }
        }
    }

    /// A key for an error message: JSON-escaped (no raw control characters reach a log) and truncated.
    private static func printableKey(_ key: String) -> String {
        let limit = 64
        let escaped = JSONValue.string(key).canonicalText.dropFirst().dropLast()
        return escaped.count > limit ? escaped.prefix(limit) + "…" : String(escaped)
    }

    // MARK: Numbers

    private mutating func parseInteger() throws(JSONError) -> Int64 {
        let start = index
        var negative = false
        if bytes[index] == JSONByte.minus {
            negative = true
            index += 1
        }
        guard index < bytes.count, isDigit(bytes[index]) else {
            throw JSONError(message: "expected a digit", offset: index)
        }
        var magnitude: UInt64 = 0
        var outOfRange = false
        if bytes[index] == JSONByte.zero {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                throw JSONError(message: "leading zeros are not allowed", offset: start)
            }
        } else {
            let limit = UInt64(JSONValue.maxSafeInteger)
            while index < bytes.count, isDigit(bytes[index]) {
                if !outOfRange {
                    // magnitude <= 2^53 - 1 here, so this cannot overflow UInt64.
                    magnitude = magnitude * 10 + UInt64(bytes[index] &- JSONByte.zero)
                    outOfRange = magnitude > limit
                }
                index += 1
            }
        }
        if index < bytes.count {
            let next = bytes[index]
            if next == JSONByte.period || next == JSONByte.lowerE || next == JSONByte.upperE {
                throw JSONError(message: "numbers must be integers (no fraction or exponent)", offset: index)
            }
        }
        if outOfRange {
            throw JSONError(message: "integer out of range", offset: start)
        }
        let value = Int64(magnitude)
        return negative ? -value : value  // -0 becomes 0
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte &- JSONByte.zero < 10 }

    // MARK: Strings

    /// Parses a string starting at its opening quote.
    private mutating func parseString() throws(JSONError) -> String {
        let openingQuote = index
        let start = index + 1
        var position = start
        // Fast path: no escapes, so the string is a slice of the input once validated.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == JSONByte.quote {
                index = position + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            }
            if byte == JSONByte.backslash { break }
            if byte < 0x20 {
                throw JSONError(message: "control character in string must be escaped", offset: position)
            }
            position = byte < 0x80 ? position + 1 : try validateUTF8Sequence(at: position)
        }
        guard position < bytes.count else {
            throw JSONError(message: "unterminated string", offset: openingQuote)
        }
        // Slow path: copy what we have so far and decode escapes into the scratch buffer.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            if byte == JSONByte.quote {
                index = position + 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == JSONByte.backslash {
                position = try decodeEscape(at: position)
            } else if byte < 0x20 {
                throw JSONError(message: "control character in string must be escaped", offset: position)
            } else if byte < 0x80 {
                scratch.append(byte)
                position += 1
            } else {
                let end = try validateUTF8Sequence(at: position)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<end]))
                position = end
            }
        }
        throw JSONError(message: "unterminated string", offset: openingQuote)
    }

    /// Decodes the escape at `position` (a backslash) into `scratch` and returns the position after it.
    private mutating func decodeEscape(at position: Int) throws(JSONError) -> Int {
        guard position + 1 < bytes.count else {
            throw JSONError(message: "unterminated string", offset: position)
        }
        let decoded: UInt8
        switch bytes[position + 1] {
        case JSONByte.quote: decoded = JSONByte.quote
        case JSONByte.backslash: decoded = JSONByte.backslash
        case JSONByte.slash: decoded = JSONByte.slash
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: position)
        default:
            throw JSONError(message: "invalid escape sequence", offset: position)
        }
        scratch.append(decoded)
        return position + 2
    }

    /// Decodes `\uXXXX` (and a following low surrogate if this is a high one) at `position`.
    private mutating func decodeUnicodeEscape(at position: Int) throws(JSONError) -> Int {
        let first = try hex4(at: position + 2, escapeOffset: position)
        var scalarValue = UInt32(first)
        var end = position + 6
        switch first {
        case 0xD800...0xDBFF:
            guard end + 1 < bytes.count, bytes[end] == JSONByte.backslash, bytes[end + 1] == UInt8(ascii: "u") else {
                throw JSONError(message: "lone surrogate in \\u escape", offset: position)
            }
            let second = try hex4(at: end + 2, escapeOffset: end)
            guard (0xDC00...0xDFFF).contains(second) else {
                throw JSONError(message: "lone surrogate in \\u escape", offset: position)
            }
            scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
            end += 6
        case 0xDC00...0xDFFF:
            throw JSONError(message: "lone surrogate in \\u escape", offset: position)
        default:
            break
        }
        appendUTF8(scalarValue)
        return end
    }

    /// Appends the UTF-8 encoding of a Unicode scalar value (never a surrogate; the caller has excluded them).
    private mutating func appendUTF8(_ value: UInt32) {
        switch value {
        case 0..<0x80:
            scratch.append(UInt8(value))
        case 0x80..<0x800:
            scratch.append(0xC0 | UInt8(value >> 6))
            scratch.append(0x80 | UInt8(value & 0x3F))
        case 0x800..<0x10000:
            scratch.append(0xE0 | UInt8(value >> 12))
            scratch.append(0x80 | UInt8((value >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(value & 0x3F))
        default:
            scratch.append(0xF0 | UInt8(value >> 18))
            scratch.append(0x80 | UInt8((value >> 12) & 0x3F))
            scratch.append(0x80 | UInt8((value >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(value & 0x3F))
        }
    }

    private func hex4(at position: Int, escapeOffset: Int) throws(JSONError) -> UInt16 {
        guard position + 4 <= bytes.count else {
            throw JSONError(message: "invalid \\u escape (expected 4 hex digits)", offset: escapeOffset)
        }
        var value: UInt16 = 0
        for offset in position..<(position + 4) {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case JSONByte.zero...JSONByte.nine: digit = byte - JSONByte.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                throw JSONError(message: "invalid \\u escape (expected 4 hex digits)", offset: escapeOffset)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence starting at `position` (whose byte is ≥ 0x80) per the
    /// well-formed table in [RFC 3629 §4](https://www.rfc-editor.org/rfc/rfc3629#section-4) — no overlongs,
    /// no surrogates, nothing above U+10FFFF — and returns the position after it.
    private func validateUTF8Sequence(at position: Int) throws(JSONError) -> Int {
        let lead = bytes[position]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default:
            throw JSONError(message: "invalid UTF-8", offset: position)
        }
        guard position + length <= bytes.count, secondRange.contains(bytes[position + 1]) else {
            throw JSONError(message: "invalid UTF-8", offset: position)
        }
        for offset in (position + 2)..<(position + length) where bytes[offset] & 0xC0 != 0x80 {
            throw JSONError(message: "invalid UTF-8", offset: position)
        }
        return position + length
    }

    // MARK: Whitespace

    @inline(__always)
    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }
}
