// Tests for RFC 8785 (JCS) canonical serialisation of the integer-only JSON subset.
//
// Expected strings were cross-checked while developing against Python's
// `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` where keys are inside the BMP, and
// against the RFC's own examples where they are not.

import Testing

import InterforceCore

@Suite("Canonical JSON (RFC 8785)")
struct CanonicalJSONTests {
    @Test("canonical text", arguments: CanonicalJSONTests.canonicalCases)
    func canonicalText(_ testCase: CanonicalCase) {
        // Compare bytes: `String ==` treats canonically equivalent text as equal, which would hide a wrong byte.
        #expect(testCase.value.canonicalBytes == Array(testCase.expected.utf8))
        #expect(Array(testCase.value.canonicalText.utf8) == Array(testCase.expected.utf8))
    }

    @Test("round trip parse(canonical(x)) == x", arguments: CanonicalJSONTests.canonicalCases)
    func roundTrip(_ testCase: CanonicalCase) throws {
        // Int64.min/max are representable but outside I-JSON range, so the parser refuses them by design.
        if let number = testCase.value.int, number.magnitude > JSONValue.maxSafeInteger.magnitude {
            #expect(throws: JSONError.self) { try JSONValue(parsing: testCase.value.canonicalBytes) }
            return
        }
        let reparsed = try JSONValue(parsing: testCase.value.canonicalBytes)
        #expect(reparsed == testCase.value)
        #expect(reparsed.canonicalBytes == testCase.value.canonicalBytes)
    }

    /// RFC 8785 §3.2.2.2's string example, starting from the RFC's own JSON text.
    @Test func rfcStringExampleFromJSONText() throws {
        let value = try JSONValue(parsing: #"{"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"}"#)
        #expect(value.canonicalText == #"{"string":"\#u{20AC}$\u000f\nA'B\"\\\\\"/"}"#)
    }

    @Test func parsedNonCanonicalInputCanonicalises() throws {
        let value = try JSONValue(parsing: #" { "b" : [ 1 , 2 ] , "a" : "\u00e9\/\u2028" } "#)
        #expect(Array(value.canonicalText.utf8) == Array("{\"a\":\"\u{E9}/\u{2028}\",\"b\":[1,2]}".utf8))
    }

    /// The UTF-8-based key order must equal plain UTF-16 code unit order, including the one case where UTF-16
    /// and code-point order differ (U+E000…U+FFFF against supplementary characters).
    @Test func keyOrderMatchesUTF16CodeUnitOrder() {
        let keys = [
            "", "a", "ab", "b", "A", "\r", "1", "\u{7F}", "\u{80}", "\u{F6}", "\u{7FF}", "\u{800}", "\u{20AC}",
            "\u{D7FF}", "\u{E000}", "\u{FB33}", "\u{FFFD}", "\u{FFFF}", "\u{10000}", "\u{1F600}", "\u{10FFFF}",
            "a\u{FB33}", "a\u{1F600}", "\u{1F600}a", "\u{1F601}", "\u{E9}", "e\u{301}",
        ]
        for lhs in keys {
            for rhs in keys {
                let expected = lhs.utf16.lexicographicallyPrecedes(rhs.utf16)
                #expect(
                    JSONValue.canonicalKeyPrecedes(lhs, rhs) == expected,
                    "\(Array(lhs.utf16)) < \(Array(rhs.utf16))")
            }
        }
    }

    @Test func prettyText() {
        let value: JSONValue = ["b": [1, [:], []], "a": ["k": "v\n"], "c": nil]
        let expected = """
            {
              "a": {
                "k": "v\\n"
              },
              "b": [
                1,
                {},
                []
              ],
              "c": null
            }
            """
        #expect(value.prettyText() == expected)
        #expect(JSONValue.array([1]).prettyText(indent: 4) == "[\n    1\n]")
        #expect(JSONValue.string("x").prettyText() == #""x""#)
    }

    @Test func largeDocumentIsStable() throws {
        var entries: [JSONValue] = []
        for index in 0..<1_000 {
            entries.append(["id": .int(Int64(index)), "name": .string("entry \(index)"), "tags": ["x", "y"]])
        }
        let value = JSONValue.array(entries)
        let bytes = value.canonicalBytes
        #expect(try JSONValue(parsing: bytes) == value)
        #expect(try JSONValue(parsing: bytes).canonicalBytes == bytes)
    }
}

// MARK: - Fixtures

extension CanonicalJSONTests {
    struct CanonicalCase: Sendable, CustomTestStringConvertible {
        let name: String
        let value: JSONValue
        let expected: String
        init(_ name: String, _ value: JSONValue, _ expected: String) {
            self.name = name
            self.value = value
            self.expected = expected
        }
        var testDescription: String { name }
    }

