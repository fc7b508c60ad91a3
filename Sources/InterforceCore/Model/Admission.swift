// The checks an entry must pass before a node stores it, in the order they run, each with its own reason code.
//
// Content checks need nothing but the entry and the clock; the chain check needs the head of the author's feed as
// the store holds it. Whether the signing key belongs to the author is the node's question (it holds the keys).

/// Why an entry was refused. `code` is stable (it appears in the audit log and the protocol); `message` is for people.
public struct Rejection: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        case malformed, unknownType = "unknown-type", badClassification = "bad-classification"
        case badSignature = "bad-signature", unknownKey = "unknown-key", futureClock = "future-clock"
        case payloadMismatch = "payload-mismatch", schema, naturalKey = "natural-key"
        case gap, wrongPrev = "wrong-prev", clockRegression = "clock-regression", conflict
        case revokedKey = "revoked-key", notInAudience = "not-in-audience", equivocation
        case erasureNotHeld = "erasure-not-held"
        case linkSelf = "link-self", linkType = "link-type", linkCrossType = "link-cross-type"
        case linkOrder = "link-order", linkReason = "link-reason"
    }

    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code.rawValue): \(message)" }
}

/// The last entry a node holds of one feed.
public struct FeedHead: Sendable, Hashable {
    public let seq: Int64
    public let hash: SHA256Digest
    public let clock: HLCTimestamp
    public init(seq: Int64, hash: SHA256Digest, clock: HLCTimestamp) {
        self.seq = seq
        self.hash = hash
        self.clock = clock
    }
}

public enum Admission {
    /// Default tolerance for an author's clock running ahead of ours.
    public static let defaultMaxSkewMillis: Int64 = 5 * 60 * 1000
    /// Largest payload accepted, in canonical bytes.
    public static let maxPayloadBytes: Int64 = 1 << 20

    /// Parses a header, mapping the model's errors to the rejection codes an auditor filters by.
    public static func parseHeader(_ json: JSONValue) throws(Rejection) -> EntryHeader {
        do {
            return try EntryHeader(json: json)
        } catch {
            let m = error.message
            if m.hasPrefix("unknown record type") { throw Rejection(.unknownType, m) }
            if m.hasPrefix("classification") { throw Rejection(.badClassification, m) }
            throw Rejection(.malformed, m)
        }
    }

    /// What can be checked of an entry with nothing but the entry itself, computed ahead of admission (on any
    /// thread, all cores at once for a batch, see PreparedBatch in InterforceNode): whether its header parses back,
    /// whether both signatures verify, and its payload checked against the header and parsed into operations.
    /// ``checkContent(_:prepared:nowMillis:maxSkewMillis:)`` then raises the results in admission's fixed order.
    public struct PreparedContent: Sendable {
        public let header: Rejection?
        public let signatureValid: Bool
        public let positionValid: Bool
        public let operations: Result<Operations?, Rejection>

        /// `position` nil: the caller checks no position signature (`positionValid` is then true).
        public init(_ entry: Entry, payload: JSONValue?, position: Signature?) {
            let h = entry.header
            // However the entry was built, its header must be one the node could parse back (origin, bounds...).
            do { _ = try parseHeader(h.json); header = nil } catch { header = error }
            signatureValid = entry.verifySignature()
            positionValid = position.map { h.key.verify($0, for: FeedPosition.bytes(of: entry)) } ?? true
            operations = Result { () throws(Rejection) -> Operations? in try Self.operations(entry, payload) }
        }

        public init(_ envelope: EntryEnvelope) {
            self.init(envelope.entry, payload: envelope.payload, position: envelope.position)
        }

        private static func operations(_ entry: Entry, _ payload: JSONValue?) throws(Rejection) -> Operations? {
            let h = entry.header
            guard let payload else {
                // An erase entry's payload (its reason) is never dropped, so it never travels without it.
                guard h.op == .write else {
                    throw Rejection(.payloadMismatch, "erase entry \(entry.hash.hex) arrived without its payload")
                }
                return nil
            }
            let bytes = payload.canonicalBytes
            guard Int64(bytes.count) == h.payloadSize, SHA256Digest.hash(bytes) == h.payloadHash else {
                throw Rejection(.payloadMismatch, "payload does not match the hash in the header of entry \(entry.hash.hex)")
            }
            let isLinkWrite = h.type == .link && h.op == .write
            if isLinkWrite { try LinkRules.checkReasons(payload) }
            let ops: Operations
            do {
                ops = try Operations(json: payload, type: h.type, op: h.op)
            } catch {
                throw Rejection(.schema, error.message)
            }
            if isLinkWrite { try LinkRules.checkPair(ops) }
            do {
                try ops.checkNaturalKey(recordID: h.record, type: h.type)
            } catch {
                throw Rejection(.naturalKey, error.message)
            }
            return ops
        }
    }

    /// Header, signature, clock skew, payload hash and size, payload operations and natural key, in that order.
    /// `payload` is nil when the payload was erased upstream; the header alone is then admitted.
    public static func checkContent(_ entry: Entry, payload: JSONValue?, nowMillis: Int64,
                                    maxSkewMillis: Int64 = defaultMaxSkewMillis) throws(Rejection) -> Operations? {
        try checkContent(entry, prepared: PreparedContent(entry, payload: payload, position: nil), nowMillis: nowMillis,
                         maxSkewMillis: maxSkewMillis)
    }

