// The shapes a field value may take, each checked by hand-written code and also stated as JSON Schema.
//
// The same `ValueSpec` both validates values (`validate`) and writes the JSON Schema that Schemas/ publishes
// (`jsonSchema`), so the validator and the published schema cannot drift apart; a test runs Python's
// `jsonschema` over the same documents to prove they agree.

/// A named string syntax. Each has a regular expression for JSON Schema and a byte-level check here that accepts
/// exactly the same strings.
public enum TextFormat: String, Sendable, CaseIterable {
    case sha256Hex, timestamp, mediaType, crimeReference, recordID, uri, tag, nationalID, date, postcode
    case personID, objectID, uprn, registration, linkPair

    public var pattern: String {
        switch self {
        case .sha256Hex: "^[0-9a-f]{64}$"
        case .timestamp: "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
        case .date: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        case .mediaType: "^[a-z]+/[a-z0-9.+-]+$"
        case .crimeReference: "^[A-Z0-9][A-Z0-9/-]{3,39}$"
        case .recordID: "^(\(RecordType.allCases.map(\.idPrefix).joined(separator: "|")))-[0-9a-f]{32}$"
        case .uri: "^[a-z][a-z0-9+.-]*://[!-~]+$"
        case .tag: "^[a-z0-9][a-z0-9-]{0,39}$"
        case .nationalID: "^[0-9A-Z/]{4,20}$"
        case .postcode: "^[A-Z0-9 ]{5,8}$"
        case .personID: "^(PNC [0-9]{2}/[0-9]{1,7}[A-Z]|CRO [0-9]{1,6}/[0-9]{2}[A-Z])$"
        case .objectID: "^(VRM [A-Z0-9]{2,7}|VIN [A-HJ-NPR-Z0-9]{17}|SERIAL [A-Z0-9/-]{3,40})$"
        case .uprn: "^[1-9][0-9]{0,11}$"
        case .registration: "^[A-Z0-9]{2,7}$"
        case .linkPair:
            "^(\(Self.polePrefixes))-[0-9a-f]{32} (\(Self.polePrefixes))-[0-9a-f]{32}$"
        }
    }

    private static var polePrefixes: String { RecordType.pole.map(\.idPrefix).joined(separator: "|") }

    public var explanation: String {
        switch self {
        case .sha256Hex: "64 lowercase hex digits (SHA-256)"
        case .timestamp: "UTC time as YYYY-MM-DDThh:mm:ssZ"
        case .date: "a date as YYYY-MM-DD"
        case .mediaType: "a media type such as image/jpeg"
        case .crimeReference: "4-40 characters of A-Z, 0-9, '/' and '-', starting with a letter or digit"
        case .recordID: "a record id such as cf-<32 hex digits>"
        case .uri: "a URI with a scheme, such as s3://bucket/key, and no spaces"
        case .tag: "lowercase letters, digits and '-', at most 40"
        case .nationalID: "4-20 characters of A-Z, 0-9 and '/'"
        case .postcode: "5-8 characters of A-Z, 0-9 and space"
        case .personID: "a PNC ID as 'PNC YY/NNNNNNNL' or a CRO number as 'CRO NNNNNN/YYL' (upper case)"
        case .objectID: "'VRM' and a registration, 'VIN' and 17 characters, or 'SERIAL' and 3-40 of A-Z, 0-9, '/', '-'"
        case .uprn: "a UPRN: 1-12 digits without leading zeros"
        case .registration: "a registration mark: 2-7 of A-Z and 0-9, no spaces"
        case .linkPair: "two person, object, location or event ids separated by one space"
        }
    }

