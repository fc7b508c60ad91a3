// The typed requests and responses of the local API (NodeAPI.swift) and their JSON, exactly as they travel over
// `<data>/node.sock` (docs/PROTOCOL.md §10, Schemas/local-api.schema.json). Every message is a JSON object;
// decoding refuses unknown members and wrong types, naming the member, since a request is as hostile as any
// other input. Absent optional members are written as null and read as absent whether null or missing.

public import InterforceCore
public import InterforceStore

/// A message of the local API.
public protocol LocalMessage: Sendable {
    var json: JSONValue { get }
    init(json: JSONValue) throws(NodeError)
}

func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
func opt(_ i: Int64?) -> JSONValue { i.map { .int($0) } ?? .null }

/// `{}`: the request of operations that take nothing.
public struct Empty: LocalMessage {
    public init() {}
    public var json: JSONValue { [:] }
    public init(json: JSONValue) throws(NodeError) { _ = try Fields(json, "request", []) }
}

// MARK: Records

public struct QueryRequest: LocalMessage {
    public var text: String?
    public var type: RecordType?
    public var force: String?
    public var classification: Classification?
    public var since: Int64?
    public var until: Int64?
    public var limit: Int
    public var purpose: Purpose

    public init(
        text: String? = nil, type: RecordType? = nil, force: String? = nil, classification: Classification? = nil,
        since: Int64? = nil, until: Int64? = nil, limit: Int = 50, purpose: Purpose
    ) {
        self.text = text
        self.type = type
        self.force = force
        self.classification = classification
        self.since = since
        self.until = until
        self.limit = limit
        self.purpose = purpose
    }

    public var json: JSONValue {
        [
            "text": opt(text), "type": opt(type?.rawValue), "force": opt(force),
            "classification": opt(classification?.rawValue),
            "since": opt(since), "until": opt(until), "limit": .int(Int64(limit)), "purpose": purpose.json,
        ]
    }

    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(
            json, "query", ["text", "type", "force", "classification", "since", "until", "limit", "purpose"])
        var type: RecordType?
        if let t = try f.optionalString("type") {
            do { type = try RecordType(validating: t) } catch { throw NodeError("query.type: \(error.message)") }
        }
        let force = try f.optionalString("force")
        if let force, !Identifiers.isSlug(force) { throw NodeError("query.force: not a force slug") }
        let limit = try f.int("limit")
        guard (1...10_000).contains(limit) else { throw NodeError("query.limit: must be 1 to 10000") }
        let text = try f.optionalString("text")
        if let text { try TextRules.check(text, what: "query.text", maxLength: 500) }
        self.init(
            text: text, type: type, force: force, classification: try f.optionalClassification("classification"),
            since: try f.optionalInt("since"), until: try f.optionalInt("until"), limit: Int(limit),
            purpose: try Purpose(json: try f.require("purpose")))
    }

    var recordQuery: RecordQuery {
        var q = RecordQuery()
        q.text = text
        q.type = type
        q.force = force
        q.classification = classification
        q.updatedSince = since
        q.updatedUntil = until
        q.limit = limit
        return q
    }
}

func recordState(_ json: JSONValue, _ what: String) throws(NodeError) -> RecordState {
    do { return try RecordState(json: json) } catch { throw NodeError("\(what): \(error.message)") }
}

/// Query results, each same-as cluster once; `clusters` gives, for a result in a cluster of two or more, the
/// cluster's members (Node+SameAsReads.swift).
public struct RecordsResponse: LocalMessage {
    public let records: [RecordState]
    public let clusters: [String: [String]]
    public init(records: [RecordState], clusters: [String: [String]] = [:]) {
        self.records = records
        self.clusters = clusters
    }
    public var json: JSONValue {
        [
            "records": .array(records.map(\.json)),
            "clusters": .object(clusters.mapValues { .array($0.map { .string($0) }) }),
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "records", ["records", "clusters"])
        var out: [RecordState] = []
        for r in try f.array("records") { out.append(try recordState(r, "records[]")) }
        var clusters: [String: [String]] = [:]
        for (id, members) in f.value("clusters")?.object ?? [:] {
            let ids = (members.array ?? []).compactMap(\.string)
            guard Identifiers.isRecordID(id), ids.count == members.array?.count, ids.allSatisfy(Identifiers.isRecordID)
            else { throw NodeError("records.clusters: expected record id -> [record id]") }
            clusters[id] = ids
        }
        self.init(records: out, clusters: clusters)
    }
}

/// One record, and why it is read.
public struct RecordRequest: LocalMessage {
    public let record: String
    public let purpose: Purpose
    public init(record: String, purpose: Purpose) {
        self.record = record
        self.purpose = purpose
    }
    public var json: JSONValue { ["record": .string(record), "purpose": purpose.json] }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "record request", ["record", "purpose"])
        self.init(record: try f.string("record"), purpose: try Purpose(json: try f.require("purpose")))
    }
}

/// One record, and for a POLE record linked to others or referred to by id, its cluster (LinkMessages.swift).
public struct RecordResponse: LocalMessage {
    public let record: RecordState
    public let cluster: ClusterView?
    public init(record: RecordState, cluster: ClusterView? = nil) {
        self.record = record
        self.cluster = cluster
    }
    public var json: JSONValue { ["record": record.json, "cluster": cluster?.json ?? .null] }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "record", ["record", "cluster"])
        record = try recordState(try f.require("record"), "record")
        if let c = f.value("cluster") { cluster = try ClusterView(json: c) } else { cluster = nil }
    }
}

