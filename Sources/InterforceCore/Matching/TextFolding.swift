// Text folding: the one place where a string an officer typed becomes text the matcher can compare.
//
// Two forces write the same name as "Zoë O'Brien-Walsh" and "ZOE OBRIEN WALSH"; the duplicate scan must see the same
// letters. Folding upper-cases, strips diacritics (a fixed table for Latin-1 and Latin Extended-A, the letters of
// names and places met in England and Wales; already-decomposed combining marks are dropped), deletes apostrophes
// (O'Brien -> OBRIEN, so the name stays one word), and turns every other punctuation mark, hyphen and space into a
// single space between tokens. Letters of other scripts are upper-cased and kept, never guessed at. The core has no
// Foundation, so this is written against the standard library's Unicode scalar properties alone.
//
// Every input is bounded: only the first `TextFold.maximumScalars` scalars are read, so a hostile record cannot
// make any later comparison (edit distance is quadratic) expensive.

public enum TextFold {
    /// Scalars read from any one field; the rest is ignored. Long enough for any real name or address line.
    public static let maximumScalars = 256

    /// Upper-case tokens separated by single spaces, e.g. `"  Dr. Zoë  O’Brien-Walsh "` -> `"DR ZOE OBRIEN WALSH"`.
    public static func fold(_ text: String) -> String {
        var out = ""
        var pendingSpace = false
        func emit(_ piece: String) {
            if pendingSpace, !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(piece)
        }
        for scalar in text.unicodeScalars.prefix(maximumScalars) {
            let v = scalar.value
            switch v {
            case 0x61...0x7A: emit(String(Unicode.Scalar(UInt8(v - 0x20))))  // a-z
            case 0x41...0x5A, 0x30...0x39: emit(String(scalar))
            case 0x27, 0x60, 0xB4, 0x2018, 0x2019, 0x02BC: continue  // apostrophes join: O'Brien -> OBRIEN
            case 0x0300...0x036F: continue  // combining diacritical marks
            case 0xC0...0x17F, 0x218...0x21B:
                if let plain = latinBase(v) { emit(plain) } else { pendingSpace = true }
            default:
                if scalar.properties.isAlphabetic {
                    emit(scalar.properties.uppercaseMapping)
                } else {
                    pendingSpace = true  // spaces, hyphens, punctuation, symbols
                }
            }
        }
        return out
    }

    /// The tokens of `fold(text)`.
    public static func tokens(_ text: String) -> [String] {
        fold(text).split(separator: " ").map(String.init)
    }

    /// The base letters of a Latin-1 or Latin Extended-A letter (and Romanian S/T with comma), nil for the two
    /// symbols in that range (multiplication and division signs).
    static func latinBase(_ v: UInt32) -> String? {
        switch v {
        case 0xD7, 0xF7: return nil
        case 0xC0...0xFF: return latin1[Int(v - 0xC0)]
        case 0x100...0x17F: return extendedA[Int(v - 0x100)]
        case 0x218, 0x219: return "S"
        default: return "T"  // 0x21A, 0x21B
        }
    }

    /// U+00C0 to U+00FF; the entries for U+00D7 and U+00F7 are never read.
    private static let latin1: [String] = [
        "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",  // C0-CF
        "D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "SS",  // D0-DF
        "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",  // E0-EF
        "D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "Y",  // F0-FF
    ]

    /// U+0100 to U+017F, which come in runs of one base letter (upper and lower case alternate).
    private static let extendedA: [String] = {
        let runs: [(String, Int)] = [
            ("A", 6), ("C", 8), ("D", 4), ("E", 10), ("G", 8), ("H", 4), ("I", 10), ("IJ", 2), ("J", 2), ("K", 3),
            ("L", 10), ("N", 9), ("O", 6), ("OE", 2), ("R", 6), ("S", 8), ("T", 6), ("U", 12), ("W", 2), ("Y", 3),
            ("Z", 6), ("S", 1),
        ]
        return runs.flatMap { Array(repeating: $0.0, count: $0.1) }
    }()
}
