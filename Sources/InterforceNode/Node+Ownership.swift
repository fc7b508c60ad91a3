// Ownership at the node (decision 10 of the brief): what this node's own writes carry so that what a force writes
// goes only where that force chose, what it refuses to write, and how the effect of each admitted entry is logged.
//
// The merge (RecordState.swift) decides what an entry may do from the entries alone, identically everywhere. Here:
// - a write's audience: the owner's choice for the owner; for a force writing into another force's record, the
//   owner's audience plus the owner (never wider); on a shared record, this force's own latest audience there, or
//   (if it never wrote there) this force only. Another force's entries never widen it.
// - refusals: `--audience`/`--classification` from a force that does not own the record; an erase by a force that
//   has nothing of the record to erase; any write to a tombstoned record or by a force that withdrew from it.
// - payloads: a write may travel without its payload only with the erase that justifies it (the owner's, or its own
//   force's), which the receiver admits first; otherwise a relay could strip content with an erase it made up.

import InterforceCore
import InterforceStore

extension Node {
    // MARK: What this node's writes carry

    func checkCanWrite(_ state: RecordState) throws {
        guard !state.accepts(writesBy: config.force) else { return }
        if state.isErased, state.owner != nil || state.hasErased(config.force) {
            throw NodeError("record \(state.id) has been erased; it cannot be updated")
        }
        throw NodeError("\(config.force) has withdrawn its contribution to record \(state.id); it cannot write to it again")
    }

    func checkCanChoose(_ state: RecordState, classification: Classification?, audience: Audience?) throws {
        guard let owner = state.owner, owner != config.force, classification != nil || audience != nil else { return }
        throw NodeError("record \(state.id) is owned by \(owner); only \(owner) can change its "
                        + "\(audience != nil ? "audience" : "classification")")
    }

    func checkCanErase(_ state: RecordState) throws {
        try checkCanWrite(state)
        if state.owner == config.force { return }
        guard state.contributions[config.force] != nil else {
            if let owner = state.owner {
                throw NodeError("record \(state.id) is owned by \(owner); only \(owner) can erase it, and "
                                + "\(config.force) has written nothing to it to withdraw")
            }
            throw NodeError("record \(state.id) is shared (no owner) and \(config.force) has written nothing to it: "
                            + "a force can erase only its own contribution")
        }
    }

    /// The classification of this node's next entry to `state`'s record: the owner's (for the owner, its own
    /// latest); on a shared record this force's own latest, else the highest any contributor chose.
    func writeClassification(_ state: RecordState) -> Classification {
        if state.owner == nil, let mine = state.contributions[config.force]?.classification?.value.string {
            return Classification(rawValue: mine) ?? .official
        }
        return state.classification ?? .official
    }

    /// The audience of this node's next entry to `state`'s record (see the file comment).
    func writeAudience(_ state: RecordState) throws -> Audience {
        if let owner = state.owner {
            let audience = state.audience ?? .authorForceOnly
            guard owner != config.force, !audience.forces.contains(owner) else { return audience }
            return try Audience(forces: audience.forces + [owner], groups: audience.groups)
        }
        // A force's first write to a shared record starts its own part, as a new record would: this force only.
        // Who else wrote first (anyone who can guess a crime reference can) chooses nothing for it.
        return state.audience(of: config.force) ?? .authorForceOnly
    }

    /// Whether a write to `state` given this marking and audience lowers the marking, or widens the audience, that
    /// this node's entries to the record carry by default (`writeClassification`, `writeAudience`): what the
    /// policy's `declassify` decides. This force itself is always in its own audience; names are compared as
    /// written, so a group that holds only forces already named still counts as wider.
    func loosens(_ state: RecordState, classification: Classification?, audience: Audience?) throws -> Bool {
        if let classification, classification < writeClassification(state) { return true }
        // A first write to a shared record is this force's new part: its audience is the writer's to choose, as for
        // a new record.
        guard let audience, state.owner != nil || state.contributions[config.force] != nil else { return false }
        let current = try writeAudience(state)
        return !Set(audience.forces).subtracting([config.force]).isSubset(of: current.forces)
            || !Set(audience.groups).isSubset(of: current.groups)
    }