/// A record's entries in clock order, as exchanged (payload null where erased).
public struct HistoryResponse: LocalMessage {
    public let entries: [EntryEnvelope]
    public init(entries: [EntryEnvelope]) { self.entries = entries }
    public var json: JSONValue { ["entries": .array(entries.map(\.json))] }
    public init(json: JSONValue) throws(NodeError) {
        var out: [EntryEnvelope] = []
        for e in try Fields(json, "history", ["entries"]).array("entries") {
            do { out.append(try EntryEnvelope(json: e)) } catch {
                throw NodeError("history.entries[]: \(error.message)")
            }
        }
        entries = out
    }
}

func parseAudience(_ json: JSONValue?, _ what: String) throws(NodeError) -> Audience? {
    guard let json, !json.isNull else { return nil }
    do { return try Audience(json: json) } catch { throw NodeError("\(what): \(error.message)") }
}

func requestID(_ f: Fields) throws(NodeError) -> String {
    let id = try f.string("requestId")
    guard RequestID.isValid(id) else { throw NodeError("requestId: 16 to 64 letters, digits or '-'") }
    return id
}

/// `classification` and `audience` nil: OFFICIAL for this force only for a new record; for a record this node
/// already holds by the document's natural key, what this force's entries to it carry now.
public struct CreateRequest: LocalMessage {
    public let requestId: String
    public let type: RecordType
    public let document: JSONValue
    public let classification: Classification?
    public let audience: Audience?
    public init(
        requestId: String, type: RecordType, document: JSONValue, classification: Classification?,
        audience: Audience?
    ) {
        self.requestId = requestId
        self.type = type
        self.document = document
        self.classification = classification
        self.audience = audience
    }
    public var json: JSONValue {
        [
            "requestId": .string(requestId), "type": .string(type.rawValue), "document": document,
            "classification": opt(classification?.rawValue), "audience": audience?.json ?? .null,
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "record-new", ["requestId", "type", "document", "classification", "audience"])
        let type: RecordType
        do { type = try RecordType(validating: try f.string("type")) } catch let e as ModelError {
            throw NodeError("record-new.type: \(e.message)")
        } catch { throw NodeError("\(error)") }
        self.init(
            requestId: try requestID(f), type: type, document: try f.require("document"),
            classification: try f.optionalClassification("classification"),
            audience: try parseAudience(f.value("audience"), "record-new.audience"))
    }
}

public struct UpdateRequest: LocalMessage {
    public let requestId: String
    public let record: String
    public let patch: JSONValue
    public let classification: Classification?
    public let audience: Audience?
    public init(
        requestId: String, record: String, patch: JSONValue, classification: Classification?, audience: Audience?
    ) {
        self.requestId = requestId
        self.record = record
        self.patch = patch
        self.classification = classification
        self.audience = audience
    }
    public var json: JSONValue {
        [
            "requestId": .string(requestId), "record": .string(record), "patch": patch,
            "classification": opt(classification?.rawValue), "audience": audience?.json ?? .null,
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "record-update", ["requestId", "record", "patch", "classification", "audience"])
        let patch = try f.require("patch")
        guard patch.object != nil else { throw NodeError("record-update.patch: expected an object") }
        self.init(
            requestId: try requestID(f), record: try f.string("record"), patch: patch,
            classification: try f.optionalClassification("classification"),
            audience: try parseAudience(f.value("audience"), "record-update.audience"))
    }
}

public struct EraseRequest: LocalMessage {
    public let requestId: String
    public let record: String
    public let reason: String
    public init(requestId: String, record: String, reason: String) {
        self.requestId = requestId
        self.record = record
        self.reason = reason
    }
    public var json: JSONValue {
        ["requestId": .string(requestId), "record": .string(record), "reason": .string(reason)]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "record-erase", ["requestId", "record", "reason"])
        self.init(requestId: try requestID(f), record: try f.string("record"), reason: try f.string("reason"))
    }
}

/// What a write did: the record, the new entry on this node's feed, and for `record new` whether it merged into a
/// record already held with the same natural key; for `record erase` how many payloads were dropped here and whether
/// the record is now erased (the owner's tombstone) or only this force's contribution withdrawn.
public struct WriteResult: LocalMessage, Equatable {
    public let record: String
    public let entry: String
    public let feed: String
    public let seq: Int64
    public let merged: Bool
    public let droppedPayloads: Int64?
    public let recordErased: Bool?
    public init(
        record: String, entry: String, feed: String, seq: Int64, merged: Bool = false,
        droppedPayloads: Int64? = nil, recordErased: Bool? = nil
    ) {
        self.record = record
        self.entry = entry
        self.feed = feed
        self.seq = seq
        self.merged = merged
        self.droppedPayloads = droppedPayloads
        self.recordErased = recordErased
    }
    init(_ entry: Entry, merged: Bool = false, droppedPayloads: Int64? = nil, recordErased: Bool? = nil) {
        let h = entry.header
        self.init(
            record: h.record, entry: entry.hash.hex, feed: h.author, seq: h.seq, merged: merged,
            droppedPayloads: droppedPayloads, recordErased: recordErased)
    }
    public var json: JSONValue {
        [
            "record": .string(record), "entry": .string(entry), "feed": .string(feed), "seq": .int(seq),
            "merged": .bool(merged), "droppedPayloads": opt(droppedPayloads),
            "recordErased": recordErased.map { .bool($0) } ?? .null,
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(
            json, "write result", ["record", "entry", "feed", "seq", "merged", "droppedPayloads", "recordErased"])
        self.init(
            record: try f.string("record"), entry: try f.string("entry"), feed: try f.string("feed"),
            seq: try f.int("seq"), merged: try f.bool("merged"), droppedPayloads: try f.optionalInt("droppedPayloads"),
            recordErased: try f.optionalBool("recordErased"))
    }
}

public struct WatchRequest: LocalMessage {
    public let record: String?
    public let purpose: Purpose
    public init(record: String?, purpose: Purpose) {
        self.record = record
        self.purpose = purpose
    }
    public var json: JSONValue { ["record": opt(record), "purpose": purpose.json] }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "watch", ["record", "purpose"])
        self.init(record: try f.optionalString("record"), purpose: try Purpose(json: try f.require("purpose")))
    }
}

