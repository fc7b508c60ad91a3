// `audit verify`: re-derives everything the store claims from first principles and names what does not hold.
//
// 1. Entries: each stored header is canonical JSON, its hash is the stored hash, its signature verifies, feeds run
//    1, 2, 3... with each prev equal to the hash before, and each payload still held hashes to the header's value.
// 2. Records: replaying each record's entries gives exactly the stored state and state hash.
// 3. Log: every row's hash and chain link (see AuditLog.swift).
// 4. Trust: the installed membership verifies against the authority and is the one the log installed; every row of
//    the `keys` table is granted by it (or, before a membership, by the log) and no grant lacks its row.
// 5. Feeds against the log: each feed head is the highest position held, and every entry or marker the log records
//    as admitted is held (or was rolled back, which the log also records).
// 6. What the store keeps beside them (Auditor+Derived.swift): records' derived columns, full-text rows and forces;
//    the officer registry against its log rows; fork evidence, flags, equivocations, markers and erasure evidence.
// Changing one byte of an entry, payload, record or log row makes at least one of these fail, naming it; so does
// deleting an entry with its record, or adding a key.

import InterforceCore
import InterforceStore

public struct AuditReport: Sendable {
    public var entries: Int64 = 0
    public var records: Int64 = 0
    public var logRows: Int64 = 0
    public var problems: [String] = []
    public var ok: Bool { problems.isEmpty }
}

extension Node {
    public func verify() throws -> AuditReport {
        var report = AuditReport()
        var states: [String: RecordState] = [:]
        var lastOfFeed: [String: (seq: Int64, hash: String)] = [:]
        let withheld = try store.withheldPositions()
        let derived = try store.derivedRecordRows()
        var forces: [String: Set<String>] = [:]
        // Writes held without their payload, and per record the forces whose erase of it is held: a write's payload
        // may be missing only where an erase by its force or the record's owner is held, or kept as erasure evidence.
        var payloadless: [(hash: String, record: String, force: String)] = []
        var erasers: [String: Set<String>] = [:]

        try store.forEachRawEntry { hash, headerText, signatureText, positionText, payloadText in
            report.entries += 1
            let name = "entry \(hash)"
            guard let json = try? JSONValue(parsing: headerText), let header = try? EntryHeader(json: json) else {
                report.problems.append("\(name): stored header is not a valid entry header (altered)")
                return
            }
            let label = "\(name) (\(header.author) seq \(header.seq))"
            if json.canonicalText != headerText {
                report.problems.append("\(label): stored header is not in canonical form (altered)")
            }
            guard let signature = try? Signature(hex: signatureText) else {
                report.problems.append("\(label): stored signature is malformed (altered)")
                return
            }
            let entry = Entry(header: header, signature: signature)
            if SHA256Digest.hash(Array(headerText.utf8)).hex != hash {
                report.problems.append("\(label): header does not hash to the stored entry hash (altered)")
            }
            if !entry.verifySignature() {
                report.problems.append("\(label): signature does not verify (altered)")
            }
            if !((try? Signature(hex: positionText)).map { header.key.verify($0, for: FeedPosition.bytes(of: entry)) } ?? false) {
                report.problems.append("\(label): position signature does not verify (altered)")
            }
            var previous = lastOfFeed[header.author]
            // Positions withheld from this node are held as hashes only; the chain runs through them.
            while let marker = withheld[header.author]?[(previous?.seq ?? 0) + 1], header.seq > (previous?.seq ?? 0) + 1 {
                previous = ((previous?.seq ?? 0) + 1, marker)
            }
            if header.seq > 1, previous == nil, let marker = withheld[header.author]?[header.seq - 1] {
                previous = (header.seq - 1, marker)
            }
            if header.seq != (previous?.seq ?? 0) + 1 {
                report.problems.append("\(label): feed is not gap-free (previous seq \(previous?.seq ?? 0))")
            } else if header.prev?.hex != previous?.hash {
                report.problems.append("\(label): prev does not match the hash of seq \(header.seq - 1)")
            }
            lastOfFeed[header.author] = (header.seq, hash)

            var ops: Operations?
            if let payloadText {
                if let payload = try? JSONValue(parsing: payloadText), payload.canonicalText == payloadText,
                   SHA256Digest.hash(Array(payloadText.utf8)) == header.payloadHash {
                    ops = try? Operations(json: payload, type: header.type, op: header.op)
                } else {
                    report.problems.append("\(label): payload does not match the hash in its header (altered)")
                }
            }
            forces[header.record, default: []].insert(header.force)
            if header.op == .erase { erasers[header.record, default: []].insert(header.force) }
            if payloadText == nil, header.op == .write { payloadless.append((hash, header.record, header.force)) }
            var state = states[header.record] ?? RecordState(id: header.record, type: header.type)
            state.apply(entry, ops: ops)
            states[header.record] = state
        }

        try store.forEachRecord { id, stateText, stateHash in
            report.records += 1
            guard let replayed = states.removeValue(forKey: id) else {
                report.problems.append("record \(id): no entries support it (altered)")
                return
            }
            let bytes = replayed.canonicalBytes
            if String(decoding: bytes, as: UTF8.self) != stateText
                || SHA256Digest.hash(bytes).hex != stateHash {
                report.problems.append("record \(id): stored state differs from the state its entries give (altered)")
            }
            report.problems += Self.derivedProblems(id, derived[id], state: replayed, forces: forces[id] ?? [])
        }
        for id in states.keys.sorted() {
            report.problems.append("record \(id): entries are held but the record is missing (altered)")
        }
        let evidenceKept = Set(try store.erasureEvidenceRows().map(\.entry))
        for write in payloadless where !evidenceKept.contains(write.hash) {
            let owner = try store.recordState(write.record)?.owner
            let erased = erasers[write.record] ?? []
            if !erased.contains(write.force), owner.map({ !erased.contains($0) }) ?? true {
                report.problems.append("entry \(write.hash): held without its payload, which no erase held and no "
                                       + "erasure evidence justifies (evidence deleted, or the payload)")
            }
        }
        report.problems += try store.searchIndexProblems()
        if try store.stateDigest() != store.recomputedStateDigest() {
            report.problems.append("state digest: the kept sum differs from the one the records give (altered)")
        }

        let log = try store.verifyLog()
        report.logRows = log.rows
        report.problems += log.problems
        report.problems += try verifyCheckpoints()
        report.problems += try trustProblems()
        report.problems += try registryProblems()
        report.problems += try evidenceProblems()
        for head in try store.feedHeadChecks() {
            if head.headSeq == 0 {
                report.problems.append("feed \(head.author): positions are held but the feed has no head (altered)")
            } else if head.heldSeq != head.headSeq || head.heldHash != head.headHash {
                report.problems.append("feed \(head.author): head is seq \(head.headSeq) but the highest position held is "
                                       + "\(head.heldSeq.map(String.init) ?? "none") (entries deleted or the head altered)")
            }
        }
        for row in try store.loggedButNotHeld() {
            report.problems.append("log row \(row.seq): records \(row.kind) of entry \(row.entry) of \(row.author), which "
                                   + "is not held (deleted)")
        }
        return report
    }
}

extension Node {
    /// Verifies and logs that it did, with the outcome.
    public func verify(officer: String?) throws -> AuditReport {
        let report = try verify()
        try store.transaction {
            try store.appendLog(LogEvent(kind: "verify", officer: officer,
                                         detail: ["ok": .bool(report.ok), "problems": .int(Int64(report.problems.count))]),
                                at: now())
        }
        return report
    }
}
