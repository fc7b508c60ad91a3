// Tests for JSONValue and its strict parser: what is accepted, what is refused, and where the error points.

import Testing

import InterforceCore

@Suite("JSON parser")
struct JSONParserTests {
    @Test("accepts", arguments: JSONParserTests.acceptCases)
    func accepts(_ testCase: AcceptCase) throws {
        let fromText = try JSONValue(parsing: testCase.text)
        let fromBytes = try JSONValue(parsing: Array(testCase.text.utf8))
        #expect(fromText == testCase.expected)
        #expect(fromBytes == testCase.expected)
    }

    @Test("rejects with message and byte offset", arguments: JSONParserTests.rejectCases)
    func rejects(_ testCase: RejectCase) {
        do {
            let value = try JSONValue(parsing: testCase.input.input)
            Issue.record("accepted \(testCase.input.label) as \(value.typeName)")
        } catch {
            #expect(error.message == testCase.message)
            #expect(error.offset == testCase.offset)
            #expect(error.description == "invalid JSON at byte \(testCase.offset): \(testCase.message)")
        }
    }

    @Test func negativeZeroIsZero() throws {
        let value = try JSONValue(parsing: "-0")
        #expect(value == .int(0))
        #expect(value.canonicalText == "0")
    }

    @Test func depthLimitIsInclusive() throws {
        let nested64 = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONValue(parsing: nested64)
        #expect(throws: JSONError.self) { try JSONValue(parsing: nested64, maxDepth: 63) }
        _ = try JSONValue(parsing: "1", maxDepth: 0)
        #expect(throws: JSONError.self) { try JSONValue(parsing: "[]", maxDepth: 0) }
    }

    @Test func errorsNeverQuoteTheDocument() {
        let documents = [
            #"{"name":"hunter2-secret", oops}"#,
            #"{"name":"hunter2-secret","n":1.5}"#,
            "{\"name\":\"hunter2-secret\u{1}\"}",
            #"["hunter2-secret" "hunter2-secret"]"#,
            #"{"name":"hunter2-secret"} hunter2-secret"#,
        ]
        for document in documents {
            do {
                _ = try JSONValue(parsing: document)
                Issue.record("accepted a malformed document")
            } catch {
                #expect(!error.description.contains("hunter2"))
            }
        }
    }

    @Test func duplicateKeyMessageEscapesAndTruncatesTheKey() throws {
        let longKey = String(repeating: "k", count: 100)
        let error = try #require(throws: JSONError.self) {
            try JSONValue(parsing: "{\"\(longKey)\":1,\"\(longKey)\":2}")
        }
        #expect(error.message == "duplicate key '\(String(repeating: "k", count: 64))…'")
        let controlError = try #require(throws: JSONError.self) {
            try JSONValue(parsing: #"{"a\nb":1,"a\nb":2}"#)
        }
        #expect(controlError.message == #"duplicate key 'a\nb'"#)
    }

    @Test func offsetsCountUTF8Bytes() throws {
        let error = try #require(throws: JSONError.self) { try JSONValue(parsing: "[\"\u{E9}\u{20AC}\", 1.5]") }
        #expect(error.offset == 11)
    }

    @Test func parsesManyEntries() throws {
        var text = "["
        for index in 0..<2_000 {
            if index > 0 { text += "," }
            text += #"{"id":\#(index),"name":"entry \#(index)","tags":["a","b\n"],"ok":true,"none":null}"#
        }
        text += "]"
        let value = try JSONValue(parsing: text)
        let entries = try #require(value.array)
        #expect(entries.count == 2_000)
        #expect(entries[1_999]["id"] == .int(1_999))
        #expect(entries[3]["tags"]?.array?[1] == "b\n")
    }
}

@Suite("JSONValue")
struct JSONValueTests {
    let sample: JSONValue = ["s": "text", "i": 3, "b": false, "a": [1, 2], "o": ["k": nil], "n": nil]

    @Test func accessors() {
        #expect(sample["s"]?.string == "text")
        #expect(sample["i"]?.int == 3)
        #expect(sample["b"]?.bool == false)
        #expect(sample["a"]?.array == [1, 2])
        #expect(sample["o"]?.object == ["k": .null])
        #expect(sample["n"]?.isNull == true)
        #expect(sample["missing"] == nil)
        #expect(JSONValue.int(1)["s"] == nil)
        #expect(JSONValue.string("x").int == nil)
        #expect(JSONValue.int(1).string == nil)
        #expect(JSONValue.null.bool == nil)
        #expect(!JSONValue.int(0).isNull)
    }

