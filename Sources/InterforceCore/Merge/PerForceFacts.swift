// Facts that belong to each force: when two forces record the same thing (the same image by hash, the same person
// by PNC ID), each has its own exhibit number, its own storage location, its own officer and its own reference.
// Last-writer-wins would keep one force's and hide the other's; a per-force register keeps every force's.
//
// Nothing new is merged for them: every entry already lands in its own force's contribution (RecordState.swift),
// whose registers are last-writer-wins over that force's entries alone, so a force's entries can only ever set its
// own value, whatever order they arrive in, and the state (and so its hash and the digest) is what it always was.
// What changes is what is shown: for a field the schema marks `perForce`, the view lists each force's own value
// with its provenance, in force order, under `perForce`; `fields` still holds the latest of them, so a record's
// `fields` stay a document of its type.

extension RecordState {
    /// Each per-force field's values: `{field: [{"force", "value", "author", "at", "entry"}, ...]}`, one per force
    /// that has a value and has not withdrawn, in force (byte) order; fields without a value are left out.
    public var perForce: JSONValue {
        var out: [String: JSONValue] = [:]
        for spec in RecordSchema.of(type).perForceFields {
            let values = perForceValues(spec.name)
            if !values.isEmpty {
                out[spec.name] = .array(values.map { force, register in
                    var o = register.stamp.provenance.object!
                    o["value"] = register.value
                    return .object(o)
                })
            }
        }
        return .object(out)
    }

    /// One per-force field's register of each force, in force (byte) order.
    public func perForceValues(_ field: String) -> [(force: String, register: Register)] {
        contributions.keys.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }.compactMap { force in
            contributions[force]!.registers[field].map { (force, $0) }
        }
    }
}
