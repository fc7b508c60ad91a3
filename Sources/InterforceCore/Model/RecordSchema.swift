// The fields of each record type, how each merges, and the JSON Schema that Schemas/ publishes for them.
//
// Every field has a merge kind: a *register* holds one value (last writer wins), a *set* holds many values
// (add wins over a concurrent remove), a *list* only grows (interview-note paragraphs, kept in clock order).
// Records are POLE-minded: a case file links People, Objects, Locations and Events; an image reference describes
// a crime-scene image held elsewhere (the image itself is never stored, only its SHA-256, size and location).

public enum FieldKind: String, Sendable {
    case register, set, list
}

public struct FieldSpec: Sendable {
    public let name: String
    public let kind: FieldKind
    public let value: ValueSpec
    public let requiredOnCreate: Bool
    public let summary: String
    /// A register that belongs to each force (its exhibit number, its storage location, its officer): every force's
    /// own latest value is kept and shown, with its force, instead of one winner across forces (PerForceFacts.swift).
    /// A set that belongs to each force (the officers it names): a force's removes take away only its own adds, so
    /// no force can take off a name another force put on the record (RecordState.present).
    public let perForce: Bool

    init(_ name: String, _ kind: FieldKind, _ value: ValueSpec, required: Bool = false, perForce: Bool = false,
         _ summary: String) {
        precondition(!perForce || kind != .list, "a list cannot be kept per force")
        self.name = name
        self.kind = kind
        self.value = value
        self.requiredOnCreate = required
        self.summary = summary
        self.perForce = perForce
    }
}

public struct RecordSchema: Sendable {
    public let type: RecordType
    public let title: String
    public let fields: [FieldSpec]
    /// The field whose value gives the record its identity, when the record has one (see ``RecordID``).
    public let naturalKey: String?