    // MARK: Logging what an admitted entry did

    /// Drops the payloads the new state no longer keeps and logs the entry's effect: `payloads-dropped` for an
    /// erase, an `ignored` row (reason `not-owner`) when a force erases a record another force owns, then the
    /// `accept` (or local `write`/`erase`) row with the entry's rights, and the marking and audience before and
    /// after it. Inside the admitting transaction.
    func logAdmitted(_ entry: Entry, ops: Operations?, before: RecordState, after state: RecordState, peer: String?,
                     officer: String?, at: Int64) throws {
        let h = entry.header
        var dropped: Int?
        if state.isErased, h.op == .erase || !before.isErased {
            dropped = try store.dropPayloads(record: h.record)
        } else if h.op == .erase {
            dropped = try store.dropPayloads(record: h.record, force: h.force)
        }
        if let dropped {
            try store.appendLog(LogEvent(kind: "payloads-dropped", officer: officer, peer: peer, record: h.record,
                                         entry: entry.hash.hex, detail: ["count": .int(Int64(dropped))]), at: at)
        }
        let rights = state.owner == nil ? "shared" : state.owner == h.force ? "owner" : "contributor"
        var detail: [String: JSONValue] = ["seq": .int(h.seq), "op": .string(h.op.rawValue), "rights": .string(rights)]
        if let owner = state.owner { detail["owner"] = .string(owner) }
        // What the entry did to the marking (the record's, as the merge decides it) and to its force's audience.
        detail["marking"] = [
            "from": before.classification.map { .string($0.rawValue) } ?? .null,
            "to": state.classification.map { .string($0.rawValue) } ?? .null,
        ]
        detail["audience"] = [
            "from": before.audience(of: h.force)?.json ?? .null, "to": state.audience(of: h.force)?.json ?? .null,
        ]
        if h.op == .erase { detail["effect"] = .string(rights == "owner" ? "tombstone" : "withdraw") }
        if let owner = state.owner, owner != h.force, h.op == .erase {
            try store.appendLog(LogEvent(
                kind: "ignored", officer: officer, peer: peer, author: h.author, record: h.record, entry: entry.hash.hex,
                reason: "not-owner",
                detail: ["seq": .int(h.seq), "owner": .string(owner),
                         "message": .string("\(h.force) cannot erase a record owned by \(owner): the erase withdraws only "
                                            + "\(h.force)'s own contribution")]), at: at)
        }
        if let foreign = foreignRemovals(ops, by: h.force, in: before) {
            try store.appendLog(LogEvent(
                kind: "ignored", officer: officer, peer: peer, author: h.author, record: h.record, entry: entry.hash.hex,
                reason: "not-own-name",
                detail: ["seq": .int(h.seq), "message": .string(
                    "\(h.force) cannot take off \(foreign): another force put it on the record, and only that force's "
                    + "removes take it off")]), at: at)
        }
        let kind = peer == nil && officer != nil ? (h.op == .erase ? "erase" : "write") : "accept"
        try store.appendLog(LogEvent(kind: kind, officer: officer, peer: peer, author: h.author, record: h.record,
                                     entry: entry.hash.hex, detail: .object(detail)), at: at)
    }

    /// The first name (as `field=value`) that `ops` removes from a per-force set although another force added it:
    /// the merge ignores such a remove (RecordState.present), and the log says so.
    private func foreignRemovals(_ ops: Operations?, by force: String, in state: RecordState) -> String? {
        let schema = RecordSchema.of(state.type)
        for (field, removals) in (ops?.remove ?? [:]).sorted(by: { $0.key < $1.key })
        where schema.field(field)?.perForce == true {
            for removal in removals {
                let key = ORSet.key(removal.value)
                let adds = state.present(field).first { ORSet.key($0.value) == key }?.adds ?? []
                if adds.contains(where: { $0.force != force && removal.tags.contains($0.entry) }) {
                    return "\(field)=\(removal.value.string ?? removal.value.canonicalText)"
                }
            }
        }
        return nil
    }

    // MARK: Writes without their payload