/// One entry written here or accepted from a peer, as `watch` shows it: who, which record, and the change (null
/// once the payload is erased).
public struct WatchEvent: LocalMessage, Equatable {
    public let at: Int64
    public let force: String
    public let record: String
    public let type: String
    public let op: String
    public let seq: Int64
    public let entry: String
    public let change: JSONValue?
    public init(
        at: Int64, force: String, record: String, type: String, op: String, seq: Int64, entry: String,
        change: JSONValue?
    ) {
        self.at = at
        self.force = force
        self.record = record
        self.type = type
        self.op = op
        self.seq = seq
        self.entry = entry
        self.change = change
    }
    public var json: JSONValue {
        [
            "at": .int(at), "force": .string(force), "record": .string(record), "type": .string(type),
            "op": .string(op),
            "seq": .int(seq), "entry": .string(entry), "change": change ?? .null,
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "watch event", ["at", "force", "record", "type", "op", "seq", "entry", "change"])
        self.init(
            at: try f.int("at"), force: try f.string("force"), record: try f.string("record"),
            type: try f.string("type"), op: try f.string("op"), seq: try f.int("seq"), entry: try f.string("entry"),
            change: f.value("change"))
    }
}

/// Continue a page: the cursor the previous page ended with.
public struct NextRequest: LocalMessage {
    public let cursor: String
    public init(cursor: String) { self.cursor = cursor }
    public var json: JSONValue { ["cursor": .string(cursor)] }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "next", ["cursor"])
        let cursor = try f.string("cursor")
        guard Identifiers.isLowerHex(cursor, count: 32) else { throw NodeError("next.cursor: 32 lowercase hex digits") }
        self.init(cursor: cursor)
    }
}

/// Part of a long answer; `cursor` is null on the last page (never for a watch, which goes on).
public struct Page<Item: PageItem>: LocalMessage {
    public let items: [Item]
    public let cursor: String?
    public init(items: [Item], cursor: String?) {
        self.items = items
        self.cursor = cursor
    }
    public var json: JSONValue { ["items": .array(items.map(\.pageJSON)), "cursor": opt(cursor)] }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "page", ["items", "cursor"])
        var items: [Item] = []
        for i in try f.array("items") { items.append(try Item(pageJSON: i)) }
        self.init(items: items, cursor: try f.optionalString("cursor"))
    }
}

/// What a page may hold.
public protocol PageItem: Sendable {
    var pageJSON: JSONValue { get }
    init(pageJSON: JSONValue) throws(NodeError)
}

extension WatchEvent: PageItem {
    public var pageJSON: JSONValue { json }
    public init(pageJSON: JSONValue) throws(NodeError) { try self.init(json: pageJSON) }
}

extension Delivery: PageItem {
    public var pageJSON: JSONValue { json }
    public init(pageJSON: JSONValue) throws(NodeError) {
        do { try self.init(json: pageJSON) } catch { throw NodeError("entry: \(error.message)") }
    }
}

extension LogRow: PageItem {
    public var pageJSON: JSONValue { json }
    public init(pageJSON: JSONValue) throws(NodeError) {
        let f = try Fields(
            pageJSON, "log row",
            [
                "seq", "at", "kind", "officer", "account", "purpose", "peer", "author",
                "record", "entry", "reason", "detail", "prev", "hash",
            ])
        self.init(
            seq: try f.int("seq"), at: try f.int("at"),
            event: LogEvent(
                kind: try f.string("kind"), officer: try f.optionalString("officer"),
                account: try f.optionalString("account"), purpose: try f.optionalString("purpose"),
                peer: try f.optionalString("peer"), author: try f.optionalString("author"),
                record: try f.optionalString("record"), entry: try f.optionalString("entry"),
                reason: try f.optionalString("reason"), detail: f.value("detail") ?? [:]),
            prev: try f.string("prev"), hash: try f.string("hash"))
    }
}

// MARK: Entries

public struct EntriesExportRequest: LocalMessage {
    public let feed: String?
    public let after: Int64
    public let purpose: Purpose
    public init(feed: String?, after: Int64, purpose: Purpose) {
        self.feed = feed
        self.after = after
        self.purpose = purpose
    }
    public var json: JSONValue { ["feed": opt(feed), "after": .int(after), "purpose": purpose.json] }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "entries-export", ["feed", "after", "purpose"])
        let feed = try f.optionalString("feed")
        if let feed, !Identifiers.isFeedID(feed) { throw NodeError("entries-export.feed: <force>/<16 hex digits>") }
        let after = try f.int("after")
        guard after >= 0 else { throw NodeError("entries-export.after: must be >= 0") }
        self.init(feed: feed, after: after, purpose: try Purpose(json: try f.require("purpose")))
    }
}

/// Lines of a JSON-lines file of entries, numbered from `firstLine`; the node parses them.
public struct IngestRequest: LocalMessage {
    public let requestId: String
    public let peer: String?
    public let firstLine: Int64
    public let lines: [String]
    public init(requestId: String, peer: String?, firstLine: Int64, lines: [String]) {
        self.requestId = requestId
        self.peer = peer
        self.firstLine = firstLine
        self.lines = lines
    }
    public var json: JSONValue {
        [
            "requestId": .string(requestId), "peer": opt(peer), "firstLine": .int(firstLine),
            "lines": .array(lines.map { .string($0) }),
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "entries-ingest", ["requestId", "peer", "firstLine", "lines"])
        let peer = try f.optionalString("peer")
        if let peer { try TextRules.check(peer, what: "entries-ingest.peer", maxLength: 100) }
        let first = try f.int("firstLine")
        guard first >= 1 else { throw NodeError("entries-ingest.firstLine: must be >= 1") }
        let lines = try f.strings("lines")
        guard lines.count <= PeerAPI.maxBatch else {
            throw NodeError("entries-ingest.lines: at most \(PeerAPI.maxBatch) per request")
        }
        self.init(requestId: try requestID(f), peer: peer, firstLine: first, lines: lines)
    }
}

