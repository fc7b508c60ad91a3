// CanonicalJSON: the one byte sequence for each JSONValue, which is what gets hashed and signed.
//
// A signature covers bytes, not values, so every node must turn the same value into the same bytes. We use the
// JSON Canonicalization Scheme, [RFC 8785](https://www.rfc-editor.org/rfc/rfc8785) (JCS): no whitespace; object
// members sorted by the UTF-16 code units of their keys (§3.2.3); strings escaped exactly as ECMAScript's
// `JSON.stringify` does (§3.2.2.2): `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, any other control character below
// U+0020 as `\u00xx` with lowercase hex, and every other character — including U+007F, U+2028 and U+2029 — as
// its literal UTF-8; and numbers in ES6 form (§3.2.2.3), which for our integer-only values is plain decimal with
// a leading `-` for negatives and no `-0`. Because `JSONValue` has no floats, this is the whole of JCS that
// applies, and the output can be checked against any JCS implementation, or against Python's
// `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` for keys inside the BMP.
//
// `prettyText` is for people only: the same escaping and key order, indented. Never hash or sign it.

extension JSONValue {
    /// The RFC 8785 canonical UTF-8 encoding of this value: the bytes to hash and sign.
    ///
    /// See [RFC 8785 §3.2](https://www.rfc-editor.org/rfc/rfc8785#section-3.2). `.int` values are written in full
    /// even beyond ±``maxSafeInteger``; the parser never produces such values, and records should not contain them.
    public var canonicalBytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(CanonicalWriter.estimatedSize(of: self))
        CanonicalWriter.write(self, into: &output)
        return output
    }

    /// ``canonicalBytes`` as a `String`.
    public var canonicalText: String {
        String(decoding: canonicalBytes, as: UTF8.self)
    }

    /// A human-readable rendering: keys in canonical order, the same string escaping, one member or element per
    /// line, indented by `indent` spaces per level, `": "` between key and value, and no trailing newline (the
    /// layout of `JSON.stringify(value, null, indent)`). Empty arrays and objects print as `[]` and `{}`.
    ///
    /// For display only: never hash, sign or compare this text.
    public func prettyText(indent: Int = 2) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(CanonicalWriter.estimatedSize(of: self) * 2)
        CanonicalWriter.writePretty(self, indent: max(0, indent), level: 0, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether `lhs` sorts before `rhs` as JCS orders object keys: by their UTF-16 code units
    /// ([RFC 8785 §3.2.3](https://www.rfc-editor.org/rfc/rfc8785#section-3.2.3)).
    public static func canonicalKeyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        CanonicalWriter.keyPrecedes(lhs, rhs)
    }
}

enum CanonicalWriter {
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A cheap upper-ish estimate of the canonical size, used to reserve capacity once. It ignores escapes, so
    /// it is exact for most records and a slight underestimate otherwise.
    static func estimatedSize(of value: JSONValue) -> Int {
        switch value {
        case .null: return 4
        case .bool(let flag): return flag ? 4 : 5
        case .int: return 20
        case .string(let text): return text.utf8.count + 2
        case .array(let elements):
            var size = 2 + elements.count
            for element in elements { size += estimatedSize(of: element) }
            return size
        case .object(let members):
            var size = 2 + members.count * 4
            for (key, member) in members { size += key.utf8.count + estimatedSize(of: member) }
            return size
        }
    }

    static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .int(let number):
            writeInteger(number, into: &output)
        case .string(let text):
            writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in sortedMembers(members) {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    static func writePretty(_ value: JSONValue, indent: Int, level: Int, into output: inout [UInt8]) {
        func newline(_ level: Int) {
            output.append(UInt8(ascii: "\n"))
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
        }
        switch value {
        case .null, .bool, .int, .string:
            write(value, into: &output)
        case .array(let elements):
            guard !elements.isEmpty else {
                output.append(contentsOf: "[]".utf8)
                return
            }
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                newline(level + 1)
                writePretty(element, indent: indent, level: level + 1, into: &output)
            }
            newline(level)
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                output.append(contentsOf: "{}".utf8)
                return
            }
            output.append(UInt8(ascii: "{"))
            for (position, (key, member)) in sortedMembers(members).enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                newline(level + 1)
                writeString(key, into: &output)
                output.append(contentsOf: ": ".utf8)
                writePretty(member, indent: indent, level: level + 1, into: &output)
            }
            newline(level)
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func sortedMembers(_ members: [String: JSONValue]) -> [(key: String, value: JSONValue)] {
        members.sorted { keyPrecedes($0.key, $1.key) }
    }

    /// Decimal digits, `-` for negatives; `Int64.min` is handled through the unsigned magnitude.
    private static func writeInteger(_ number: Int64, into output: inout [UInt8]) {
        if number < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var digitCount = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digitCount += 1
        }
        output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digitCount))
        var position = output.count - 1
        repeat {
            output[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            position -= 1
        } while magnitude > 0
    }

    /// A JSON string with JCS / ES6 `JSON.stringify` escaping (RFC 8785 §3.2.2.2).
    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(quote)
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for position in 0..<utf8.count {
                let byte = utf8[position]
                guard byte < 0x20 || byte == quote || byte == backslash else { continue }
                if runStart < position {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position]))
                }
                runStart = position + 1
                output.append(backslash)
                switch byte {
                case quote: output.append(quote)
                case backslash: output.append(backslash)
                case 0x08: output.append(UInt8(ascii: "b"))
                case 0x0C: output.append(UInt8(ascii: "f"))
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                case 0x09: output.append(UInt8(ascii: "t"))
                default:
                    output.append(contentsOf: "u00".utf8)
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0x0F)])
                }
            }
            if runStart < utf8.count {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
            }
        }
        output.append(quote)
    }

    /// JCS key order: lexicographic by UTF-16 code units.
    ///
    /// Computed on UTF-8 without transcoding. UTF-8 byte order is code-point order, and code-point order differs
    /// from UTF-16 order in exactly one case: a character in U+E000…U+FFFF (UTF-8 lead byte 0xEE or 0xEF) against a
    /// supplementary character (lead 0xF0…0xF4), which UTF-16 encodes with surrogates 0xD800…0xDBFF and so sorts
    /// first. The first differing bytes of two UTF-8 strings are at the same position within a character, so
    /// only lead bytes can trigger that case.
    static func keyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                let common = min(left.count, right.count)
                var position = 0
                while position < common {
                    let a = left[position]
                    let b = right[position]
                    if a != b {
                        if a >= 0xF0 && (b == 0xEE || b == 0xEF) { return true }
                        if b >= 0xF0 && (a == 0xEE || a == 0xEF) { return false }
                        return a < b
                    }
                    position += 1
                }
                return left.count < right.count
            }
        }
    }
}