    /// A write received without its payload is admitted only if the record as it will be here does not keep that
    /// payload anyway: the owner has tombstoned it or the write's force has withdrawn. The envelope's `erasure`
    /// brings the erase entry that does so; it is admitted first as an ordinary entry (so one made up and never
    /// published cannot strip anything without being published and applied everywhere too). An erase later in the
    /// write's own feed, by its own force, cannot be admitted before the write: it is checked in full and kept as
    /// pending evidence. Returns the record state to merge the write into, and the pending evidence.
    func justifyMissingPayload(_ envelope: EntryEnvelope, state: RecordState, peer: String?)
        throws -> (RecordState, EntryEnvelope?) {
        let entry = envelope.entry, h = entry.header
        func strips(_ s: RecordState) -> Bool {
            var next = s
            next.apply(entry, ops: nil)
            return !next.accepts(writesBy: h.force)
        }
        if strips(state) { return (state, nil) }
        guard let evidence = envelope.erasure?.envelope else {
            throw Rejection(.payloadMismatch, "entry \(entry.hash.hex) arrived without its payload and without the erase "
                            + "entry that would justify that")
        }
        let e = evidence.entry.header
        let owner = h.origin?.force ?? e.origin?.force ?? state.owner
        guard e.op == .erase, e.record == h.record, e.force == h.force || e.force == owner else {
            throw Rejection(.payloadMismatch, "entry \(entry.hash.hex) arrived without its payload, and its erasure "
                            + "evidence is not an erase of record \(h.record) by its owner or by \(h.force)")
        }
        guard isEntitled(force: config.force, to: e.audience, authorForce: e.force) else {
            throw Rejection(.payloadMismatch, "entry \(entry.hash.hex) arrived without its payload, justified by an erase "
                            + "not meant for \(config.force)")
        }
        if e.author == h.author, e.seq > h.seq {
            // The write's own force erased later in the same feed: check the erase in full; it follows the write.
            _ = try Admission.checkContent(evidence.entry, payload: evidence.payload, nowMillis: now(),
                                           maxSkewMillis: config.maxSkewMillis)
            guard evidence.verifyPosition() else {
                throw Rejection(.payloadMismatch, "erasure evidence \(evidence.entry.hash.hex): position signature does not verify")
            }
            try checkKey(e.key, feed: e.author, seq: e.seq, what: "erase entry")
            return (state, evidence)
        }
        switch try admit(evidence, peer: peer, officer: nil) {
        case .accepted, .duplicate: break
        case .rejected(let r):
            throw Rejection(.erasureNotHeld, "entry \(entry.hash.hex) arrived without its payload; the erase entry "
                            + "\(evidence.entry.hash.hex) that justifies that cannot be admitted here yet (\(r.code.rawValue): "
                            + "\(r.message))")
        case .withheld: break
        }
        let updated = try store.recordState(h.record) ?? state
        guard strips(updated) else {
            throw Rejection(.payloadMismatch, "entry \(entry.hash.hex) arrived without its payload, and the erase entry "
                            + "\(evidence.entry.hash.hex) does not erase it")
        }
        return (updated, nil)
    }

    /// A held entry as sent to others: a write whose payload was dropped here travels with the erase entry that
    /// justifies the missing payload (nil `erasure` if none is known, which no receiver will admit).
    public func envelopeForSending(_ stored: StoredEntry) throws -> EntryEnvelope {
        guard stored.payload == nil, stored.entry.header.op == .write else { return stored.envelope }
        let h = stored.entry.header
        var evidence: EntryEnvelope?
        if let state = try store.recordState(h.record) {
            // The write's own force's erase, else the owner's tombstone (a shared record has no tombstone of its own).
            let erase = state.contributions[h.force]?.erasure ?? (state.owner != nil ? state.erasure : nil)
            evidence = try erase.flatMap { try store.storedEntry(hash: $0.stamp.entry)?.envelope }
        }
        guard let evidence = try evidence ?? store.erasureEvidence(for: stored.entry.hash) else { return stored.envelope }
        return EntryEnvelope(entry: stored.entry, position: stored.position, payload: nil,
                             erasure: ErasureEvidence(evidence))
    }
}