/// The outcome of one line: `accepted`, `duplicate`, `withheld` or `rejected` (with the rejection code and message).
public struct IngestOutcomeView: Sendable, Equatable {
    public let line: Int64
    public let feed: String?
    public let seq: Int64?
    public let entry: String?
    public let outcome: String
    public let reason: String?
    public let message: String?
    public var json: JSONValue {
        [
            "line": .int(line), "feed": opt(feed), "seq": opt(seq), "entry": opt(entry), "outcome": .string(outcome),
            "reason": opt(reason), "message": opt(message),
        ]
    }
    init(line: Int64, feed: String?, seq: Int64?, entry: String?, outcome: String, reason: String?, message: String?) {
        self.line = line
        self.feed = feed
        self.seq = seq
        self.entry = entry
        self.outcome = outcome
        self.reason = reason
        self.message = message
    }
    init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "ingest result", ["line", "feed", "seq", "entry", "outcome", "reason", "message"])
        self.init(
            line: try f.int("line"), feed: try f.optionalString("feed"), seq: try f.optionalInt("seq"),
            entry: try f.optionalString("entry"), outcome: try f.string("outcome"),
            reason: try f.optionalString("reason"), message: try f.optionalString("message"))
    }
}

public struct IngestReport: LocalMessage {
    public let results: [IngestOutcomeView]
    public init(results: [IngestOutcomeView]) { self.results = results }
    public var json: JSONValue { ["results": .array(results.map(\.json))] }
    public init(json: JSONValue) throws(NodeError) {
        var out: [IngestOutcomeView] = []
        for r in try Fields(json, "ingest report", ["results"]).array("results") {
            out.append(try IngestOutcomeView(json: r))
        }
        results = out
    }
}

// MARK: Audit

/// The newest `limit` rows (at most ``maxLimit``) that match the filters, before row `before` if given: a longer
/// answer is asked for page by page, each page before the oldest row of the last.
public struct AuditLogRequest: LocalMessage {
    public static let maxLimit = 1000
    public var filter: LogFilter
    public var purpose: Purpose
    public init(filter: LogFilter, purpose: Purpose) {
        self.filter = filter
        self.purpose = purpose
    }
    public var json: JSONValue {
        [
            "kind": opt(filter.kind), "officer": opt(filter.officer), "account": opt(filter.account),
            "purposeCode": opt(filter.purposeCode), "peer": opt(filter.peer), "author": opt(filter.author),
            "record": opt(filter.record), "since": opt(filter.since), "until": opt(filter.until),
            "before": opt(filter.before), "limit": .int(Int64(filter.limit ?? 100)), "purpose": purpose.json,
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(
            json, "audit-log",
            [
                "kind", "officer", "account", "purposeCode", "peer", "author", "record",
                "since", "until", "before", "limit", "purpose",
            ])
        var filter = LogFilter()
        filter.kind = try f.optionalString("kind")
        filter.officer = try f.optionalString("officer")
        filter.account = try f.optionalString("account")
        filter.purposeCode = try f.optionalString("purposeCode")
        if let code = filter.purposeCode, PurposeCode(rawValue: code) == nil {
            throw NodeError(
                "audit-log.purposeCode: not one of " + PurposeCode.allCases.map(\.rawValue).joined(separator: ", "))
        }
        filter.peer = try f.optionalString("peer")
        filter.author = try f.optionalString("author")
        filter.record = try f.optionalString("record")
        filter.since = try f.optionalInt("since")
        filter.until = try f.optionalInt("until")
        filter.before = try f.optionalInt("before")
        let limit = try f.int("limit")
        guard (1...Int64(Self.maxLimit)).contains(limit) else {
            throw NodeError("audit-log.limit: must be 1 to \(Self.maxLimit) (ask for more page by page, with 'before')")
        }
        filter.limit = Int(limit)
        self.init(filter: filter, purpose: try Purpose(json: try f.require("purpose")))
    }
}

public struct LogRowsResponse: LocalMessage {
    public let rows: [LogRow]
    public init(rows: [LogRow]) { self.rows = rows }
    public var json: JSONValue { ["rows": .array(rows.map(\.json))] }
    public init(json: JSONValue) throws(NodeError) {
        var out: [LogRow] = []
        for r in try Fields(json, "log rows", ["rows"]).array("rows") { out.append(try LogRow(pageJSON: r)) }
        rows = out
    }
}

/// Why: the request of `audit export`.
public struct PurposeRequest: LocalMessage {
    public let purpose: Purpose
    public init(purpose: Purpose) { self.purpose = purpose }
    public var json: JSONValue { ["purpose": purpose.json] }
    public init(json: JSONValue) throws(NodeError) {
        purpose = try Purpose(json: try Fields(json, "request", ["purpose"]).require("purpose"))
    }
}

public struct VerifyReport: LocalMessage {
    public let ok: Bool
    public let entries: Int64
    public let records: Int64
    public let logRows: Int64
    public let problems: [String]
    init(_ report: AuditReport) {
        ok = report.ok
        entries = report.entries
        records = report.records
        logRows = report.logRows
        problems = report.problems
    }
    public var json: JSONValue {
        [
            "ok": .bool(ok), "entries": .int(entries), "records": .int(records), "logRows": .int(logRows),
            "problems": .array(problems.map { .string($0) }),
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "verify", ["ok", "entries", "records", "logRows", "problems"])
        ok = try f.bool("ok")
        entries = try f.int("entries")
        records = try f.int("records")
        logRows = try f.int("logRows")
        problems = try f.strings("problems")
    }
}

/// A write with nothing to say but its request id (`audit checkpoint`).
public struct CheckpointRequest: LocalMessage {
    public let requestId: String
    public init(requestId: String) { self.requestId = requestId }
    public var json: JSONValue { ["requestId": .string(requestId)] }
    public init(json: JSONValue) throws(NodeError) {
        requestId = try requestID(try Fields(json, "checkpoint", ["requestId"]))
    }
}

/// The checkpoint's log row, or null when the head already was one.
public struct CheckpointResult: LocalMessage {
    public let seq: Int64?
    public init(seq: Int64?) { self.seq = seq }
    public var json: JSONValue { ["seq": opt(seq)] }
    public init(json: JSONValue) throws(NodeError) { seq = try Fields(json, "checkpoint", ["seq"]).optionalInt("seq") }
}

// MARK: Status and federation

public struct StatusResponse: LocalMessage {
    public let force: String
    public let feed: String
    public let publicKey: String
    public let groups: [String]
    public let authority: String?
    public let head: (seq: Int64, hash: String)?
    public let counts: StoreCounts
    public let digest: String
    public let versionVector: [String: Int64]
    /// This node's clock against its peers' (Node+Health.swift).
    public let clock: ClockView
    /// The store's filesystem; nil for an in-memory store.
    public let disk: DiskSpace?
    /// What the operator must know now, one sentence each.
    public let warnings: [String]

