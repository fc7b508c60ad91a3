// What an entry does to its record: the payload, kept apart from the signed header so it can be erased lawfully.
//
// A write payload is an object with up to four members, each keyed by field name:
//   "set":    {field: value}                      registers, last writer wins
//   "add":    {field: [element, ...]}             sets, tagged with this entry's hash
//   "remove": {field: [{"value": element, "tags": [entry hash, ...]}]}   sets; removes only the adds it observed
//   "append": {field: [text, ...]}                lists, in the order given
// An erase payload is {"reason": text}.

public struct Removal: Sendable, Hashable {
    public let value: JSONValue
    public let tags: [String]   // hashes of the entries whose adds the remover saw
    public init(value: JSONValue, tags: [String]) {
        self.value = value
        self.tags = tags
    }
}

public enum EntryOp: String, Sendable {
    case write, erase
}

public struct Operations: Sendable, Equatable {
    public var assign: [String: JSONValue] = [:]
    public var add: [String: [JSONValue]] = [:]
    public var remove: [String: [Removal]] = [:]
    public var append: [String: [JSONValue]] = [:]
    /// Only for erase payloads.
    public var eraseReason: String?

    public init() {}

    public static func erase(reason: String) -> Operations {
        var ops = Operations()
        ops.eraseReason = reason
        return ops
    }

    public var isEmpty: Bool { assign.isEmpty && add.isEmpty && remove.isEmpty && append.isEmpty && eraseReason == nil }

    /// The operations that create a record from a whole document (registers set, set elements added, list items
    /// appended). The document must already be valid.
    public init(document: JSONValue, schema: RecordSchema) {
        for (name, value) in document.object ?? [:] {
            guard let spec = schema.field(name) else { continue }
            switch spec.kind {
            case .register: assign[name] = value
            case .set: if let items = value.array, !items.isEmpty { add[name] = items }
            case .list: if let items = value.array, !items.isEmpty { append[name] = items }
            }
        }
    }

    public var json: JSONValue {
        if let reason = eraseReason { return ["reason": .string(reason)] }
        var o: [String: JSONValue] = [:]
        if !assign.isEmpty { o["set"] = .object(assign) }
        if !add.isEmpty { o["add"] = .object(add.mapValues { .array($0) }) }
        if !remove.isEmpty {
            o["remove"] = .object(remove.mapValues { removals in
                .array(removals.map { ["value": $0.value, "tags": .array($0.tags.map { .string($0) })] })
            })
        }
        if !append.isEmpty { o["append"] = .object(append.mapValues { .array($0) }) }
        return .object(o)
    }

    /// Parses and validates a payload for a record of `type`; every violation names the field and rule.
    public init(json: JSONValue, type: RecordType, op: EntryOp) throws(ModelError) {
        let schema = RecordSchema.of(type)
        guard let object = json.object else { throw ModelError("payload must be a JSON object") }
        if op == .erase {
            guard Set(object.keys) == ["reason"], let reason = object["reason"]?.string else {
                throw ModelError("erase payload must be exactly {\"reason\": text}")
            }
            try ValueSpec.text(maxLength: 500).validate(.string(reason), path: "reason")
            eraseReason = reason
            return
        }
        for key in object.keys.sorted() where !["set", "add", "remove", "append"].contains(key) {
            throw ModelError("payload: unknown operation '\(key.prefix(40))'")
        }
        func members(_ op: String, _ kind: FieldKind) throws(ModelError) -> [(FieldSpec, JSONValue)] {
            guard let value = object[op] else { return [] }
            guard let fields = value.object, !fields.isEmpty else {
                throw ModelError("payload.\(op): expected a non-empty object")
            }
            var out: [(FieldSpec, JSONValue)] = []
            for name in fields.keys.sorted() {
                guard let spec = schema.field(name) else {
                    throw ModelError("\(type.rawValue): unknown field '\(name.prefix(40))'")
                }
                guard spec.kind == kind else {
                    throw ModelError("payload.\(op).\(name): field is a \(spec.kind.rawValue), not a \(kind.rawValue)")
                }
                out.append((spec, fields[name]!))
            }
            return out
        }
        for (spec, value) in try members("set", .register) {
            try spec.value.validate(value, path: "\(type.rawValue).\(spec.name)")
            assign[spec.name] = value
        }
        for (spec, value) in try members("add", .set) {
            try schema.validateFieldValue(spec, value, path: "\(type.rawValue).\(spec.name)")
            guard let items = value.array, !items.isEmpty else { throw ModelError("payload.add.\(spec.name): empty") }
            add[spec.name] = items
        }
        for (spec, value) in try members("remove", .set) {
            guard let items = value.array, !items.isEmpty else {
                throw ModelError("payload.remove.\(spec.name): expected a non-empty array")
            }
            var removals: [Removal] = []
            for (i, item) in items.enumerated() {
                let path = "payload.remove.\(spec.name)[\(i)]"
                guard let o = item.object, Set(o.keys) == ["value", "tags"], let element = o["value"],
                      let tags = o["tags"]?.array
                else { throw ModelError("\(path): expected {\"value\": element, \"tags\": [entry hash]}") }
                try spec.value.validate(element, path: "\(path).value")
                let hashes = tags.compactMap(\.string)
                guard hashes.count == tags.count, hashes.allSatisfy({ Identifiers.isLowerHex($0, count: 64) }) else {
                    throw ModelError("\(path).tags: expected entry hashes (64 lowercase hex digits)")
                }
                removals.append(Removal(value: element, tags: hashes))
            }
            remove[spec.name] = removals
        }
        for (spec, value) in try members("append", .list) {
            try schema.validateFieldValue(spec, value, path: "\(type.rawValue).\(spec.name)")
            guard let items = value.array, !items.isEmpty else { throw ModelError("payload.append.\(spec.name): empty") }
            append[spec.name] = items
        }
        if isEmpty { throw ModelError("payload: no operations") }
    }

    /// Checks that the natural key, where set, is the one the record id was derived from.
    public func checkNaturalKey(recordID: String, type: RecordType) throws(ModelError) {
        guard let keyField = RecordSchema.of(type).naturalKey, let key = assign[keyField]?.string else { return }
        guard RecordID.natural(type: type, key: key) == recordID else {
            throw ModelError("\(type.rawValue).\(keyField): does not match record id \(recordID) (natural key)")
        }
    }
}
