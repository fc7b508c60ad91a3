// The node: the one place where entries are authored, admitted, merged, stored and read (decisions 1, 5, 6, 8, 9).
//
// Authoring signs a new entry on the node's own feed; ingest admits entries from elsewhere. Both go through the
// same `admit`, so a local write meets exactly the checks a peer's entry meets. What a force may do to a record
// (ownership) is the merge's rule (RecordState.swift); Node+Ownership.swift chooses what this node's own writes
// carry under it and logs each admitted entry's effect. Every step that changes the store appends its evidence to
// the audit log in the same transaction. Reads are for authenticated callers only, through the policy, and are
// logged before the data is returned (Node+Reads.swift).
// A `Node` owns the single writer connection and is confined to one thread.

import Foundation
public import InterforceCore
public import InterforceStore

/// What a peer delivers for one feed position: the entry, or a marker that it is withheld from us.
public enum Delivery: Sendable {
    case entry(EntryEnvelope)
    case withheld(WithheldMarker)

    public var author: String {
        switch self {
        case .entry(let e): e.entry.header.author
        case .withheld(let w): w.author
        }
    }

    public var seq: Int64 {
        switch self {
        case .entry(let e): e.entry.header.seq
        case .withheld(let w): w.seq
        }
    }

    public var json: JSONValue {
        switch self {
        case .entry(let e): e.json
        case .withheld(let w): w.markerJSON
        }
    }

    public init(json: JSONValue) throws(Rejection) {
        self = json["withheld"] != nil ? .withheld(try WithheldMarker(markerJSON: json)) : .entry(try EntryEnvelope(json: json))
    }
}

public enum IngestOutcome: Sendable {
    case accepted(Entry)
    case withheld(WithheldMarker)
    case duplicate(SHA256Digest)
    case rejected(Rejection)
}

public struct NodeStatus: Sendable {
    public let force: String
    public let feed: String
    public let publicKey: String
    public let head: FeedHead?
    public let counts: StoreCounts
    public let digest: SHA256Digest
    public let versionVector: [String: Int64]
}

public final class Node {
    /// Changes only by `changePeers` (Node+Peers.swift), which rewrites config.json with it.
    public internal(set) var config: NodeConfig
    /// The store is the node's alone: callers go through the local API (NodeAPI.swift), which applies the policy.
    let store: Store
    let secretKey: SecretKey
    let now: @Sendable () -> Int64
    var clock: HybridLogicalClock
    /// The installed federation membership, if any, verified on open (see Node+Trust.swift).
    public internal(set) var membership: Membership?
    /// The keys this node trusts, each for a range of positions of one feed (see Node+Trust.swift).
    var grants: [PublicKey: Store.TrustedKey] = [:]
    /// Why the store cannot be trusted (its membership was altered), if it cannot.
    public internal(set) var storeAltered: String?
    /// The peers' clocks as measured while serving (ClockOffsets.swift, Node+Health.swift).
    var clocks = ClockOffsets()
    /// Membership versions peers offered that this node refused to adopt, by peer: the version and why (shown as
    /// a warning until the peer offers another version or this node installs a newer one).
    var refusedMemberships: [String: (version: Int64, reason: String)] = [:]
    /// How long replication batches took since the node was opened (FederationMetrics.swift).
    var batchLatency = BatchLatency()
    /// The config.json the node was opened from (nil for a node built in memory, as tests do).
    var configFile: String?

    public static let wallClock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// A node over an open store; the key becomes trusted for the feed if it is not yet.
    public init(config: NodeConfig, store: Store, secretKey: SecretKey,
                now: @escaping @Sendable () -> Int64 = Node.wallClock) throws {
        self.config = config
        self.store = store
        self.secretKey = secretKey
        self.now = now
        self.clock = HybridLogicalClock(last: try store.feedHead(config.feed)?.clock ?? .zero)
        (membership, storeAltered) = try Self.loadMembership(store, config: config)
        guard storeAltered == nil else { return }   // trusts no key at all
        grants = try Self.grants(membership: membership, store: store)
        if membership == nil, grants[secretKey.publicKey] == nil {
            let own = Store.TrustedKey(feed: config.feed, key: secretKey.publicKey, fromSeq: 1, untilSeq: nil)
            try store.transaction {
                try store.trust(own)
                try store.appendLog(LogEvent(kind: "key-trusted", author: config.feed,
                                             detail: ["key": .string(secretKey.publicKey.hex), "own": true]), at: now())
            }
            grants[own.key] = own
        }
    }

