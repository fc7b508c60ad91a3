// The merged state of one record: a CRDT computed from its entries (decision 6 of the brief).
//
// - register fields: last writer wins, by ``Stamp`` order (clock, author, entry hash);
// - set fields: add-wins observed-remove sets: each add is tagged with its entry hash, a remove deletes only the
//   tags it names, so an add the remover had not seen survives;
// - list fields: append-only, ordered by (stamp, position within the entry), so a live note grows in order;
// - erasure: a tombstone that clears the contents and stays; later writes change nothing but the `updated` stamp;
// - classification and audience of the record: last writer wins over entry headers.
// `apply` is commutative, associative and idempotent, so any order, any repetition, gives byte-identical
// `canonicalBytes` on every node.

public struct Register: Sendable, Equatable {
    public let value: JSONValue
    public let stamp: Stamp
}

public struct ListItem: Sendable, Equatable, Comparable {
    public let stamp: Stamp
    public let index: Int64
    public let value: JSONValue
    public static func < (a: Self, b: Self) -> Bool { (a.stamp, a.index) < (b.stamp, b.index) }
    public static func == (a: Self, b: Self) -> Bool { a.stamp == b.stamp && a.index == b.index }
}

public struct SetElement: Sendable, Equatable {
    public let value: JSONValue
    public var adds: [Stamp]   // sorted, unique
}

public struct ORSet: Sendable, Equatable {
    /// Keyed by ``ORSet/key(_:)`` of the element: the hex of its canonical bytes, so that two spellings Swift
    /// would call equal (Unicode canonical equivalence) stay two elements, as they are two byte strings.
    public var elements: [String: SetElement] = [:]
    /// Removed add tags, per element key: a remove hides only the adds of that element that it observed.
    public var removed: [String: Set<String>] = [:]

    public static func key(_ value: JSONValue) -> String { Hex.encode(value.canonicalBytes) }

    /// The elements present, in canonical-byte order, each with the add stamps that keep it.
    public var present: [(value: JSONValue, adds: [Stamp])] {
        elements.keys.sorted().compactMap { key in
            let element = elements[key]!
            let gone = removed[key] ?? []
            let live = element.adds.filter { !gone.contains($0.entry) }
            return live.isEmpty ? nil : (element.value, live)
        }
    }

    /// The add tags of `value` currently live, for a remover to name.
    public func liveTags(of value: JSONValue) -> [String] {
        let key = Self.key(value)
        let gone = removed[key] ?? []
        return (elements[key]?.adds ?? []).map(\.entry).filter { !gone.contains($0) }
    }
}

public struct Erasure: Sendable, Equatable {
    public let stamp: Stamp
    public let reason: String?
}

public struct RecordState: Sendable, Equatable {
    public let id: String
    public let type: RecordType
    public private(set) var registers: [String: Register] = [:]
    public private(set) var sets: [String: ORSet] = [:]
    public private(set) var lists: [String: [ListItem]] = [:]
    public private(set) var classification: Register?
    public private(set) var audience: Register?
    public private(set) var erasure: Erasure?
    public private(set) var created: Stamp?
    public private(set) var updated: Stamp?

    public init(id: String, type: RecordType) {
        self.id = id
        self.type = type
    }

    public var isErased: Bool { erasure != nil }

    /// Merges one entry. `ops` is nil when the payload is absent (erased upstream); only the header then counts.
    public mutating func apply(_ entry: Entry, ops: Operations?) {
        let h = entry.header
        precondition(h.record == id, "entry for another record")
        let stamp = Stamp(entry)
        if created.map({ stamp < $0 }) ?? true { created = stamp }
        if updated.map({ $0 < stamp }) ?? true { updated = stamp }
        lww(&classification, .string(h.classification.rawValue), stamp)
        lww(&audience, h.audience.json, stamp)

        if h.op == .erase {
            if erasure.map({ $0.stamp < stamp }) ?? true { erasure = Erasure(stamp: stamp, reason: ops?.eraseReason) }
            registers = [:]
            sets = [:]
            lists = [:]
            return
        }
        guard erasure == nil, let ops else { return }
        for (field, value) in ops.assign { lww(&registers[field], value, stamp) }
        for (field, values) in ops.add {
            var set = sets[field] ?? ORSet()
            for value in values {
                let key = ORSet.key(value)
                var element = set.elements[key] ?? SetElement(value: value, adds: [])
                if !element.adds.contains(stamp) {
                    element.adds.append(stamp)
                    element.adds.sort()
                }
                set.elements[key] = element
            }
            sets[field] = set
        }
        for (field, removals) in ops.remove {
            var set = sets[field] ?? ORSet()
            for removal in removals { set.removed[ORSet.key(removal.value), default: []].formUnion(removal.tags) }
            sets[field] = set
        }
        for (field, values) in ops.append {
            var list = lists[field] ?? []
            for (i, value) in values.enumerated() {
                let item = ListItem(stamp: stamp, index: Int64(i), value: value)
                let at = list.partitionPoint { $0 < item }
                if at < list.count, list[at] == item { continue }
                list.insert(item, at: at)
            }
            lists[field] = list
        }
    }

    private func lww(_ slot: inout Register?, _ value: JSONValue, _ stamp: Stamp) {
        if slot.map({ $0.stamp < stamp }) ?? true { slot = Register(value: value, stamp: stamp) }
    }

    // MARK: Stored form