    /// The same, raising what `prepared` found (only the clock is read now). The position signature is the
    /// caller's to check next (`prepared.positionValid`).
    public static func checkContent(_ entry: Entry, prepared: PreparedContent, nowMillis: Int64,
                                    maxSkewMillis: Int64 = defaultMaxSkewMillis) throws(Rejection) -> Operations? {
        let h = entry.header
        if let rejection = prepared.header { throw rejection }
        guard prepared.signatureValid else {
            throw Rejection(.badSignature, "signature does not verify for entry \(entry.hash.hex) (\(h.author) seq \(h.seq))")
        }
        // Overflow-safe: `nowMillis` comes from the local clock (or INTERFORCE_NOW_MS), `time` is within Limits.
        let (ahead, overflow) = h.clock.time.subtractingReportingOverflow(nowMillis)
        guard !overflow, ahead <= maxSkewMillis else {
            throw Rejection(.futureClock,
                            "entry clock is \(ahead) ms ahead of local time (allowed skew \(maxSkewMillis) ms)")
        }
        return try prepared.operations.get()
    }

    /// Gap-free order and the hash chain: `entry` must be the next of its feed after `head` (nil: none held yet).
    public static func checkChain(_ entry: Entry, head: FeedHead?) throws(Rejection) {
        let h = entry.header
        let expected = (head?.seq ?? 0) + 1
        if h.seq > expected {
            throw Rejection(.gap, "gap in feed \(h.author): expected seq \(expected), got \(h.seq)")
        }
        if h.seq < expected {
            throw Rejection(.conflict,
                            "feed \(h.author) already holds a different entry at seq \(h.seq) (entry \(entry.hash.hex))")
        }
        guard h.prev == head?.hash else {
            throw Rejection(.wrongPrev, "entry \(h.author) seq \(h.seq): prev hash does not match entry seq \(h.seq - 1)")
        }
        if let head, h.clock <= head.clock {
            throw Rejection(.clockRegression, "entry \(h.author) seq \(h.seq): clock does not advance past seq \(head.seq)")
        }
    }
}

/// A boxed envelope (an envelope cannot hold one of its own kind directly).
public final class ErasureEvidence: Sendable {
    public let envelope: EntryEnvelope
    public init(_ envelope: EntryEnvelope) { self.envelope = envelope }
}

/// An entry as exported and exchanged: `{"hash", "header", "signature", "position", "payload"}`; payload is null
/// once erased; `position` is the author's signature of the ``FeedPosition`` statement.
public struct EntryEnvelope: Sendable {
    public let entry: Entry
    public let position: Signature
    public let payload: JSONValue?
    /// For a write entry sent without its payload: the signed erase entry of the same record that justifies the
    /// missing payload (member `"erasure"`, an envelope itself, without its own `erasure`): the owner's erase, or
    /// the write's own force withdrawing its contribution. The receiver admits it as an entry before it admits the
    /// write without its payload, so a relay cannot strip payloads with an erase it made up.
    public let erasure: ErasureEvidence?

    public init(entry: Entry, position: Signature, payload: JSONValue?, erasure: ErasureEvidence? = nil) {
        self.entry = entry
        self.position = position
        self.payload = payload
        self.erasure = erasure
    }

    /// Whether `position` is the header key's signature of this entry's feed position.
    public func verifyPosition() -> Bool {
        entry.header.key.verify(position, for: FeedPosition.bytes(of: entry))
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "hash": .string(entry.hash.hex),
            "header": entry.header.json,
            "signature": .string(entry.signature.hex),
            "position": .string(position.hex),
            "payload": payload ?? .null,
        ]
        if let erasure { o["erasure"] = erasure.envelope.json }
        return .object(o)
    }

    public init(json: JSONValue) throws(Rejection) {
        let members: Set<String> = ["hash", "header", "signature", "position", "payload"]
        guard let o = json.object, Set(o.keys).subtracting(["erasure"]) == members else {
            throw Rejection(.malformed,
                            "entry must be an object with exactly hash, header, signature, position and payload (and optionally erasure)")
        }
        let header = try Admission.parseHeader(o["header"]!)
        guard let sigHex = o["signature"]?.string, Identifiers.isLowerHex(sigHex, count: 128),
              let signature = try? Signature(hex: sigHex)
        else {
            throw Rejection(.malformed, "signature: expected 64 bytes in lowercase hex")
        }
        guard let positionHex = o["position"]?.string, Identifiers.isLowerHex(positionHex, count: 128),
              let position = try? Signature(hex: positionHex)
        else { throw Rejection(.malformed, "position: expected 64 bytes in lowercase hex") }
        let entry = Entry(header: header, signature: signature)
        guard o["hash"]?.string == entry.hash.hex else {
            throw Rejection(.malformed, "hash does not match the canonical header (computed \(entry.hash.hex))")
        }
        let payload: JSONValue? = o["payload"]!.isNull ? Optional.none : o["payload"]!
        var erasure: ErasureEvidence?
        if let evidence = o["erasure"] {
            guard evidence["erasure"] == nil else { throw Rejection(.malformed, "erasure evidence must not nest") }
            erasure = ErasureEvidence(try EntryEnvelope(json: evidence))
        }
        self.init(entry: entry, position: position, payload: payload, erasure: erasure)
    }
}