    @Test func typeNames() {
        #expect(JSONValue.null.typeName == "null")
        #expect(JSONValue.bool(true).typeName == "boolean")
        #expect(JSONValue.int(1).typeName == "integer")
        #expect(JSONValue.string("").typeName == "string")
        #expect(JSONValue.array([]).typeName == "array")
        #expect(JSONValue.object([:]).typeName == "object")
    }

    @Test func literals() {
        let value: JSONValue = ["a": [1, "two", true, nil]]
        #expect(value == .object(["a": .array([.int(1), .string("two"), .bool(true), .null])]))
    }

    @Test func equalityIsExactForCanonicallyEquivalentStrings() {
        let composed = JSONValue.string("\u{E9}")
        let decomposed = JSONValue.string("e\u{301}")
        #expect(composed != decomposed)
        #expect(composed.canonicalBytes != decomposed.canonicalBytes)
        #expect(JSONValue.object(["\u{E9}": 1]) != JSONValue.object(["e\u{301}": 1]))
        #expect(JSONValue.object(["\u{E9}": 1]) == JSONValue.object(["\u{E9}": 1]))
        let set: Set<JSONValue> = [composed, decomposed, composed]
        #expect(set.count == 2)
    }

    @Test func hashableInSets() {
        let set: Set<JSONValue> = [["a": 1, "b": 2], ["b": 2, "a": 1], [1, 2], [2, 1]]
        #expect(set.count == 3)
    }
}

// MARK: - Fixtures

extension JSONParserTests {
    struct ParseCase: Sendable, CustomTestStringConvertible {
        let input: [UInt8]
        let label: String
        init(_ text: String) {
            input = Array(text.utf8)
            label = text
        }
        init(bytes: [UInt8], _ label: String) {
            input = bytes
            self.label = label
        }
        var testDescription: String { label }
    }

    struct AcceptCase: Sendable, CustomTestStringConvertible {
        let text: String
        let expected: JSONValue
        init(_ text: String, _ expected: JSONValue) {
            self.text = text
            self.expected = expected
        }
        var testDescription: String { text }
    }

    struct RejectCase: Sendable, CustomTestStringConvertible {
        let input: ParseCase
        let message: String
        let offset: Int
        init(_ text: String, _ message: String, at offset: Int) {
            input = ParseCase(text)
            self.message = message
            self.offset = offset
        }
        init(bytes: [UInt8], _ label: String, _ message: String, at offset: Int) {
            input = ParseCase(bytes: bytes, label)
            self.message = message
            self.offset = offset
        }
        var testDescription: String { input.label }
    }

    static let fractionMessage = "numbers must be integers (no fraction or exponent)"

