// The merged state of one record: a CRDT computed from its entries (decisions 6 and 10 of the brief).
//
// Ownership is a rule of the merge, decided from the entries alone. A record with an origin (see RecordID.swift) is
// *owned* by the origin's force; a record with a natural key has no owner: it is *shared*. Every force's part of a
// record is kept apart, as that force's *contribution*, so that these rights hold whatever order entries arrive in:
// - the owner's entries alone set the record's classification and audience (last writer wins among them), and the
//   owner's erase tombstones the record: every contribution's fields are emptied and stay empty;
// - any other force's entries add fields but never set the record's classification or audience, and its erase
//   *withdraws* its own contribution: its fields vanish and its later writes change nothing;
// - on a shared record every force's erase withdraws its own contribution (the record counts as erased once every
//   force that wrote to it has withdrawn); the classification shown is the highest any remaining contributor chose,
//   and each contributor's audience is its own.
// Within what remains, fields merge across contributions:
// - register fields: last writer wins, by ``Stamp`` order (clock, author, entry hash);
// - set fields: add-wins observed-remove sets: each add is tagged with its entry hash, a remove deletes only the
//   tags it names, so an add the remover had not seen survives; a withdrawn force's removes vanish with its adds;
// - list fields: append-only, ordered by (stamp, position within the entry), so a live note grows in order.
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

/// One contribution's adds and removes of one set field.
public struct ORSet: Sendable, Equatable {
    /// Keyed by ``ORSet/key(_:)`` of the element: the hex of its canonical bytes, so that two spellings Swift
    /// would call equal (Unicode canonical equivalence) stay two elements, as they are two byte strings.
    public var elements: [String: SetElement] = [:]
    /// Removed add tags, per element key: a remove hides only the adds of that element that it observed.
    public var removed: [String: Set<String>] = [:]

    public static func key(_ value: JSONValue) -> String { Hex.encode(value.canonicalBytes) }
}

public struct Erasure: Sendable, Equatable {
    public let stamp: Stamp
    public let reason: String?
}

/// What one force has written to a record.
public struct Contribution: Sendable, Equatable {
    /// This force's latest classification and audience for the record (last writer wins over its own headers).
    public fileprivate(set) var classification: Register?
    public fileprivate(set) var audience: Register?
    /// This force's erase of the record (the one with the greatest stamp): for the owner a tombstone, for anyone
    /// else a withdrawal of its own contribution.
    public fileprivate(set) var erasure: Erasure?
    public fileprivate(set) var registers: [String: Register] = [:]
    public fileprivate(set) var sets: [String: ORSet] = [:]
    public fileprivate(set) var lists: [String: [ListItem]] = [:]

    fileprivate mutating func clearFields() {
        registers = [:]
        sets = [:]
        lists = [:]
    }

    fileprivate mutating func merge(_ ops: Operations, _ stamp: Stamp) {
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
}

private func lww(_ slot: inout Register?, _ value: JSONValue, _ stamp: Stamp) {
    if slot.map({ $0.stamp < stamp }) ?? true { slot = Register(value: value, stamp: stamp) }
}

public struct RecordState: Sendable, Equatable {
    public let id: String
    public let type: RecordType
    /// The origin any entry of the record carries (nil for a shared record, or while only entries without one are
    /// held). Admission checks that an origin derives the id, so every entry that carries one carries the same.
    public private(set) var origin: RecordOrigin?
    /// Each force's part, keyed by force.
    public private(set) var contributions: [String: Contribution] = [:]
    public private(set) var created: Stamp?
    public private(set) var updated: Stamp?

    public init(id: String, type: RecordType) {
        self.id = id
        self.type = type
    }

    /// The force that owns the record; nil for a shared record.
    public var owner: String? { origin?.force }

    /// The erase that tombstones the record: the owner's; for a shared record, once every force that wrote to it
    /// has withdrawn, the latest of their erases (a force that writes to it later brings it back with its own part).
    public var erasure: Erasure? {
        if let owner { return contributions[owner]?.erasure }
        let erasures = contributions.values.map(\.erasure)
        guard !erasures.isEmpty, erasures.allSatisfy({ $0 != nil }) else { return nil }
        return erasures.compactMap { $0 }.max { $0.stamp < $1.stamp }
    }

    public var isErased: Bool { erasure != nil }

    /// Whether `force` has erased its part of the record (for the owner: the whole record).
    public func hasErased(_ force: String) -> Bool { contributions[force]?.erasure != nil }

    /// Whether a write by `force` still counts: `force` has not withdrawn, and an owned record is not tombstoned (a
    /// shared record every writer withdrew from takes a new force's part: it is that force's own).
    public func accepts(writesBy force: String) -> Bool { !hasErased(force) && (owner == nil || !isErased) }

    /// The record's classification: the owner's latest for an owned record (nil until one of its entries is held);
    /// for a shared record the highest that a force which has not withdrawn chose.
    public var classification: Classification? {
        if let owner { return contributions[owner]?.classification.flatMap(Self.classification) }
        return contributions.values.filter { $0.erasure == nil }.compactMap { $0.classification.flatMap(Self.classification) }
            .max()
    }