    init(_ s: NodeStatus, groups: [String], authority: String?, clock: ClockView, disk: DiskSpace?,
         warnings: [String]) {
        self.clock = clock
        self.disk = disk
        self.warnings = warnings
        force = s.force
        feed = s.feed
        publicKey = s.publicKey
        self.groups = groups
        self.authority = authority
        head = s.head.map { ($0.seq, $0.hash.hex) }
        counts = s.counts
        digest = s.digest.hex
        versionVector = s.versionVector
    }

    public var json: JSONValue {
        let c = counts
        return [
            "force": .string(force), "feed": .string(feed), "publicKey": .string(publicKey),
            "groups": .array(groups.map { .string($0) }), "authority": opt(authority),
            "head": head.map { ["seq": .int($0.seq), "hash": .string($0.hash)] } ?? .null,
            "entries": .int(c.entries), "payloads": .int(c.payloads), "records": .int(c.records),
            "erased": .int(c.erased), "feeds": .int(c.feeds), "logRows": .int(c.logRows),
            "storeBytes": .int(c.storeBytes), "digest": .string(digest),
            "versionVector": .object(versionVector.mapValues { .int($0) }),
            "clock": [
                "offsetMillis": opt(clock.offsetMillis), "peers": .int(clock.peers),
                "allowedMillis": .int(clock.allowedMillis), "headAheadMillis": .int(clock.headAheadMillis),
                "writesRefused": .bool(clock.writesRefused),
            ],
            "disk": disk.map { d -> JSONValue in
                [
                    "path": .string(d.path), "freeBytes": .int(d.freeBytes), "totalBytes": .int(d.totalBytes),
                    "warningBytes": .int(d.warningBytes), "state": .string(d.state.rawValue),
                ]
            } ?? .null,
            "warnings": .array(warnings.map { .string($0) }),
        ]
    }

    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(
            json, "status",
            [
                "force", "feed", "publicKey", "groups", "authority", "head", "entries",
                "payloads", "records", "erased", "feeds", "logRows", "storeBytes", "digest", "versionVector", "clock",
                "disk", "warnings",
            ])
        force = try f.string("force")
        feed = try f.string("feed")
        publicKey = try f.string("publicKey")
        groups = try f.strings("groups")
        authority = try f.optionalString("authority")
        if let h = f.value("head") {
            let hf = try Fields(h, "status.head", ["seq", "hash"])
            head = (try hf.int("seq"), try hf.string("hash"))
        } else {
            head = nil
        }
        counts = StoreCounts(
            entries: try f.int("entries"), payloads: try f.int("payloads"), records: try f.int("records"),
            erased: try f.int("erased"), feeds: try f.int("feeds"), logRows: try f.int("logRows"),
            storeBytes: try f.int("storeBytes"))
        digest = try f.string("digest")
        guard let vector = try f.require("versionVector").object?.compactMapValues(\.int) else {
            throw NodeError("status.versionVector: expected an object of integers")
        }
        versionVector = vector
        let c = try Fields(
            try f.require("clock"), "status.clock",
            ["offsetMillis", "peers", "allowedMillis", "headAheadMillis", "writesRefused"])
        clock = ClockView(
            offsetMillis: try c.optionalInt("offsetMillis"), peers: try c.int("peers"),
            allowedMillis: try c.int("allowedMillis"), headAheadMillis: try c.int("headAheadMillis"))
        guard clock.writesRefused == (try c.bool("writesRefused")) else {
            throw NodeError("status.clock.writesRefused: does not follow from offsetMillis and allowedMillis")
        }
        if let d = f.value("disk") {
            let df = try Fields(d, "status.disk", ["path", "freeBytes", "totalBytes", "warningBytes", "state"])
            disk = DiskSpace(
                path: try df.string("path"), freeBytes: try df.int("freeBytes"), totalBytes: try df.int("totalBytes"),
                warningBytes: try df.int("warningBytes"))
            guard disk?.state.rawValue == (try df.string("state")) else {
                throw NodeError("status.disk.state: does not follow from freeBytes and warningBytes")
            }
        } else {
            disk = nil
        }
        warnings = try f.strings("warnings")
    }
}