    public var publicKey: PublicKey { secretKey.publicKey }

    // MARK: Data directory

    /// Creates a data directory with a new key, feed and store; refuses if any of them already exists.
    public static func initialize(dataDirectory dir: DataDirectory, force: String, groups: [String] = [],
                                  settings: (inout NodeConfig) -> Void = { _ in },
                                  now: @escaping @Sendable () -> Int64 = Node.wallClock) throws -> Node {
        guard Identifiers.isSlug(force) else { throw NodeError("--force must be a force slug such as hampshire") }
        for g in groups where !Identifiers.isSlug(g) { throw NodeError("group '\(g.prefix(40))' is not a valid slug") }
        for existing in [dir.config, dir.key, dir.store] + [dir.store + "-wal"] where SecureFile.exists(existing) {
            throw NodeError("\(existing) already exists: refusing to overwrite an initialised node")
        }
        try SecureFile.makeDirectory(dir.path)
        try SecureFile.checkPrivateDirectory(dir.path)
        let key = SecretKey.generate()
        var config = NodeConfig(force: force, feed: Identifiers.newFeedID(force: force), groups: groups)
        settings(&config)
        try SecureFile.createNew(dir.key, Array((Hex.encode(key.seedBytes()) + "\n").utf8))
        try SecureFile.createNew(dir.config, Array((config.json.prettyText() + "\n").utf8))
        let store = try Store(path: dir.store)
        let node = try Node(config: config, store: store, secretKey: key, now: now)
        node.configFile = dir.config
        try store.transaction {
            try store.appendLog(LogEvent(kind: "init", author: config.feed,
                                         detail: ["force": .string(force), "key": .string(key.publicKey.hex)]),
                                at: now())
        }
        return node
    }