    /// The record's audience: the owner's latest for an owned record; nil for a shared record, whose contributors
    /// each keep their own (``audience(of:)``).
    public var audience: Audience? { owner.flatMap(audience(of:)) }

    /// The latest audience `force` gave its entries of the record.
    public func audience(of force: String) -> Audience? {
        contributions[force]?.audience.flatMap { try? Audience(json: $0.value) }
    }

    private static func classification(_ r: Register) -> Classification? { r.value.string.flatMap(Classification.init) }

    /// Merges one entry. `ops` is nil when the payload is absent (erased upstream); only the header then counts.
    public mutating func apply(_ entry: Entry, ops: Operations?) {
        let h = entry.header
        precondition(h.record == id, "entry for another record")
        let stamp = Stamp(entry)
        if created.map({ stamp < $0 }) ?? true { created = stamp }
        if updated.map({ $0 < stamp }) ?? true { updated = stamp }
        if let o = h.origin, origin.map({ o < $0 }) ?? true { origin = o }
        var c = contributions[h.force] ?? Contribution()
        lww(&c.classification, .string(h.classification.rawValue), stamp)
        lww(&c.audience, h.audience.json, stamp)
        if h.op == .erase {
            if c.erasure.map({ $0.stamp < stamp }) ?? true { c.erasure = Erasure(stamp: stamp, reason: ops?.eraseReason) }
            c.clearFields()
        } else if c.erasure == nil, let ops {
            c.merge(ops, stamp)
        }
        contributions[h.force] = c
        if isErased { for force in contributions.keys { contributions[force]!.clearFields() } }
    }

    // MARK: Stored form

    /// The full CRDT state as JSON, including the metadata merge needs; its canonical bytes are what the state
    /// digest hashes.
    public var json: JSONValue {
        func reg(_ r: Register?) -> JSONValue { r.map { ["value": $0.value, "stamp": $0.stamp.json] } ?? .null }
        func erasure(_ e: Erasure?) -> JSONValue {
            e.map { ["stamp": $0.stamp.json, "reason": $0.reason.map { .string($0) } ?? .null] } ?? .null
        }
        return [
            "id": .string(id), "type": .string(type.rawValue), "origin": origin?.json ?? .null,
            "created": created?.json ?? .null, "updated": updated?.json ?? .null,
            "contributions": .object(contributions.mapValues { c in
                [
                    "classification": reg(c.classification), "audience": reg(c.audience), "erased": erasure(c.erasure),
                    "registers": .object(c.registers.mapValues { reg($0) }),
                    "sets": .object(c.sets.mapValues { set in
                        [
                            "elements": .array(set.elements.keys.sorted().map { key in
                                let e = set.elements[key]!
                                return ["value": e.value, "adds": .array(e.adds.map(\.json))]
                            }),
                            "removed": .object(set.removed.mapValues { .array($0.sorted().map { .string($0) }) }),
                        ]
                    }),
                    "lists": .object(c.lists.mapValues { items in
                        .array(items.map { ["stamp": $0.stamp.json, "index": .int($0.index), "value": $0.value] })
                    }),
                ]
            }),
        ]
    }

    public var canonicalBytes: [UInt8] { json.canonicalBytes }
    public var stateHash: SHA256Digest { SHA256Digest.hash(canonicalBytes) }

    public init(json: JSONValue) throws(ModelError) {
        let bad = ModelError("stored state is malformed")
        guard let o = json.object, let id = o["id"]?.string, let t = o["type"]?.string,
              let type = RecordType(rawValue: t), let contributions = o["contributions"]?.object
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
        if let origin = o["origin"], !origin.isNull { self.origin = try RecordOrigin(json: origin) }
        created = try stamp(o["created"])
        updated = try stamp(o["updated"])
        for (force, value) in contributions {
            var c = Contribution()
            c.classification = try reg(value["classification"])
            c.audience = try reg(value["audience"])
            if let e = value["erased"], !e.isNull {
                guard let s = try stamp(e["stamp"]) else { throw bad }
                c.erasure = Erasure(stamp: s, reason: e["reason"]?.string)
            }
            for (field, r) in value["registers"]?.object ?? [:] { c.registers[field] = try reg(r) }
            for (field, value) in value["sets"]?.object ?? [:] {
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
                c.sets[field] = set
            }
            for (field, value) in value["lists"]?.object ?? [:] {
                var items: [ListItem] = []
                for item in value.array ?? [] {
                    guard let s = item["stamp"], let i = item["index"]?.int, let v = item["value"] else { throw bad }
                    items.append(ListItem(stamp: try Stamp(json: s), index: i, value: v))
                }
                c.lists[field] = items
            }
            self.contributions[force] = c
        }
    }

    // MARK: Fields across contributions

