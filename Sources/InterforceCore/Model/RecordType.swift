// The three kinds of record Interforce shares, and the id prefix each carries so that an id alone tells its type.

public enum RecordType: String, CaseIterable, Sendable {
    case caseFile = "case-file"
    case interviewNote = "interview-note"
    case imageRef = "image-ref"

    public init(validating text: String) throws(ModelError) {
        guard let type = RecordType(rawValue: text) else {
            throw ModelError("unknown record type '\(text.prefix(40))' (known: case-file, interview-note, image-ref)")
        }
        self = type
    }

    public var idPrefix: String {
        switch self {
        case .caseFile: "cf"
        case .interviewNote: "in"
        case .imageRef: "ir"
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