public struct PeersListResponse: LocalMessage {
    public struct Member: Sendable, Equatable {
        public let force: String
        public let groups: [String]
        public let endpoint: String
        /// `self`, `peer` (this node replicates with it) or `-`.
        public let link: String
    }
    public let federation: String?
    public let version: Int64?
    public let members: [Member]
    init(federation: String?, version: Int64?, members: [Member]) {
        self.federation = federation
        self.version = version
        self.members = members
    }
    public var json: JSONValue {
        [
            "federation": opt(federation), "version": opt(version),
            "members": .array(
                members.map {
                    [
                        "force": .string($0.force), "groups": .array($0.groups.map { .string($0) }),
                        "endpoint": .string($0.endpoint), "link": .string($0.link),
                    ]
                }),
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "peers", ["federation", "version", "members"])
        var members: [Member] = []
        for m in try f.array("members") {
            let mf = try Fields(m, "peers.members[]", ["force", "groups", "endpoint", "link"])
            members.append(
                Member(
                    force: try mf.string("force"), groups: try mf.strings("groups"),
                    endpoint: try mf.string("endpoint"), link: try mf.string("link")))
        }
        self.init(
            federation: try f.optionalString("federation"), version: try f.optionalInt("version"), members: members)
    }
}

/// A fork this node holds evidence of: two different signed statements for one position of a feed.
public struct ForkView: Sendable, Equatable {
    public let feed: String
    public let seq: Int64
    /// The two entry hashes, ascending.
    public let hashes: [String]
    public init(_ fork: ForkEvidence) {
        feed = fork.feed
        seq = fork.seq
        hashes = fork.hashes
    }
    init(feed: String, seq: Int64, hashes: [String]) {
        self.feed = feed
        self.seq = seq
        self.hashes = hashes
    }
    public var json: JSONValue { ["feed": .string(feed), "seq": .int(seq), "hashes": .array(hashes.map { .string($0) })] }
    init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "fork", ["feed", "seq", "hashes"])
        let hashes = try f.strings("hashes")
        guard hashes.count == 2 else { throw NodeError("fork.hashes: expected two hashes") }
        self.init(feed: try f.string("feed"), seq: try f.int("seq"), hashes: hashes)
    }

    static func list(_ f: Fields, _ name: String) throws(NodeError) -> [ForkView] {
        var out: [ForkView] = []
        for item in try f.array(name) { out.append(try ForkView(json: item)) }
        return out
    }
}

public struct PeersStatusResponse: LocalMessage {
    public struct Peer: Sendable, Equatable {
        public let peer: String
        public let lastSuccess: Int64?
        public let lastError: String?
        public let lastErrorAt: Int64?
        public let entriesSent: Int64
        public let entriesReceived: Int64
        /// Per feed: positive when the peer lacks entries we hold, negative when we lack theirs.
        public let lag: [String: Int64]
        /// The peer's clock minus this node's (median of recent samples); nil until measured.
        public let clockOffsetMillis: Int64?
        /// Why entries from this peer are refused as `future-clock`, while they are; nil otherwise.
        public let futureClock: String?
        /// `peer` (configured and a member: replicated with), `not-a-member` (configured, not in the membership),
        /// `former` (no longer configured; its counters are kept).
        public let link: String
        /// Whether the last exchange succeeded; nil before any.
        public let reachable: Bool?
        /// Entries the peer lacks (as of its last answer), and those it holds that this node lacks.
        public let entriesBehind: Int64
        public let entriesAhead: Int64
        /// How long the oldest entry the peer lacks has been held here (ms); nil when it lacks none.
        public let lagMillis: Int64?
    }
    public let peers: [Peer]
    /// Every fork held: a feed with a fork is not in step with anyone, whatever the lag says.
    public let forks: [ForkView]
    /// What to act on about the peers (a configured peer that is not a member, a membership refused).
    public let warnings: [String]
    init(peers: [Peer], forks: [ForkView], warnings: [String]) {
        self.peers = peers
        self.forks = forks
        self.warnings = warnings
    }
    public var json: JSONValue {
        [
            "forks": .array(forks.map(\.json)), "warnings": .array(warnings.map { .string($0) }),
            "peers": .array(
                peers.map { p in
                    [
                        "peer": .string(p.peer), "lastSuccess": opt(p.lastSuccess), "lastError": opt(p.lastError),
                        "lastErrorAt": opt(p.lastErrorAt), "entriesSent": .int(p.entriesSent),
                        "entriesReceived": .int(p.entriesReceived), "lag": .object(p.lag.mapValues { .int($0) }),
                        "clockOffsetMillis": opt(p.clockOffsetMillis), "futureClock": opt(p.futureClock),
                        "link": .string(p.link), "reachable": p.reachable.map { .bool($0) } ?? .null,
                        "entriesBehind": .int(p.entriesBehind), "entriesAhead": .int(p.entriesAhead),
                        "lagMillis": opt(p.lagMillis),
                    ]
                })
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        var peers: [Peer] = []
        let fields = try Fields(json, "peers status", ["peers", "forks", "warnings"])
        for p in try fields.array("peers") {
            let f = try Fields(
                p, "peers[]",
                [
                    "peer", "lastSuccess", "lastError", "lastErrorAt", "entriesSent",
                    "entriesReceived", "lag", "clockOffsetMillis", "futureClock", "link", "reachable",
                    "entriesBehind", "entriesAhead", "lagMillis",
                ])
            guard let lag = try f.require("lag").object?.compactMapValues(\.int) else {
                throw NodeError("peers[].lag: expected an object of integers")
            }
            peers.append(
                Peer(
                    peer: try f.string("peer"), lastSuccess: try f.optionalInt("lastSuccess"),
                    lastError: try f.optionalString("lastError"), lastErrorAt: try f.optionalInt("lastErrorAt"),
                    entriesSent: try f.int("entriesSent"), entriesReceived: try f.int("entriesReceived"),
                    lag: lag, clockOffsetMillis: try f.optionalInt("clockOffsetMillis"),
                    futureClock: try f.optionalString("futureClock"), link: try f.string("link"),
                    reachable: try f.optionalBool("reachable"), entriesBehind: try f.int("entriesBehind"),
                    entriesAhead: try f.int("entriesAhead"), lagMillis: try f.optionalInt("lagMillis")))
        }
        self.peers = peers
        forks = try ForkView.list(fields, "forks")
        warnings = try fields.strings("warnings")
    }
}

public struct SyncRequest: LocalMessage {
    public let timeoutSeconds: Int64
    public init(timeoutSeconds: Int64) { self.timeoutSeconds = timeoutSeconds }
    public var json: JSONValue { ["timeoutSeconds": .int(timeoutSeconds)] }
    public init(json: JSONValue) throws(NodeError) {
        let t = try Fields(json, "sync", ["timeoutSeconds"]).int("timeoutSeconds")
        guard (1...600).contains(t) else { throw NodeError("sync.timeoutSeconds: must be 1 to 600") }
        timeoutSeconds = t
    }
}

/// Per peer that failed, why (empty when every peer exchanged), and every fork held after the exchange: in sync
/// only when both are empty.
public struct SyncResult: LocalMessage {
    public let errors: [String: String]
    public let forks: [ForkView]
    public init(errors: [String: String], forks: [ForkView]) {
        self.errors = errors
        self.forks = forks
    }
    public var json: JSONValue {
        ["errors": .object(errors.mapValues { .string($0) }), "forks": .array(forks.map(\.json))]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "sync result", ["errors", "forks"])
        let o = try f.require("errors").object
        guard let errors = o?.compactMapValues(\.string), errors.count == o?.count else {
            throw NodeError("sync result.errors: expected an object of strings")
        }
        self.errors = errors
        forks = try ForkView.list(f, "forks")
    }
}