    /// Each register field's value: the latest write over every contribution.
    public var registers: [String: Register] {
        var out: [String: Register] = [:]
        for c in contributions.values {
            for (field, r) in c.registers where out[field].map({ $0.stamp < r.stamp }) ?? true { out[field] = r }
        }
        return out
    }

    /// The elements of a set field present across contributions, in canonical-byte order, each with the add
    /// stamps that keep it: an add stays unless some contribution removed its tag. In a per-force set (the officers
    /// a record names, RecordSchema) only the add's own force's removes count.
    public func present(_ field: String) -> [(value: JSONValue, adds: [Stamp])] {
        let perForce = RecordSchema.of(type).field(field)?.perForce ?? false
        var elements: [String: SetElement] = [:], removed: [String: Set<String>] = [:]
        for (force, c) in contributions {
            guard let set = c.sets[field] else { continue }
            for (key, e) in set.elements {
                elements[key, default: SetElement(value: e.value, adds: [])].adds += e.adds
            }
            for (key, tags) in set.removed {
                removed[perForce ? force + " " + key : key, default: []].formUnion(tags)
            }
        }
        return elements.keys.sorted().compactMap { key in
            let live = elements[key]!.adds.filter { add in
                !(removed[perForce ? add.force + " " + key : key] ?? []).contains(add.entry)
            }.sorted()
            return live.isEmpty ? nil : (elements[key]!.value, live)
        }
    }

    /// The add tags of `value` in set `field` currently live, for a remover of `force` to name: in a per-force set
    /// only its own force's (nil: every live tag).
    public func liveTags(_ field: String, of value: JSONValue, by force: String? = nil) -> [String] {
        let key = ORSet.key(value)
        let perForce = force != nil && RecordSchema.of(type).field(field)?.perForce ?? false
        let adds = present(field).first { ORSet.key($0.value) == key }?.adds ?? []
        return adds.filter { !perForce || $0.force == force }.map(\.entry)
    }

    /// A list field's items across contributions, in (stamp, index) order.
    public func items(_ field: String) -> [ListItem] {
        contributions.values.flatMap { $0.lists[field] ?? [] }.sorted()
    }

    private var fieldNames: (sets: Set<String>, lists: Set<String>) {
        var sets = Set<String>(), lists = Set<String>()
        for c in contributions.values {
            sets.formUnion(c.sets.keys)
            lists.formUnion(c.lists.keys)
        }
        return (sets, lists)
    }

    // MARK: What officers see

    /// The record's field values as a document of its type (valid against Schemas/records/<type>.schema.json).
    public var document: JSONValue {
        var fields: [String: JSONValue] = [:]
        for (name, r) in registers { fields[name] = r.value }
        let names = fieldNames
        for name in names.sets {
            let present = present(name)
            if !present.isEmpty { fields[name] = .array(present.map(\.value)) }
        }
        for name in names.lists {
            let items = items(name)
            if !items.isEmpty { fields[name] = .array(items.map(\.value)) }
        }
        return .object(fields)
    }

    /// Which force wrote each field and when: an object for a register, an array aligned with the values of a
    /// set (earliest live add) or list.
    public var provenance: JSONValue {
        var p: [String: JSONValue] = [:]
        for (name, r) in registers { p[name] = r.stamp.provenance }
        let names = fieldNames
        for name in names.sets {
            let present = present(name)
            if !present.isEmpty { p[name] = .array(present.map { $0.adds[0].provenance }) }
        }
        for name in names.lists {
            let items = items(name)
            if !items.isEmpty { p[name] = .array(items.map(\.stamp.provenance)) }
        }
        return .object(p)
    }

    /// `record show -o json`: identical on every node that holds the same entries.
    public var view: JSONValue {
        func erased(_ e: Erasure) -> JSONValue {
            var o = e.stamp.provenance.object!
            o["reason"] = e.reason.map { .string($0) } ?? .null
            return .object(o)
        }
        var audiences: [String: JSONValue] = [:], withdrawn: [String: JSONValue] = [:]
        for (force, c) in contributions {
            if let e = c.erasure, force != owner { withdrawn[force] = erased(e) }
            if c.erasure == nil || force == owner, let a = c.audience { audiences[force] = a.value }
        }
        return [
            "id": .string(id), "type": .string(type.rawValue),
            "owner": owner.map { ["force": .string($0), "written": .bool(contributions[$0] != nil)] } ?? .null,
            "classification": classification.map { .string($0.rawValue) } ?? .null,
            "audience": audience?.json ?? .null,
            "audiences": .object(audiences),
            "created": created?.provenance ?? .null,
            "updated": updated?.provenance ?? .null,
            "erased": erasure.map(erased) ?? .null,
            "withdrawn": .object(withdrawn),
            "fields": document,
            "provenance": provenance,
            "perForce": perForce,
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
        // Every force's own exhibit number, storage location, reference: each one findable.
        for spec in RecordSchema.of(type).perForceFields { perForceValues(spec.name).forEach { collect($0.register.value) } }
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
