// The kinds of record Interforce shares, and the id prefix each carries so that an id alone tells its type: case
// files, interview notes and image references; the POLE records (person, object, location, event) they link to by
// id; and the same-as links that join POLE records two forces recorded apart (POLETypes.swift, SameAsLinks.swift).

public enum RecordType: String, CaseIterable, Sendable {
    case caseFile = "case-file"
    case interviewNote = "interview-note"
    case imageRef = "image-ref"
    case person
    case object
    case location
    case event
    case link

    public init(validating text: String) throws(ModelError) {
        guard let type = RecordType(rawValue: text) else {
            let known = RecordType.allCases.map(\.rawValue).joined(separator: ", ")
            throw ModelError("unknown record type '\(text.prefix(40))' (known: \(known))")
        }
        self = type
    }

    public var idPrefix: String {
        switch self {
        case .caseFile: "cf"
        case .interviewNote: "in"
        case .imageRef: "ir"
        case .person: "pe"
        case .object: "ob"
        case .location: "lo"
        case .event: "ev"
        case .link: "ln"
        }
    }

    public init?(idPrefix: String) {
        guard let type = RecordType.allCases.first(where: { $0.idPrefix == idPrefix }) else { return nil }
        self = type
    }

    /// The type a record id names, if the id is well formed.
    public init?(recordID: String) {
        guard Identifiers.isRecordID(recordID) else { return nil }
        self.init(idPrefix: String(recordID.prefix(2)))
    }
}

extension RecordType {
    /// The POLE types: the records a same-as link may join (two of one type).
    public static let pole: [RecordType] = [.person, .object, .location, .event]
    public var isPOLE: Bool { Self.pole.contains(self) }
}