    static let acceptCases: [AcceptCase] = [
        AcceptCase("null", .null),
        AcceptCase("true", true),
        AcceptCase("false", false),
        AcceptCase("0", 0),
        AcceptCase("-0", 0),
        AcceptCase("42", 42),
        AcceptCase("-17", -17),
        AcceptCase(" \t\r\n 7 \n", 7),
        AcceptCase("9007199254740991", .int(9_007_199_254_740_991)),
        AcceptCase("-9007199254740991", .int(-9_007_199_254_740_991)),
        AcceptCase(#""""#, ""),
        AcceptCase(#""plain""#, "plain"),
        AcceptCase(#""\u00e9""#, "\u{E9}"),
        AcceptCase(#""\u00E9""#, "\u{E9}"),
        AcceptCase(#""\ud83d\ude00""#, "\u{1F600}"),
        AcceptCase(#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
        AcceptCase(#""\u0000""#, "\u{0}"),
        AcceptCase("\"\u{20AC}\u{1F600}\u{7F}\u{2028}\"", "\u{20AC}\u{1F600}\u{7F}\u{2028}"),
        AcceptCase("[]", []),
        AcceptCase("{}", [:]),
        AcceptCase("[ 1 , [ 2 , [ 3 ] ] ]", [1, [2, [3]]]),
        AcceptCase(#"{"a":{"b":null},"c":[true,"x"]}"#, ["a": ["b": nil], "c": [true, "x"]]),
        AcceptCase(#"{ "k" : "a\nb" }"#, ["k": "a\nb"]),
    ]

    static let rejectCases: [RejectCase] = [
        RejectCase("1.5", fractionMessage, at: 1),
        RejectCase("1.", fractionMessage, at: 1),
        RejectCase("1e5", fractionMessage, at: 1),
        RejectCase("[1E2]", fractionMessage, at: 2),
        RejectCase("-1.0", fractionMessage, at: 2),
        RejectCase("0.1", fractionMessage, at: 1),
        RejectCase(".5", fractionMessage, at: 0),
        RejectCase("1e400", fractionMessage, at: 1),
        RejectCase("01", "leading zeros are not allowed", at: 0),
        RejectCase("-01", "leading zeros are not allowed", at: 0),
        RejectCase("[00]", "leading zeros are not allowed", at: 1),
        RejectCase("9007199254740992", "integer out of range", at: 0),
        RejectCase("-9007199254740992", "integer out of range", at: 0),
        RejectCase("[1, 123456789012345678901234567890]", "integer out of range", at: 4),
        RejectCase("-", "expected a digit", at: 1),
        RejectCase("--1", "expected a digit", at: 1),
        RejectCase("+1", "expected a value", at: 0),
        RejectCase("NaN", "expected a value", at: 0),
        RejectCase(#"{"a":1,"a":2}"#, "duplicate key 'a'", at: 7),
        RejectCase(#"{"x":{"k":1, "k":1}}"#, "duplicate key 'k'", at: 13),
        RejectCase("{\"\\u00e9\":1,\"e\u{301}\":2}", "duplicate key 'e\u{301}'", at: 12),
        RejectCase(bytes: [0x22, 0xFF, 0x22], "0xFF", "invalid UTF-8", at: 1),
        RejectCase(bytes: [0x22, 0x61, 0x80, 0x22], "lone continuation", "invalid UTF-8", at: 2),
        RejectCase(bytes: [0x22, 0xC0, 0xAF, 0x22], "overlong /", "invalid UTF-8", at: 1),
        RejectCase(bytes: [0x22, 0xE0, 0x80, 0xAF, 0x22], "overlong 3-byte", "invalid UTF-8", at: 1),
        RejectCase(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], "encoded surrogate", "invalid UTF-8", at: 1),
        RejectCase(bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "above U+10FFFF", "invalid UTF-8", at: 1),
        RejectCase(bytes: [0x22, 0xE2, 0x82, 0x22], "truncated sequence", "invalid UTF-8", at: 1),
        RejectCase(bytes: [0x22, 0xE2, 0x82], "truncated at end", "invalid UTF-8", at: 1),
        RejectCase(bytes: [0x22, 0x5C, 0x6E, 0xFF, 0x22], "bad byte after escape", "invalid UTF-8", at: 3),
        RejectCase(bytes: [0xFF], "bad byte outside string", "expected a value", at: 0),
        RejectCase(#""\ud800""#, "lone surrogate in \\u escape", at: 1),
        RejectCase(#""\udc00""#, "lone surrogate in \\u escape", at: 1),
        RejectCase(#""ab\ud83d\u0041""#, "lone surrogate in \\u escape", at: 3),
        RejectCase(#""\ud83dx""#, "lone surrogate in \\u escape", at: 1),
        RejectCase(#""\u12""#, "invalid \\u escape (expected 4 hex digits)", at: 1),
        RejectCase(#""\x""#, "invalid escape sequence", at: 1),
        RejectCase("\"a\u{1}b\"", "control character in string must be escaped", at: 2),
        RejectCase("\"a\tb\"", "control character in string must be escaped", at: 2),
        RejectCase("\"\\n\nb\"", "control character in string must be escaped", at: 3),
        RejectCase("\"abc", "unterminated string", at: 0),
        RejectCase("\"ab\\\"", "unterminated string", at: 0),
        RejectCase("{} x", "unexpected data after the JSON value", at: 3),
        RejectCase("1 2", "unexpected data after the JSON value", at: 2),
        RejectCase("12a", "unexpected data after the JSON value", at: 2),
        RejectCase("\u{FEFF}1", "expected a value", at: 0),
        RejectCase("/* c */ 1", "expected a value", at: 0),
        RejectCase("", "empty document", at: 0),
        RejectCase("  \n", "empty document", at: 3),
        RejectCase("[1,]", "expected a value", at: 3),
        RejectCase("[1 2]", "expected ',' or ']' in array", at: 3),
        RejectCase("[", "unexpected end of input", at: 1),
        RejectCase("[1", "unterminated array", at: 2),
        RejectCase(#"{"a":1"#, "unterminated object", at: 6),
        RejectCase(#"{"a" 1}"#, "expected ':' after object key", at: 5),
        RejectCase("{'a':1}", "expected a string key", at: 1),
        RejectCase(#"{"a":1,}"#, "expected a string key", at: 7),
        RejectCase(#"{"a":1 "b":2}"#, "expected ',' or '}' in object", at: 7),
        RejectCase("tru", "invalid literal (expected true, false or null)", at: 0),
        RejectCase("nulL", "invalid literal (expected true, false or null)", at: 0),
        RejectCase(
            String(repeating: "[", count: 65) + String(repeating: "]", count: 65), "nesting deeper than 64 levels",
            at: 64),
        RejectCase(
            String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65),
            "nesting deeper than 64 levels", at: 64 * 5),
    ]
}

@Suite("JSON parse budget")
struct JSONBudgetTests {
    static func refusal(_ text: String, _ budget: JSONBudget) throws -> JSONError {
        try #require(throws: JSONError.self) { try JSONValue(parsing: Array(text.utf8), budget: budget) }
    }

    @Test("charges the documented bytes: exactly at the budget parses, one byte less is refused",
          arguments: [(#"{"":0}"#, 240), (#""0123456789abcdef""#, 104), ("[0]", 96), (#""fifteen bytes!!""#, 24),
                      ("0", 24), ("[]", 24), ("{}", 24), (#"{"a":[{}]}"#, 24 + 112 + 80 + 24 + 48 + 24)])
    func charges(_ text: String, _ bytes: Int) throws {
        _ = try JSONValue(parsing: Array(text.utf8), budget: JSONBudget(maxBytes: bytes))
        let error = try Self.refusal(text, JSONBudget(maxBytes: bytes - 1))
        #expect(error.overBudget)
        #expect(error.message == "document too large when parsed: more than \(bytes - 1) bytes of values")
    }

    @Test func valuesAreCountedAndTheErrorPointsAtTheFirstValueTooMany() throws {
        _ = try JSONValue(parsing: Array("[1,2,3]".utf8), budget: JSONBudget(maxValues: 4))
        let error = try Self.refusal("[1,2,3]", JSONBudget(maxValues: 3))
        #expect(error == JSONError(message: "document too large when parsed: more than 3 values", offset: 5,
                                   overBudget: true))
        // Keys are not values: one object, one value.
        _ = try JSONValue(parsing: Array(#"{"k":1}"#.utf8), budget: JSONBudget(maxValues: 2))
    }

    @Test func depthIsPartOfTheBudget() throws {
        let error = try Self.refusal("[[[]]]", JSONBudget(maxDepth: 2))
        #expect(error.message == "nesting deeper than 2 levels" && !error.overBudget)
    }

    @Test func grammarErrorsAreNotBudgetErrors() throws {
        let error = try Self.refusal("[1,]", JSONBudget())
        #expect(!error.overBudget)
    }

    /// W13's shape: `{"":0},` repeated takes 26 times its size as a tree. Within 16 bytes per input byte the parse
    /// stops before half of it, so it built at most 16 times the input; records of the usual shape fit.
    @Test func aProportionalBudgetStopsTheHostileShapePartWayAndPassesRecords() throws {
        let hostile = Array(("[" + String(repeating: #"{"":0},"#, count: 150_000) + "0]").utf8)
        let error = try #require(throws: JSONError.self) {
            try JSONValue(parsing: hostile, budget: .proportional(toInput: hostile.count, factor: 16))
        }
        #expect(error.overBudget)
        #expect(error.offset < hostile.count / 2, "stopped at \(error.offset) of \(hostile.count)")
        #expect(error.description.hasPrefix("invalid JSON at byte \(error.offset): document too large when parsed"))

        var text = "["
        for index in 0..<2_000 {
            if index > 0 { text += "," }
            text += #"{"id":\#(index),"name":"entry \#(index)","tags":["a","b\n"],"ok":true,"none":null,"#
                + #""hash":"\#(String(repeating: "ab", count: 32))"}"#
        }
        text += "]"
        let records = Array(text.utf8)
        let value = try JSONValue(parsing: records, budget: .proportional(toInput: records.count, factor: 16))
        #expect(value.array?.count == 2_000)
        // A small document's fixed costs fit whatever its size: 4 KiB besides the factor.
        _ = try JSONValue(parsing: Array(#"{"a":{"b":{"c":[1]}}}"#.utf8), budget: .proportional(toInput: 21, factor: 1))
    }

    @Test func theBudgetErrorNeverQuotesTheDocument() throws {
        let error = try Self.refusal(#"["hunter2-secret-and-long-enough"]"#, JSONBudget(maxBytes: 60))
        #expect(error.overBudget && !error.description.contains("hunter2"))
    }
}