    public func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }

    public static func of(_ type: RecordType) -> RecordSchema {
        switch type {
        case .caseFile: caseFile
        case .interviewNote: interviewNote
        case .imageRef: imageRef
        case .person: person
        case .object: object
        case .location: location
        case .event: event
        case .link: link
        }
    }

    /// The registers kept per force.
    public var perForceFields: [FieldSpec] { fields.filter { $0.perForce && $0.kind == .register } }

    static let officer = ValueSpec.text(maxLength: 100)
    static let tags = FieldSpec("tags", .set, .formatted(.tag), "free labels")

    public static let caseFile = RecordSchema(
        type: .caseFile, title: "Case file",
        fields: [
            FieldSpec("crimeReference", .register, .formatted(.crimeReference),
                      "crime reference number; gives the record its identity"),
            FieldSpec("title", .register, .text(maxLength: 200), required: true, "short title"),
            FieldSpec("status", .register, .choice(["open", "under-investigation", "charged", "closed", "referred"]),
                      "where the case stands"),
            FieldSpec("offence", .register, .text(maxLength: 200), "offence description"),
            FieldSpec("summary", .register, .text(maxLength: 10_000), "narrative summary"),
            FieldSpec("leadOfficer", .register, officer, perForce: true, "this force's officer in charge"),
            FieldSpec("people", .set, .object([
                PropertySpec("role", .choice(["suspect", "victim", "witness", "other"]), required: true),
                PropertySpec("name", .text(maxLength: 200), required: true),
                PropertySpec("nationalId", .formatted(.nationalID)),
                PropertySpec("dateOfBirth", .formatted(.date)),
            ]), "People linked to the case"),
            FieldSpec("objects", .set, .object([
                PropertySpec("description", .text(maxLength: 500), required: true),
                PropertySpec("exhibitNumber", .text(maxLength: 50)),
            ]), "Objects linked to the case"),
            FieldSpec("locations", .set, .object([
                PropertySpec("description", .text(maxLength: 500), required: true),
                PropertySpec("postcode", .formatted(.postcode)),
            ]), "Locations linked to the case"),
            FieldSpec("events", .set, .object([
                PropertySpec("at", .formatted(.timestamp), required: true),
                PropertySpec("description", .text(maxLength: 500), required: true),
            ]), "Events linked to the case"),
            FieldSpec("officers", .set, officer, perForce: true, "officers working the case"),
            FieldSpec("links", .set, .formatted(.recordID), "related records (notes, images)"),
            entities,
            tags,
        ],
        naturalKey: "crimeReference")

    public static let interviewNote = RecordSchema(
        type: .interviewNote, title: "Interview note",
        fields: [
            FieldSpec("caseRef", .register, .formatted(.recordID), "the case file this interview belongs to"),
            FieldSpec("interviewee", .register, .text(maxLength: 200), required: true, "person interviewed"),
            FieldSpec("intervieweeRole", .register, .choice(["victim", "witness", "suspect", "other"]),
                      "role of the person interviewed"),
            FieldSpec("interviewer", .register, officer, required: true, perForce: true, "interviewing officer"),
            FieldSpec("startedAt", .register, .formatted(.timestamp), "when the interview started"),
            FieldSpec("location", .register, .text(maxLength: 200), "where it takes place"),
            FieldSpec("status", .register, .choice(["in-progress", "completed"]), "whether the note is still growing"),
            FieldSpec("paragraphs", .list, .text(maxLength: 20_000), "the note, in order; only ever appended to"),
            FieldSpec("officers", .set, officer, perForce: true, "officers present"),
            entities,
            tags,
        ],
        naturalKey: nil)

    public static let imageRef = RecordSchema(
        type: .imageRef, title: "Crime-scene image reference",
        fields: [
            FieldSpec("imageHash", .register, .formatted(.sha256Hex), required: true,
                      "SHA-256 of the image bytes; gives the record its identity"),
            FieldSpec("size", .register, .integer(min: 1, max: JSONValue.maxSafeInteger), required: true,
                      "image size in bytes"),
            FieldSpec("mediaType", .register, .formatted(.mediaType), required: true, "e.g. image/jpeg"),
            FieldSpec("capturedAt", .register, .formatted(.timestamp), required: true, "when it was captured"),
            FieldSpec("exhibitNumber", .register, .text(maxLength: 50), perForce: true, "this force's exhibit number"),
            FieldSpec("capturingOfficer", .register, officer, required: true, perForce: true,
                      "this force's officer who captured it"),
            FieldSpec("location", .register, .text(maxLength: 200), "where it was captured"),
            FieldSpec("storageUri", .register, .formatted(.uri), required: true, perForce: true,
                      "where this force holds the image itself"),
            FieldSpec("kind", .register, .choice(["fingerprint", "footwear", "scene", "other"]), "what it shows"),
            FieldSpec("caseRef", .register, .formatted(.recordID), perForce: true, "this force's case file it belongs to"),
            entities,
            tags,
        ],
        naturalKey: "imageHash")

    /// Validates a whole record document, as given to `record new`: known fields only, required ones present,
    /// registers as single values, sets and lists as arrays of values.
    public func validateDocument(_ document: JSONValue) throws(ModelError) {
        guard let object = document.object else {
            throw ModelError("\(type.rawValue): record must be a JSON object, got \(document.typeName)")
        }
        for key in object.keys.sorted() where field(key) == nil {
            throw ModelError("\(type.rawValue): unknown field '\(key.prefix(40))'")
        }
        for spec in fields {
            guard let value = object[spec.name] else {
                if spec.requiredOnCreate {
                    throw ModelError("\(type.rawValue): missing required field '\(spec.name)'")
                }
                continue
            }
            try validateFieldValue(spec, value, path: "\(type.rawValue).\(spec.name)")
        }
    }

    func validateFieldValue(_ spec: FieldSpec, _ value: JSONValue, path: String) throws(ModelError) {
        switch spec.kind {
        case .register:
            try spec.value.validate(value, path: path)
        case .set, .list:
            guard let items = value.array else {
                throw ModelError("\(path): expected array, got \(value.typeName)")
            }
            for (i, item) in items.enumerated() { try spec.value.validate(item, path: "\(path)[\(i)]") }
            if spec.kind == .set, Set(items).count != items.count {
                throw ModelError("\(path): repeated element")
            }
        }
    }

    /// JSON Schema (draft 2020-12) for a record document of this type, as written by `record new` and shown in
    /// the `fields` of `record show -o json`.
    public var documentJSONSchema: JSONValue {
        var properties: [String: JSONValue] = [:]
        for spec in fields {
            var schema: JSONValue
            switch spec.kind {
            case .register: schema = spec.value.jsonSchema
            case .set: schema = ["type": "array", "items": spec.value.jsonSchema, "uniqueItems": true]
            case .list: schema = ["type": "array", "items": spec.value.jsonSchema]
            }
            if case .object(var o) = schema {
                o["description"] = .string("\(spec.summary) (merge: \(spec.kind.rawValue)\(spec.perForce ? ", per force" : ""))")
                schema = .object(o)
            }
            properties[spec.name] = schema
        }
        return [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": .string("https://interforce.police.uk/schemas/\(type.rawValue).schema.json"),
            "title": .string(title),
            "type": "object",
            "additionalProperties": false,
            "properties": .object(properties),
            "required": .array(fields.filter(\.requiredOnCreate).map { .string($0.name) }),
        ]
    }
}