public struct MembershipInstallRequest: LocalMessage {
    public let requestId: String
    public let membership: SignedMembership
    public init(requestId: String, membership: SignedMembership) {
        self.requestId = requestId
        self.membership = membership
    }
    public var json: JSONValue { ["requestId": .string(requestId), "membership": membership.json] }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "membership-install", ["requestId", "membership"])
        do { membership = try SignedMembership(json: try f.require("membership")) } catch let e as ModelError {
            throw NodeError("membership-install.membership: \(e.message)")
        } catch let e as NodeError { throw e } catch { throw NodeError("\(error)") }
        requestId = try requestID(f)
    }
}

public struct MembershipInstallResult: LocalMessage {
    public let installed: Bool
    /// Not installed because this very signed document is the one installed (by an admin, or adopted from a peer).
    public let alreadyInstalled: Bool
    public let version: Int64
    /// The version installed before (after a refusal: the one still installed).
    public let previous: Int64?
    public let forces: Int64
    init(installed: Bool, alreadyInstalled: Bool, version: Int64, previous: Int64?, forces: Int64) {
        self.installed = installed
        self.alreadyInstalled = alreadyInstalled
        self.version = version
        self.previous = previous
        self.forces = forces
    }
    public var json: JSONValue {
        ["installed": .bool(installed), "alreadyInstalled": .bool(alreadyInstalled), "version": .int(version),
         "previous": opt(previous), "forces": .int(forces)]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "membership-install result",
                           ["installed", "alreadyInstalled", "version", "previous", "forces"])
        self.init(
            installed: try f.bool("installed"), alreadyInstalled: try f.bool("alreadyInstalled"),
            version: try f.int("version"), previous: try f.optionalInt("previous"), forces: try f.int("forces"))
    }
}

/// Trust `key` for positions `fromSeq...untilSeq` of `feed` (`untilSeq` null: no end); the node checks the range.
public struct TrustRequest: LocalMessage {
    public let requestId: String
    public let feed: String
    public let key: PublicKey
    public let fromSeq: Int64
    public let untilSeq: Int64?
    public init(requestId: String, feed: String, key: PublicKey, fromSeq: Int64 = 1, untilSeq: Int64? = nil) {
        self.requestId = requestId
        self.feed = feed
        self.key = key
        self.fromSeq = fromSeq
        self.untilSeq = untilSeq
    }
    public var json: JSONValue {
        [
            "requestId": .string(requestId), "feed": .string(feed), "key": .string(key.hex),
            "fromSeq": .int(fromSeq), "untilSeq": opt(untilSeq),
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "trust-add", ["requestId", "feed", "key", "fromSeq", "untilSeq"])
        let hex = try f.string("key")
        guard Identifiers.isLowerHex(hex, count: 64), let key = try? PublicKey(hex: hex) else {
            throw NodeError("trust-add.key: an Ed25519 public key, 64 lowercase hex digits")
        }
        self.init(
            requestId: try requestID(f), feed: try f.string("feed"), key: key, fromSeq: try f.int("fromSeq"),
            untilSeq: try f.optionalInt("untilSeq"))
    }
}

public struct TrustResult: LocalMessage {
    public let feed: String
    public let key: String
    init(feed: String, key: String) {
        self.feed = feed
        self.key = key
    }
    public var json: JSONValue { ["feed": .string(feed), "key": .string(key)] }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "trust result", ["feed", "key"])
        self.init(feed: try f.string("feed"), key: try f.string("key"))
    }
}