    /// Opens an initialised data directory.
    public static func open(dataDirectory dir: DataDirectory,
                            now: @escaping @Sendable () -> Int64 = Node.wallClock) throws -> Node {
        guard SecureFile.exists(dir.config) else {
            throw NodeError("\(dir.path) is not an initialised node (no config.json); run 'interforce init' first")
        }
        try SecureFile.checkPrivateDirectory(dir.path)
        try SecureFile.checkPrivateFile(dir.config, secret: false)
        try SecureFile.checkPrivateFile(dir.key, secret: true)
        let configJSON: JSONValue
        do { configJSON = try JSONValue(parsing: try SecureFile.read(dir.config)) } catch {
            throw NodeError("\(dir.config): not valid JSON (\(error))")
        }
        let config = try NodeConfig(json: configJSON, file: dir.config)
        let keyText = String(decoding: try SecureFile.read(dir.key), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let seed = Hex.decode(keyText), let key = try? SecretKey(seed: seed) else {
            throw NodeError("\(dir.key): expected a 32-byte Ed25519 seed in hex")
        }
        guard SecureFile.exists(dir.store) else { throw NodeError("\(dir.store) is missing") }
        let node = try Node(config: config, store: try Store(path: dir.store), secretKey: key, now: now)
        node.configFile = dir.config
        return node
    }

    // MARK: Authoring

    /// Creates a record from a whole document. A record with a natural key that this node already holds (the same
    /// image, the same crime reference) is not duplicated: the new entry merges into it, and without a
    /// `classification` or `audience` keeps what this node's entries to it carry (Node+Ownership.swift); a new
    /// record is by default OFFICIAL, for this force only.
    @discardableResult
    public func create(type: RecordType, document: JSONValue, classification: Classification? = nil,
                       audience: Audience? = nil, officer: String) throws -> Entry {
        let schema = RecordSchema.of(type)
        do { try schema.validateDocument(document) } catch { throw NodeError(error.message) }
        let (id, origin) = RecordID.forNewRecord(type: type, document: document, force: config.force)
        let held = try store.recordState(id)
        if let held { try checkCanWrite(held) }
        return try author(record: id, type: type, op: .write, ops: Operations(document: document, schema: schema),
                          classification: classification ?? held.map(writeClassification) ?? .official,
                          audience: try audience ?? held.map(writeAudience) ?? .authorForceOnly,
                          origin: origin ?? held?.origin, officer: officer)
    }

    /// Applies a patch `{"set": {...}, "add": {...}, "remove": {field: [value]}, "append": {...}}` to a record this
    /// node holds. Removes name values; the node fills in the add tags it has observed, so concurrent adds win.
    @discardableResult
    public func update(recordID: String, patch: JSONValue, classification: Classification? = nil,
                       audience: Audience? = nil, officer: String) throws -> Entry {
        let state = try heldRecord(recordID)
        try checkCanWrite(state)
        try checkCanChoose(state, classification: classification, audience: audience)
        guard var payload = patch.object else { throw NodeError("patch must be a JSON object") }
        if let remove = payload["remove"]?.object {
            var resolved: [String: JSONValue] = [:]
            for (field, values) in remove {
                guard let values = values.array else { throw NodeError("patch.remove.\(field): expected an array") }
                resolved[field] = .array(try values.map { value in
                    let tags = state.liveTags(field, of: value)
                    guard !tags.isEmpty else {
                        throw NodeError("patch.remove.\(field): a value to remove is not present in the record")
                    }
                    return ["value": value, "tags": .array(tags.map { .string($0) })]
                })
            }
            payload["remove"] = .object(resolved)
        }
        let ops: Operations
        do { ops = try Operations(json: .object(payload), type: state.type, op: .write) } catch {
            throw NodeError(error.message)
        }
        return try author(record: recordID, type: state.type, op: .write, ops: ops,
                          classification: classification ?? writeClassification(state),
                          audience: audience ?? writeAudience(state), origin: state.origin, officer: officer)
    }

    /// Erases a record lawfully. The owner's erase tombstones it on every node that admits it, and each such node
    /// drops the payloads of the record's write entries; any other force's erase withdraws only that force's own
    /// contribution (and drops only its payloads). Headers and signatures stay, so every feed still verifies.
    /// Refused when this force owns nothing of the record to erase.
    @discardableResult
    public func erase(recordID: String, reason: String, officer: String)
        throws -> (entry: Entry, droppedPayloads: Int, recordErased: Bool) {
        let state = try heldRecord(recordID)
        try checkCanErase(state)
        let before = try store.counts().payloads
        let entry = try author(record: recordID, type: state.type, op: .erase, ops: .erase(reason: reason),
                               classification: writeClassification(state), audience: writeAudience(state),
                               origin: state.origin, officer: officer)
        // The erase entry's own payload (its reason) is kept.
        return (entry, Int(before - (try store.counts().payloads) + 1), try store.recordState(recordID)?.isErased ?? false)
    }

    func heldRecord(_ id: String) throws -> RecordState {
        guard Identifiers.isRecordID(id) else { throw NodeError("'\(id.prefix(60))' is not a record id") }
        guard let state = try store.recordState(id) else { throw NodeError("no record \(id) on this node") }
        return state
    }

    private func author(record: String, type: RecordType, op: EntryOp, ops: Operations,
                        classification: Classification, audience: Audience, origin: RecordOrigin?,
                        officer: String) throws -> Entry {
        try requireIntact()
        try checkClockForAuthoring()
        guard !officer.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw NodeError("--officer must name the officer who writes")
        }
        if op == .write {
            do { try ops.checkNaturalKey(recordID: record, type: type) } catch { throw NodeError(error.message) }
        }
        let payload = ops.json
        let bytes = payload.canonicalBytes
        guard bytes.count <= Admission.maxPayloadBytes else {
            throw NodeError("change of \(bytes.count) bytes exceeds the limit of \(Admission.maxPayloadBytes) bytes per entry")
        }
        return try store.transaction {
            let head = try store.feedHead(config.feed)
            guard (head?.seq ?? 0) < Limits.maxSeq else { throw NodeError("feed \(config.feed) is full (\(Limits.maxSeq) entries)") }
            if let head { clock.observe(head.clock) }
            if let seen = try store.recordState(record)?.updated { clock.observe(seen.clock) }
            guard let reading = clock.tick(wallMillis: now()) else {
                throw NodeError("this node's clock has reached its limit (\(ISOTime.format(millis: Limits.maxTime))); it cannot write")
            }
            let header = EntryHeader(
                author: config.feed, key: secretKey.publicKey, seq: (head?.seq ?? 0) + 1, prev: head?.hash,
                clock: reading, record: record, type: type, op: op,
                classification: classification, audience: audience, origin: origin,
                payloadHash: SHA256Digest.hash(bytes), payloadSize: Int64(bytes.count))
            let entry = Entry(signing: header, with: secretKey)
            let position = secretKey.sign(FeedPosition.bytes(of: entry))
            switch try admit(EntryEnvelope(entry: entry, position: position, payload: payload), peer: nil,
                             officer: officer, authored: true) {
            case .accepted: return entry
            case .duplicate, .withheld: throw NodeError("internal: freshly signed entry already held")
            case .rejected(let r): throw NodeError("entry refused: \(r.message)")
            }
        }
    }