    public func matches(_ text: String) -> Bool {
        let b = Array(text.utf8)
        func all(_ range: Range<Int>, _ ok: (UInt8) -> Bool) -> Bool { range.allSatisfy { ok(b[$0]) } }
        let digit = Identifiers.isDigit, lower = Identifiers.isLower, upper = Identifiers.isUpper
        func ch(_ c: Character) -> UInt8 { c.asciiValue! }
        switch self {
        case .sha256Hex:
            return Identifiers.isLowerHex(text, count: 64)
        case .timestamp:
            guard b.count == 20 else { return false }
            let shape = Array("dddd-dd-ddTdd:dd:ddZ".utf8)
            return (0..<20).allSatisfy { shape[$0] == ch("d") ? digit(b[$0]) : b[$0] == shape[$0] }
        case .date:
            guard b.count == 10 else { return false }
            let shape = Array("dddd-dd-dd".utf8)
            return (0..<10).allSatisfy { shape[$0] == ch("d") ? digit(b[$0]) : b[$0] == shape[$0] }
        case .mediaType:
            guard let slash = b.firstIndex(of: ch("/")), slash > 0, slash < b.count - 1 else { return false }
            return all(0..<slash, lower)
                && all(slash + 1..<b.count) { lower($0) || digit($0) || $0 == ch(".") || $0 == ch("+") || $0 == ch("-") }
        case .crimeReference:
            guard (4...40).contains(b.count), upper(b[0]) || digit(b[0]) else { return false }
            return all(1..<b.count) { upper($0) || digit($0) || $0 == ch("/") || $0 == ch("-") }
        case .recordID:
            return Identifiers.isRecordID(text)
        case .uri:
            guard let colon = b.firstIndex(of: ch(":")), colon > 0, lower(b[0]),
                  b.count > colon + 3, b[colon + 1] == ch("/"), b[colon + 2] == ch("/")
            else { return false }
            return all(1..<colon) { lower($0) || digit($0) || $0 == ch("+") || $0 == ch(".") || $0 == ch("-") }
                && all(colon + 3..<b.count) { (0x21...0x7e).contains($0) }
        case .tag:
            guard (1...40).contains(b.count), lower(b[0]) || digit(b[0]) else { return false }
            return all(1..<b.count) { lower($0) || digit($0) || $0 == ch("-") }
        case .nationalID:
            return (4...20).contains(b.count) && all(0..<b.count) { upper($0) || digit($0) || $0 == ch("/") }
        case .postcode:
            return (5...8).contains(b.count) && all(0..<b.count) { upper($0) || digit($0) || $0 == ch(" ") }
        case .personID:
            // PNC YY/N{1,7}L or CRO N{1,6}/YYL
            guard b.count > 4, b[3] == ch(" "), let slash = b.firstIndex(of: ch("/")), slash > 4,
                  upper(b[b.count - 1]), all(4..<b.count - 1, { digit($0) || $0 == ch("/") }),
                  b[(slash + 1)..<(b.count - 1)].allSatisfy(digit)
            else { return false }
            let scheme = String(decoding: b[0..<3], as: UTF8.self)
            let before = slash - 4, after = b.count - 1 - (slash + 1)
            if scheme == "PNC" { return before == 2 && (1...7).contains(after) }
            if scheme == "CRO" { return (1...6).contains(before) && after == 2 }
            return false
        case .objectID:
            guard let space = b.firstIndex(of: ch(" ")) else { return false }
            let scheme = String(decoding: b[0..<space], as: UTF8.self), rest = Array(b[(space + 1)...])
            func vin(_ c: UInt8) -> Bool { digit(c) || (upper(c) && c != ch("I") && c != ch("O") && c != ch("Q")) }
            switch scheme {
            case "VRM": return TextFormat.registration.matches(String(decoding: rest, as: UTF8.self))
            case "VIN": return rest.count == 17 && rest.allSatisfy(vin)
            case "SERIAL":
                return (3...40).contains(rest.count) && rest.allSatisfy { upper($0) || digit($0) || $0 == ch("/") || $0 == ch("-") }
            default: return false
            }
        case .uprn:
            return (1...12).contains(b.count) && b[0] != ch("0") && b.allSatisfy(digit)
        case .registration:
            return (2...7).contains(b.count) && b.allSatisfy { upper($0) || digit($0) }
        case .linkPair:
            let parts = text.split(separator: " ", omittingEmptySubsequences: false)
            return parts.count == 2 && parts.allSatisfy {
                Identifiers.isRecordID(String($0)) && RecordType(recordID: String($0))?.isPOLE == true
            }
        }
    }
}

/// One property of an object-valued element, e.g. `role` of a person linked to a case.
public struct PropertySpec: Sendable {
    public let name: String
    public let value: ValueSpec
    public let required: Bool
    public init(_ name: String, _ value: ValueSpec, required: Bool = false) {
        self.name = name
        self.value = value
        self.required = required
    }
}

/// The shape of one value.
public indirect enum ValueSpec: Sendable {
    /// Free text of 1...maxLength Unicode scalars.
    case text(maxLength: Int)
    case formatted(TextFormat)
    case choice([String])
    case integer(min: Int64, max: Int64)
    /// An object with exactly these properties allowed (JSON Schema `additionalProperties: false`).
    case object([PropertySpec])

    /// Checks `value`; the error names `path` and the rule broken, never the value itself.
    public func validate(_ value: JSONValue, path: String) throws(ModelError) {
        switch self {
        case .text(let maxLength):
            guard let s = value.string else { throw wrongType(value, "string", path) }
            let n = s.unicodeScalars.count
            guard n >= 1 else { throw ModelError("\(path): must not be empty") }
            guard n <= maxLength else { throw ModelError("\(path): longer than \(maxLength) characters") }
        case .formatted(let format):
            guard let s = value.string else { throw wrongType(value, "string", path) }
            guard format.matches(s) else { throw ModelError("\(path): must be \(format.explanation)") }
        case .choice(let options):
            guard let s = value.string else { throw wrongType(value, "string", path) }
            guard options.contains(s) else {
                throw ModelError("\(path): must be one of \(options.joined(separator: ", "))")
            }
        case .integer(let min, let max):
            guard let i = value.int else { throw wrongType(value, "integer", path) }
            guard i >= min, i <= max else { throw ModelError("\(path): must be between \(min) and \(max)") }
        case .object(let properties):
            guard let object = value.object else { throw wrongType(value, "object", path) }
            for key in object.keys.sorted() where !properties.contains(where: { $0.name == key }) {
                throw ModelError("\(path): unknown property '\(key.prefix(40))'")
            }
            for property in properties {
                if let v = object[property.name] {
                    try property.value.validate(v, path: "\(path).\(property.name)")
                } else if property.required {
                    throw ModelError("\(path): missing required property '\(property.name)'")
                }
            }
        }
    }

    private func wrongType(_ value: JSONValue, _ expected: String, _ path: String) -> ModelError {
        ModelError("\(path): expected \(expected), got \(value.typeName)")
    }

    /// The JSON Schema (draft 2020-12) stating exactly what `validate` accepts.
    public var jsonSchema: JSONValue {
        switch self {
        case .text(let maxLength):
            return ["type": "string", "minLength": 1, "maxLength": .int(Int64(maxLength))]
        case .formatted(let format):
            return ["type": "string", "pattern": .string(format.pattern)]
        case .choice(let options):
            return ["type": "string", "enum": .array(options.map { .string($0) })]
        case .integer(let min, let max):
            return ["type": "integer", "minimum": .int(min), "maximum": .int(max)]
        case .object(let properties):
            var props: [String: JSONValue] = [:]
            for p in properties { props[p.name] = p.value.jsonSchema }
            return [
                "type": "object", "additionalProperties": false,
                "properties": .object(props),
                "required": .array(properties.filter(\.required).map { .string($0.name) }),
            ]
        }
    }
}