    /// The full CRDT state as JSON, including the metadata merge needs; its canonical bytes are what the state
    /// digest hashes.
    public var json: JSONValue {
        func reg(_ r: Register?) -> JSONValue { r.map { ["value": $0.value, "stamp": $0.stamp.json] } ?? .null }
        return [
            "id": .string(id), "type": .string(type.rawValue),
            "classification": reg(classification), "audience": reg(audience),
            "created": created?.json ?? .null, "updated": updated?.json ?? .null,
            "erased": erasure.map { ["stamp": $0.stamp.json, "reason": $0.reason.map { .string($0) } ?? .null] } ?? .null,
            "registers": .object(registers.mapValues { reg($0) }),
            "sets": .object(sets.mapValues { set in
                [
                    "elements": .array(set.elements.keys.sorted().map { key in
                        let e = set.elements[key]!
                        return ["value": e.value, "adds": .array(e.adds.map(\.json))]
                    }),
                    "removed": .object(set.removed.mapValues { .array($0.sorted().map { .string($0) }) }),
                ]
            }),
            "lists": .object(lists.mapValues { items in
                .array(items.map { ["stamp": $0.stamp.json, "index": .int($0.index), "value": $0.value] })
            }),
        ]
    }

    public var canonicalBytes: [UInt8] { json.canonicalBytes }
    public var stateHash: SHA256Digest { SHA256Digest.hash(canonicalBytes) }

    public init(json: JSONValue) throws(ModelError) {
        let bad = ModelError("stored state is malformed")
        guard let o = json.object, let id = o["id"]?.string, let t = o["type"]?.string,
              let type = RecordType(rawValue: t)
        else { throw bad }
        self.init(id: id, type: type)
        func reg(_ v: JSONValue?) throws(ModelError) -> Register? {
            guard let v, !v.isNull else { return nil }
            guard let value = v["value"], let s = v["stamp"] else { throw bad }
            return Register(value: value, stamp: try Stamp(json: s))
        }
        func stamp(_ v: JSONValue?) throws(ModelError) -> Stamp? {
            guard let v, !v.isNull else { return nil }
            return try Stamp(json: v)
        }
        classification = try reg(o["classification"])
        audience = try reg(o["audience"])
        created = try stamp(o["created"])
        updated = try stamp(o["updated"])
        if let e = o["erased"], !e.isNull {
            guard let s = try stamp(e["stamp"]) else { throw bad }
            erasure = Erasure(stamp: s, reason: e["reason"]?.string)
        }
        for (field, value) in o["registers"]?.object ?? [:] { registers[field] = try reg(value) }
        for (field, value) in o["sets"]?.object ?? [:] {
            var set = ORSet()
            for element in value["elements"]?.array ?? [] {
                guard let v = element["value"], let adds = element["adds"]?.array else { throw bad }
                var stamps: [Stamp] = []
                for a in adds { stamps.append(try Stamp(json: a)) }
                set.elements[ORSet.key(v)] = SetElement(value: v, adds: stamps)
            }
            for (key, tags) in value["removed"]?.object ?? [:] {
                set.removed[key] = Set((tags.array ?? []).compactMap(\.string))
            }
            sets[field] = set
        }
        for (field, value) in o["lists"]?.object ?? [:] {
            var items: [ListItem] = []
            for item in value.array ?? [] {
                guard let s = item["stamp"], let i = item["index"]?.int, let v = item["value"] else { throw bad }
                items.append(ListItem(stamp: try Stamp(json: s), index: i, value: v))
            }
            lists[field] = items
        }
    }

    // MARK: What officers see

    /// The record's field values as a document of its type (valid against Schemas/records/<type>.schema.json).
    public var document: JSONValue {
        var fields: [String: JSONValue] = [:]
        for (name, r) in registers { fields[name] = r.value }
        for (name, set) in sets {
            let present = set.present
            if !present.isEmpty { fields[name] = .array(present.map(\.value)) }
        }
        for (name, items) in lists where !items.isEmpty { fields[name] = .array(items.map(\.value)) }
        return .object(fields)
    }

    /// Which force wrote each field and when: an object for a register, an array aligned with the values of a
    /// set (earliest live add) or list.
    public var provenance: JSONValue {
        var p: [String: JSONValue] = [:]
        for (name, r) in registers { p[name] = r.stamp.provenance }
        for (name, set) in sets {
            let present = set.present
            if !present.isEmpty { p[name] = .array(present.map { $0.adds[0].provenance }) }
        }
        for (name, items) in lists where !items.isEmpty { p[name] = .array(items.map(\.stamp.provenance)) }
        return .object(p)
    }

    /// `record show -o json`: identical on every node that holds the same entries.
    public var view: JSONValue {
        [
            "id": .string(id), "type": .string(type.rawValue),
            "classification": classification?.value ?? .null,
            "audience": audience?.value ?? .null,
            "created": created?.provenance ?? .null,
            "updated": updated?.provenance ?? .null,
            "erased": erasure.map { e -> JSONValue in
                var o = e.stamp.provenance.object!
                o["reason"] = e.reason.map { .string($0) } ?? .null
                return .object(o)
            } ?? .null,
            "fields": document,
            "provenance": provenance,
        ]
    }

    /// The words the full-text index holds for this record (empty once erased).
    public var searchText: String {
        guard !isErased else { return "" }
        var words: [String] = []
        func collect(_ v: JSONValue) {
            switch v {
            case .string(let s): words.append(s)
            case .int(let i): words.append(String(i))
            case .array(let a): a.forEach(collect)
            case .object(let o): o.keys.sorted().forEach { collect(o[$0]!) }
            default: break
            }
        }
        collect(document)
        return words.joined(separator: " ")
    }
}

extension Array {
    /// First index whose element does not satisfy `belongsBefore` (the array is partitioned by it).
    func partitionPoint(_ belongsBefore: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if belongsBefore(self[mid]) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