    // MARK: Ingest

    /// Admits entries from elsewhere (a peer, an export file), in one transaction. Entries are taken feed by feed in
    /// seq order, so a batch may arrive in any order. Each outcome is logged: accepted, duplicate, or rejected with
    /// its reason; a rejected entry stores nothing but its log row.
    public func ingest(_ envelopes: [EntryEnvelope], peer: String?) throws -> [IngestOutcome] {
        try ingest(PreparedBatch(envelopes), peer: peer)
    }

    /// Admits entries and withheld markers, feed by feed in seq order, in one transaction.
    public func ingest(_ deliveries: [Delivery], peer: String?) throws -> [IngestOutcome] {
        try ingest(PreparedBatch(deliveries), peer: peer)
    }

    /// The same for a batch whose signatures and payloads were checked ahead (outside the node's lock, on every
    /// core): admission raises those results in its usual order (PreparedBatch.swift).
    public func ingest(_ batch: PreparedBatch, peer: String?) throws -> [IngestOutcome] {
        try requireIntact()
        let deliveries = batch.deliveries
        let ordered = deliveries.enumerated().sorted {
            ($0.element.author, $0.element.seq, $0.offset) < ($1.element.author, $1.element.seq, $1.offset)
        }
        var outcomes = [IngestOutcome?](repeating: nil, count: deliveries.count)
        try store.transaction {
            for (index, delivery) in ordered {
                switch delivery {
                case .entry(let envelope):
                    outcomes[index] = try admit(envelope, peer: peer, officer: nil, prepared: batch.prepared[index])
                case .withheld(let marker): outcomes[index] = try admitWithheld(marker, peer: peer)
                }
            }
        }
        return outcomes.map { $0! }
    }

    /// Logs a rejection that happened before an entry could even be parsed (malformed JSON, unknown type...).
    public func logRejection(_ rejection: Rejection, peer: String?) throws {
        try store.transaction {
            try store.appendLog(LogEvent(kind: "reject", peer: peer, reason: rejection.code.rawValue,
                                         detail: ["message": .string(rejection.message)]), at: now())
        }
    }