/// Add a force to the configured peers (`peers add`) or remove one (`peers remove`).
public struct PeersChangeRequest: LocalMessage {
    public let requestId: String
    public let add: Bool
    public let force: String
    public init(requestId: String, add: Bool, force: String) {
        self.requestId = requestId
        self.add = add
        self.force = force
    }
    public var json: JSONValue {
        ["requestId": .string(requestId), "action": .string(add ? "add" : "remove"), "force": .string(force)]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "peers-change", ["requestId", "action", "force"])
        let action = try f.string("action")
        guard action == "add" || action == "remove" else { throw NodeError("peers-change.action: 'add' or 'remove'") }
        self.init(requestId: try requestID(f), add: action == "add", force: try f.string("force"))
    }
}

/// The configured peers after the change, those replicated with now, and the warnings about them.
public struct PeersChangeResult: LocalMessage {
    public let peers: [String]
    public let active: [String]
    public let warnings: [String]
    init(peers: [String], active: [String], warnings: [String]) {
        self.peers = peers
        self.active = active
        self.warnings = warnings
    }
    public var json: JSONValue {
        ["peers": .array(peers.map { .string($0) }), "active": .array(active.map { .string($0) }),
         "warnings": .array(warnings.map { .string($0) })]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "peers-change result", ["peers", "active", "warnings"])
        self.init(peers: try f.strings("peers"), active: try f.strings("active"), warnings: try f.strings("warnings"))
    }
}

// MARK: Officers

public struct OfficerAddRequest: LocalMessage {
    public let requestId: String
    public let account: String
    public let collar: String
    public let name: String
    /// Default: this node's force.
    public let force: String?
    public let roles: [Role]
    public let clearance: Classification
    public init(
        requestId: String, account: String, collar: String, name: String, force: String?, roles: [Role],
        clearance: Classification
    ) {
        self.requestId = requestId
        self.account = account
        self.collar = collar
        self.name = name
        self.force = force
        self.roles = roles
        self.clearance = clearance
    }
    public var json: JSONValue {
        [
            "requestId": .string(requestId), "account": .string(account), "collar": .string(collar),
            "name": .string(name),
            "force": opt(force), "roles": .array(roles.map { .string($0.rawValue) }),
            "clearance": .string(clearance.rawValue),
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(
            json, "officer-add", ["requestId", "account", "collar", "name", "force", "roles", "clearance"])
        var roles: [Role] = []
        for r in try f.strings("roles") { roles.append(try Role(validating: r)) }
        self.init(
            requestId: try requestID(f), account: try f.string("account"), collar: try f.string("collar"),
            name: try f.string("name"), force: try f.optionalString("force"), roles: roles,
            clearance: try f.classification("clearance"))
    }
}

public struct OfficerDisableRequest: LocalMessage {
    public let requestId: String
    public let account: String
    public init(requestId: String, account: String) {
        self.requestId = requestId
        self.account = account
    }
    public var json: JSONValue { ["requestId": .string(requestId), "account": .string(account)] }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "officer-disable", ["requestId", "account"])
        self.init(requestId: try requestID(f), account: try f.string("account"))
    }
}

/// One registration; `account` null means the caller's own.
public struct OfficerShowRequest: LocalMessage {
    public let account: String?
    public init(account: String?) { self.account = account }
    public var json: JSONValue { ["account": opt(account)] }
    public init(json: JSONValue) throws(NodeError) {
        account = try Fields(json, "officer-show", ["account"]).optionalString("account")
    }
}

public struct OfficerResponse: LocalMessage {
    public let officer: Officer
    public init(officer: Officer) { self.officer = officer }
    public var json: JSONValue { ["officer": officer.json] }
    public init(json: JSONValue) throws(NodeError) {
        officer = try Officer(json: try Fields(json, "officer", ["officer"]).require("officer"))
    }
}

public struct OfficersResponse: LocalMessage {
    public let officers: [Officer]
    public init(officers: [Officer]) { self.officers = officers }
    public var json: JSONValue { ["officers": .array(officers.map(\.json))] }
    public init(json: JSONValue) throws(NodeError) {
        var out: [Officer] = []
        for o in try Fields(json, "officers", ["officers"]).array("officers") { out.append(try Officer(json: o)) }
        officers = out
    }
}

/// The caller as the node sees them.
public struct CallerView: LocalMessage {
    public let uid: Int64
    public let account: String
    /// `registered`, `unregistered`, `disabled` or `account-changed`.
    public let standing: String
    public let officer: Officer?
    public let roles: [Role]
    public let nodeAccount: Bool
    init(_ c: Caller) {
        uid = Int64(c.uid)
        account = c.account
        switch c.standing {
        case .registered(let o):
            standing = "registered"
            officer = o
        case .unregistered:
            standing = "unregistered"
            officer = nil
        case .disabledOfficer(let o):
            standing = "disabled"
            officer = o
        case .uidChanged(let o):
            standing = "account-changed"
            officer = o
        }
        roles = c.roles.sorted()
        nodeAccount = c.isNodeAccount
    }
    public var json: JSONValue {
        [
            "uid": .int(uid), "account": .string(account), "standing": .string(standing),
            "officer": officer?.json ?? .null,
            "roles": .array(roles.map { .string($0.rawValue) }), "nodeAccount": .bool(nodeAccount),
        ]
    }
    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(json, "whoami", ["uid", "account", "standing", "officer", "roles", "nodeAccount"])
        uid = try f.int("uid")
        account = try f.string("account")
        standing = try f.string("standing")
        officer = try f.value("officer").map { v throws(NodeError) in try Officer(json: v) }
        var roles: [Role] = []
        for r in try f.strings("roles") { roles.append(try Role(validating: r)) }
        self.roles = roles
        nodeAccount = try f.bool("nodeAccount")
    }
}
