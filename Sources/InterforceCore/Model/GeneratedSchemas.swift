// The JSON Schemas published in Schemas/, generated from the same ``RecordSchema`` specs the validator runs.
// `interforce schema write Schemas` regenerates them; a test fails if the committed files differ.

public enum GeneratedSchemas {
    /// Relative path -> schema document.
    public static var all: [(String, JSONValue)] {
        RecordType.allCases.flatMap { type -> [(String, JSONValue)] in
            let schema = RecordSchema.of(type)
            return [("records/\(type.rawValue).schema.json", schema.documentJSONSchema),
                    ("operations/\(type.rawValue).schema.json", schema.operationsJSONSchema)]
        }
    }
}

extension RecordSchema {
    /// JSON Schema for the payload of a write entry to a record of this type (see ``Operations``).
    public var operationsJSONSchema: JSONValue {
        func group(_ kind: FieldKind, _ item: (FieldSpec) -> JSONValue) -> JSONValue {
            var props: [String: JSONValue] = [:]
            for f in fields where f.kind == kind { props[f.name] = item(f) }
            return ["type": "object", "additionalProperties": false, "minProperties": 1, "properties": .object(props)]
        }
        let hash: JSONValue = ["type": "string", "pattern": .string(TextFormat.sha256Hex.pattern)]
        var properties: [String: JSONValue] = [
            "set": group(.register) { $0.value.jsonSchema },
            "add": group(.set) { ["type": "array", "minItems": 1, "uniqueItems": true, "items": $0.value.jsonSchema] },
            "remove": group(.set) { f in
                ["type": "array", "minItems": 1, "items": [
                    "type": "object", "additionalProperties": false, "required": ["value", "tags"],
                    "properties": ["value": f.value.jsonSchema, "tags": ["type": "array", "items": hash]],
                ]]
            },
        ]
        if fields.contains(where: { $0.kind == .list }) {
            properties["append"] = group(.list) { ["type": "array", "minItems": 1, "items": $0.value.jsonSchema] }
        }
        return [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": .string("https://interforce.police.uk/schemas/operations/\(type.rawValue).schema.json"),
            "title": .string("\(title): write payload"),
            "oneOf": [
                ["type": "object", "additionalProperties": false, "minProperties": 1, "properties": .object(properties)],
                ["type": "object", "additionalProperties": false, "required": ["reason"],
                 "properties": ["reason": ValueSpec.text(maxLength: 500).jsonSchema]],
            ],
        ]
    }
}