    /// The one admission path, run inside the caller's transaction. An entry this node has just `authored` is not
    /// held to the skew allowance: its time is the clock's next reading, which may be ahead of the wall clock only
    /// as far as the feed head already is (Node+Health.swift).
    func admit(_ envelope: EntryEnvelope, peer: String?, officer: String?, authored: Bool = false,
               prepared: Admission.PreparedContent? = nil) throws -> IngestOutcome {
        let entry = envelope.entry, h = entry.header
        let at = now()
        // Held, or held as a withheld marker of an entry this node has since become entitled to (an entry it is
        // not entitled to goes on to be rejected below, whatever it holds).
        if try store.contains(entry: entry.hash)
            || (store.hashAt(author: h.author, seq: h.seq) == entry.hash.hex
                && isEntitled(force: config.force, to: h.audience, authorForce: h.force)) {
            try store.appendLog(LogEvent(kind: "duplicate", peer: peer, author: h.author, record: h.record,
                                         entry: entry.hash.hex, detail: ["seq": .int(h.seq)]), at: at)
            return .duplicate(entry.hash)
        }
        do {
            let checked = prepared ?? Admission.PreparedContent(envelope)
            let ops = try Admission.checkContent(entry, prepared: checked, nowMillis: at,
                                                 maxSkewMillis: authored ? Limits.maxTime : config.maxSkewMillis)
            guard checked.positionValid else {
                throw Rejection(.badSignature, "position signature does not verify for entry \(entry.hash.hex)")
            }
            try checkKey(h.key, feed: h.author, seq: h.seq, what: "entry")
            guard isEntitled(force: config.force, to: h.audience, authorForce: h.force) else {
                throw Rejection(.notInAudience, "entry \(entry.hash.hex) is not meant for \(config.force) "
                                + "(audience \(h.audience.summary))")
            }
            do {
                try Admission.checkChain(entry, head: try store.feedHead(h.author))
            } catch let r as Rejection where r.code == .conflict {
                // A second, validly signed entry for a position already filled: the author equivocated.
                try store.recordEquivocation(envelope, peer: peer, receivedAt: at)
                if let held = try heldStatement(feed: h.author, seq: h.seq),
                   let fork = ForkEvidence(held, PositionStatement(envelope)) {
                    do { try recordFork(fork, newHash: entry.hash.hex, record: h.record, peer: peer, source: "entry") }
                    catch is Rejection {}   // the held statement no longer verifies: no proof, the refusal stands
                }
                throw Rejection(.equivocation, "feed \(h.author) already holds a different signed entry at seq "
                                + "\(h.seq): equivocation; kept as evidence and the feed flagged")
            }
            // A write admitted earlier without its payload may have promised this position as its own force's erase:
            // another entry here is a fork by the author.
            for promised in try store.pendingErasureEvidence(author: h.author, seq: h.seq)
            where promised.entry.hash != entry.hash {
                if let fork = ForkEvidence(PositionStatement(promised), PositionStatement(envelope)) {
                    do { try recordFork(fork, newHash: entry.hash.hex, record: h.record, peer: peer, source: "erasure") }
                    catch is Rejection {}
                }
            }
            var state = try store.recordState(h.record) ?? RecordState(id: h.record, type: h.type)
            var pendingEvidence: EntryEnvelope?
            if envelope.payload == nil {
                (state, pendingEvidence) = try justifyMissingPayload(envelope, state: state, peer: peer)
            }
            let before = state
            state.apply(entry, ops: ops)
            // Once a record is tombstoned, or a force has withdrawn from it, no write payload of theirs is kept.
            let keep = h.op == .erase || state.accepts(writesBy: h.force)
            try store.insert(entry, position: envelope.position, payload: keep ? envelope.payload : nil,
                             receivedAt: at)
            if let pendingEvidence { try store.saveErasureEvidence(for: entry.hash, pendingEvidence) }
            try store.save(state, writtenBy: h.force)
            clock.observe(h.clock)
            if let peer { clocks.admitted(peer: peer, feed: h.author, seq: h.seq) }
            try logAdmitted(entry, before: before, after: state, peer: peer, officer: officer, at: at)
            return .accepted(entry)
        } catch let rejection as Rejection {
            if rejection.code == .futureClock, let peer {
                clocks.refused(peer: peer, feed: h.author, seq: h.seq, aheadMillis: h.clock.time - at, at: at)
            }
            try store.appendLog(LogEvent(kind: "reject", peer: peer, author: h.author, record: h.record,
                                         entry: entry.hash.hex, reason: rejection.code.rawValue,
                                         detail: ["seq": .int(h.seq), "message": .string(rejection.message)]), at: at)
            return .rejected(rejection)
        }
    }

    // MARK: Status (reads for callers are in Node+Reads.swift; trust in Node+Trust.swift)

    public func status() throws -> NodeStatus {
        NodeStatus(force: config.force, feed: config.feed, publicKey: secretKey.publicKey.hex,
                   head: try store.feedHead(config.feed), counts: try store.counts(),
                   digest: try store.stateDigest(), versionVector: try store.versionVector())
    }
}
