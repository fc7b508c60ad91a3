// Why an officer reads: every read states a purpose, a code from a small fixed list plus free text (the case or
// incident reference), logged as `CODE: TEXT` so auditors can filter by code (`audit log --purpose CODE`).
//
// Text that people type and others later read on a terminal (purposes, officer names, erasure reasons) must not
// carry control characters: an ESC or a carriage return in a purpose would let its writer forge rows on an
// auditor's screen. Such text is refused when it is given, not cleaned later.

public import InterforceCore

/// The purposes a read may be for (docs/SECURITY.md §5).
public enum PurposeCode: String, CaseIterable, Sendable {
    /// Investigating an offence: a crime or incident reference.
    case investigation
    /// Intelligence work: an intelligence report or operation.
    case intelligence
    /// Protecting a person at risk: a safeguarding referral.
    case safeguarding
    /// Disclosure to the defence or the court.
    case disclosure
    /// Audit of the node or of officers' use of it.
    case audit
}

public struct Purpose: Sendable, Equatable {
    public let code: PurposeCode
    public let text: String

    public init(code: PurposeCode, text: String) throws(NodeError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw NodeError("the purpose needs a reference after the code, e.g. '\(code.rawValue): 44/12345/26'")
        }
        try TextRules.check(trimmed, what: "purpose", maxLength: 500)
        self.code = code
        self.text = trimmed
    }

    /// Parses `CODE: TEXT`, e.g. `investigation: op ELM 44/12345/26`.
    public init(parsing line: String) throws(NodeError) {
        let codes = PurposeCode.allCases.map(\.rawValue).joined(separator: ", ")
        guard let colon = line.firstIndex(of: ":") else {
            throw NodeError("a purpose is CODE: TEXT, with CODE one of \(codes) (e.g. 'investigation: 44/12345/26')")
        }
        let word = line[..<colon].trimmingCharacters(in: .whitespaces)
        guard let code = PurposeCode(rawValue: word) else {
            throw NodeError("purpose code '\(word.prefix(30))' is not one of \(codes)")
        }
        try self.init(code: code, text: String(line[line.index(after: colon)...]))
    }

    /// As logged in the `purpose` column.
    public var logged: String { "\(code.rawValue): \(text)" }

    public var json: JSONValue { ["code": .string(code.rawValue), "text": .string(text)] }

    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "purpose", ["code", "text"])
        let word = try f.string("code")
        guard let code = PurposeCode(rawValue: word) else {
            throw NodeError(
                "purpose.code: '\(word.prefix(30))' is not one of "
                    + PurposeCode.allCases.map(\.rawValue).joined(separator: ", "))
        }
        try self.init(code: code, text: try f.string("text"))
    }
}

/// Checks on free text from people.
public enum TextRules {
    /// Refuses empty text, text longer than `maxLength` characters, and any control, format or line/paragraph
    /// separator character (Unicode categories Cc, Cf, Zl, Zp: C0 and C1 controls, DEL, bidirectional overrides,
    /// zero-width characters), naming `what` and the first offending character.
    public static func check(_ text: String, what: String, maxLength: Int) throws(NodeError) {
        guard !text.isEmpty, text.count <= maxLength else {
            throw NodeError("\(what) must be 1 to \(maxLength) characters")
        }
        if let bad = text.unicodeScalars.first(where: isControl) {
            let code = String(bad.value, radix: 16, uppercase: true).leftPadded(4)
            throw NodeError("\(what) must not contain control characters (found U+\(code))")
        }
    }

    /// Whether a scalar is one a terminal may act on or that changes how the text around it is shown.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
