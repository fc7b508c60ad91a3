// Hex: the text form of keys, signatures and digests in files, logs, URLs and test vectors.
//
// Lowercase on output so that the same bytes always print the same way and compare equal as text; either case
// is accepted on input, and anything else — an odd number of digits, a non-hex character, whitespace, a `0x`
// prefix — is refused rather than guessed at. Failure is `nil`: callers turn it into their own error, which
// knows what the text was meant to be (a key, a signature) without quoting it.

/// Lowercase hexadecimal encoding and strict decoding.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Two lowercase hex digits per byte.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of `text`, or `nil` if it has an odd length or any character other than `0-9`, `a-f`, `A-F`.
    /// The empty string decodes to no bytes.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = text.utf8
        guard utf8.count % 2 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count / 2)
        var high: UInt8? = nil
        for character in utf8 {
            guard let nibble = value(of: character) else { return nil }
            if let pending = high {
                output.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return output
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