    /// Every code point below U+0020, in order.
    static let allControlCharacters = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init(_:))))

    static let canonicalCases: [CanonicalCase] = [
        CanonicalCase("null", nil, "null"),
        CanonicalCase("true", true, "true"),
        CanonicalCase("false", false, "false"),
        CanonicalCase("zero", 0, "0"),
        CanonicalCase("negative", -42, "-42"),
        CanonicalCase("max safe", .int(JSONValue.maxSafeInteger), "9007199254740991"),
        CanonicalCase("min safe", .int(-JSONValue.maxSafeInteger), "-9007199254740991"),
        CanonicalCase("Int64.max", .int(.max), "9223372036854775807"),
        CanonicalCase("Int64.min", .int(.min), "-9223372036854775808"),
        CanonicalCase("empty string", "", #""""#),
        CanonicalCase("empty array", [], "[]"),
        CanonicalCase("empty object", [:], "{}"),
        CanonicalCase(
            "all control characters", .string(allControlCharacters),
            #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
                + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#
        ),
        CanonicalCase("quote and backslash", "a\"b\\c/d", #""a\"b\\c/d""#),
        CanonicalCase("DEL, U+2028, U+2029 literal", "\u{7F}\u{2028}\u{2029}", "\"\u{7F}\u{2028}\u{2029}\""),
        CanonicalCase("non-ASCII literal", "\u{E9}\u{20AC}\u{1F600}", "\"\u{E9}\u{20AC}\u{1F600}\""),
        // RFC 8785 §3.2.2.2's string example.
        CanonicalCase(
            "RFC 8785 string example", "\u{20AC}$\u{0F}\u{0A}A'\u{42}\u{22}\u{5C}\\\"/",
            #""\#u{20AC}$\u000f\nA'B\"\\\\\"/""#),
        // RFC 8785 §3.2.3's sorting example, with its string values.
        CanonicalCase(
            "RFC 8785 sorting example",
            [
                "\u{20AC}": "Euro Sign",
                "\r": "Carriage Return",
                "\u{FB33}": "Hebrew Letter Dalet With Dagesh",
                "1": "One",
                "\u{1F600}": "Emoji: Grinning Face",
                "\u{80}": "Control",
                "\u{F6}": "Latin Small Letter O With Diaeresis",
            ],
            #"{"\r":"Carriage Return","1":"One","\#u{80}":"Control","#
                + #""\#u{F6}":"Latin Small Letter O With Diaeresis","\#u{20AC}":"Euro Sign","#
                + #""\#u{1F600}":"Emoji: Grinning Face","\#u{FB33}":"Hebrew Letter Dalet With Dagesh"}"#
        ),
        CanonicalCase(
            "nested structures",
            ["b": [1, -2, ["z": nil, "a": true, "m": false]], "a": ["y": "\u{2028}\u{7F}", "x": []], "": [:]],
            "{\"\":{},\"a\":{\"x\":[],\"y\":\"\u{2028}\u{7F}\"},\"b\":[1,-2,{\"a\":true,\"m\":false,\"z\":null}]}"
        ),
        CanonicalCase("keys are escaped too", ["\n": 1, "\"": 2, "\u{1}": 3], #"{"\u0001":3,"\n":1,"\"":2}"#),
        CanonicalCase("prefix keys sort first", ["ab": 1, "a": 2, "abc": 3, "b": 4], #"{"a":2,"ab":1,"abc":3,"b":4}"#),
        CanonicalCase("case sorts by code unit", ["b": 1, "B": 2, "a": 3, "A": 4], #"{"A":4,"B":2,"a":3,"b":1}"#),
    ]
}
