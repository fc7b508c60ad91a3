// The in-process implementation of the local API: the node acting for one caller (NodeAPI.swift).
//
// Each operation, under the node's lock: establish the caller from their uid (Officer.swift), ask the policy
// (Policy.swift) and log a `deny` row if it refuses, then do the work with the caller stamped on every log row it
// causes. A write is done at most once per request id: its result is remembered in the same transaction as the
// write, and a request carrying a remembered id is answered with that result (if it is the same caller asking the
// same thing) or refused (if not). Long answers come in pages behind a cursor held here, bound to the caller's uid;
// a watch is logged once when it starts and its polls go on through its cursor.

import Foundation
import InterforceCore
import InterforceStore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The node as the local API sees it, shared by every caller in this process: the node behind its lock, the
/// replication workers when serving, and the open cursors.
public final class LocalNode: Sendable {
    let service: NodeService
    let replicator: Replicator?
    /// The uid that owns the node: always an admin.
    let nodeAccount: UInt32
    /// Items per page of an export (entries also stop at about 4 MiB).
    let pageLimit: Int
    let cursors = Mutex(CursorTable())
    /// Lookups of records not seen and policy denials, per account and minute (UnseenLookups.swift,
    /// PolicyDenials.swift).
    let refusals = RefusalSummary(inFullPerKey: LocalNode.inFullPerMinute)

    public init(service: NodeService, replicator: Replicator?, nodeAccount: UInt32 = geteuid(), pageLimit: Int = 1000) {
        self.service = service
        self.replicator = replicator
        self.nodeAccount = nodeAccount
        self.pageLimit = max(1, pageLimit)
    }

    /// The API as the process `uid` sees it.
    public func session(uid: UInt32) -> NodeSession { NodeSession(local: self, uid: uid) }

    /// Logs the lookups of records not seen and the denials that are only counted so far (when `serve` stops).
    public func flush() throws {
        let ended = refusals.ended(before: .max)
        if !ended.isEmpty { try service.with { try $0.logLocalSummaries(ended) } }
    }
}

/// Remembered request results are kept this long (a retry comes within seconds; an officer checking later
/// within days).
let requestMemoryMillis: Int64 = 7 * 24 * 3600 * 1000

public struct NodeSession: NodeAPI, Sendable {
    let local: LocalNode
    public let uid: UInt32

    /// Runs `body` under the node's lock for the authenticated caller, after the policy allowed `operation`. A
    /// record looked up by id that is not held, or that the caller may not see, is answered alike (``Unseen``). A
    /// full disk (nothing was stored) is said as such, and for a read, that it was refused for its audit row.
    private func run<T: Sendable>(
        _ operation: LocalOperation, purpose: Purpose? = nil,
        _ body: (Node, Caller) throws -> T
    ) throws -> T {
        let began = DispatchTime.now().uptimeNanoseconds
        do {
            return try local.service.with { node in
                do {
                    return try authorised(node, operation, purpose, body)
                } catch let error as SQLiteError where error.isDiskFull {
                    let read = operation.permission == .readRecords || operation.permission == .readLog
                    throw APIError(.failed, node.diskFullMessage(read: read))
                }
            }
        } catch let answer as Unseen.Answer {
            // Outside the lock: both kinds take as long to answer, whatever finding and logging them cost.
            let ready = began + LocalNode.unseenAnswerNanoseconds, now = DispatchTime.now().uptimeNanoseconds
            if ready > now { Thread.sleep(forTimeInterval: Double(ready - now) / 1e9) }
            throw answer.error
        }
    }

    /// `run`'s work under the lock: authenticate, ask the policy, do `body`, and log a lookup of a record unseen or
    /// a denial.
    private func authorised<T>(
        _ node: Node, _ operation: LocalOperation, _ purpose: Purpose?, _ body: (Node, Caller) throws -> T
    ) throws -> T {
        try node.logLocalSummaries(local.refusals.ended(before: node.now()))
        let caller = try node.authenticate(uid: uid, nodeAccount: local.nodeAccount)
        node.store.actor = caller.actor
        defer { node.store.actor = nil }
        do {
            if let permission = operation.permission {
                try node.enforce(caller, permission, operation, purpose: purpose)
            }
            return try body(node, caller)
        } catch let unseen as Unseen {
            try node.logUnseen(unseen, caller, operation, purpose: purpose, in: local.refusals)
            throw Unseen.Answer(error: unseen.answer(to: caller))
        } catch let denial as Denial {
            try node.logDenial(denial, caller, in: local.refusals)
            throw APIError(.denied, denial.message)
        }
    }

    /// Does a write once per request id (inside `run`'s lock): the remembered result, or `check` (the policy's
    /// record-level questions, whose `deny` rows must survive a refusal) and then the work and its result remembered
    /// in one transaction.
    private func once<R: LocalMessage>(
        _ operation: LocalOperation, _ requestID: String, _ request: JSONValue,
        _ node: Node, _ caller: Caller, check: () throws -> Void = {},
        _ work: () throws -> R
    ) throws -> R {
        let digest = SHA256Digest.hash(request.canonicalBytes).hex
        // Kept by caller: another account's ids are not this one's to learn of, or to be refused by.
        let key = "\(caller.uid)/\(caller.account)/\(requestID)"
        if let seen = try node.store.rememberedRequest(key) {
            guard seen.uid == caller.uid, seen.operation == operation.rawValue, seen.digest == digest else {
                throw APIError(.conflict, "request id \(requestID) was already used for a different request")
            }
            return try R(json: seen.result)
        }
        try check()
        return try node.store.transaction {
            let result = try work()
            let at = node.now()
            try node.store.rememberRequest(
                id: key, uid: caller.uid, operation: operation.rawValue,
                digest: digest, result: result.json, at: at,
                keepAfter: at - requestMemoryMillis)
            return result
        }
    }

    /// A write that lowers the marking of `state` or widens its audience needs `declassify` as well.
    private func declassifying(
        _ node: Node, _ caller: Caller, _ state: RecordState, _ classification: Classification?,
        _ audience: Audience?, _ operation: LocalOperation
    ) throws {
        guard try node.loosens(state, classification: classification, audience: audience) else { return }
        try node.enforce(caller, .declassify, operation, purpose: nil, record: (state.id, node.facts(state)))
    }

    /// Wakes the replication workers after a write that added entries.
    private func pushed<T>(_ value: T) -> T {
        local.replicator?.notify()
        return value
    }

    // MARK: Who and what

    public func whoami() throws -> CallerView {
        try local.service.with { node in CallerView(try node.authenticate(uid: uid, nodeAccount: local.nodeAccount)) }
    }

    public func status() throws -> StatusResponse {
        try run(.status) { node, _ in
            StatusResponse(
                try node.status(), groups: node.config.groups, authority: node.config.authority,
                clock: try node.clockView(), disk: node.disk(), warnings: try node.warnings())
        }
    }

    // MARK: Records

    public func query(_ request: QueryRequest) throws -> RecordsResponse {
        try run(.query, purpose: request.purpose) { node, caller in
            let (records, clusters) = try node.query(request.recordQuery, caller, request.purpose)
            return RecordsResponse(records: records, clusters: clusters)
        }
    }

    public func show(_ request: RecordRequest) throws -> RecordResponse {
        try run(.recordShow, purpose: request.purpose) { node, caller in
            let record = try node.show(request.record, caller, request.purpose)
            return RecordResponse(record: record, cluster: try node.clusterView(of: record.id, caller, request.purpose))
        }
    }

    public func history(_ request: RecordRequest) throws -> HistoryResponse {
        try run(.recordHistory, purpose: request.purpose) { node, caller in
            HistoryResponse(entries: try node.history(request.record, caller, request.purpose))
        }
    }

    public func create(_ request: CreateRequest) throws -> WriteResult {
        pushed(
            try run(.recordNew) { node, caller in
                guard request.type != .link else { throw APIError(.failed, Self.linkWrites) }
                // The same natural key as a record held here merges into it: only for a caller who may see that record.
                // (A record without a natural key gets a new random id, so it never merges.)
                let id = RecordID.naturalID(type: request.type, document: request.document)
                let existing = try id.flatMap { try node.store.recordState($0) }
                return try once(
                    .recordNew, request.requestId, request.json, node, caller,
                    check: {
                        if let existing {
                            try node.enforce(
                                caller, .writeRecords, .recordNew, purpose: nil,
                                record: (existing.id, node.facts(existing)))
                            try declassifying(
                                node, caller, existing, request.classification, request.audience, .recordNew)
                        }
                    }
                ) {
                    WriteResult(
                        try node.create(
                            type: request.type, document: request.document,
                            classification: request.classification, audience: request.audience,
                            officer: caller.officer?.collar ?? caller.account),
                        merged: existing != nil)
                }
            })
    }

    public func update(_ request: UpdateRequest) throws -> WriteResult {
        pushed(
            try run(.recordUpdate) { node, caller in
                guard RecordType(recordID: request.record) != .link else { throw APIError(.failed, Self.linkWrites) }
                return try once(
                    .recordUpdate, request.requestId, request.json, node, caller,
                    check: {
                        let state = try node.visibleRecord(
                            request.record, caller, .writeRecords, .recordUpdate, purpose: nil)
                        try declassifying(node, caller, state, request.classification, request.audience, .recordUpdate)
                    }
                ) {
                    WriteResult(
                        try node.update(
                            recordID: request.record, patch: request.patch,
                            classification: request.classification, audience: request.audience,
                            officer: caller.officer?.collar ?? caller.account))
                }
            })
    }

    public func erase(_ request: EraseRequest) throws -> WriteResult {
        pushed(
            try run(.recordErase) { node, caller in
                try TextRules.check(request.reason, what: "the erasure reason", maxLength: 500)
                return try once(
                    .recordErase, request.requestId, request.json, node, caller,
                    check: {
                        _ = try node.visibleRecord(request.record, caller, .eraseRecords, .recordErase, purpose: nil)
                    }
                ) {
                    let result = try node.erase(
                        recordID: request.record, reason: request.reason,
                        officer: caller.officer?.collar ?? caller.account)
                    return WriteResult(
                        result.entry, droppedPayloads: Int64(result.droppedPayloads), recordErased: result.recordErased)
                }
            })
    }

    static let linkWrites = "same-as links are written with 'interforce link same-as' and 'interforce link remove'"

    /// A link or its removal: the caller must be allowed to write to both records and see them (a record not held
    /// and one the caller may not see are answered alike, as for any lookup), then Node+Links.swift's own rules.
    public func link(_ request: LinkRequest) throws -> WriteResult {
        do { return try linkOnce(request) } catch let refusal as LinkRefusal {
            throw APIError(.failed, refusal.description)
        }
    }

    private func linkOnce(_ request: LinkRequest) throws -> WriteResult {
        pushed(
            try run(.link) { node, caller in
                try once(
                    .link, request.requestId, request.json, node, caller,
                    check: {
                        // What the ids and the reason alone decide comes first: it tells nothing of what is held.
                        if let problem = LinkRules.pairProblem(request.records[0], request.records[1]),
                           request.records.allSatisfy(Identifiers.isRecordID) {
                            throw LinkRefusal(problem)
                        }
                        if let problem = LinkRules.reasonProblem(request.reason) {
                            throw LinkRefusal("link-reason", "link reason \(problem)")
                        }
                        for id in request.records where Identifiers.isRecordID(id) {
                            _ = try node.visibleRecord(id, caller, .writeRecords, .link, purpose: nil)
                        }
                    }
                ) {
                    let (a, b) = (request.records[0], request.records[1])
                    let officer = caller.officer?.collar ?? caller.account
                    switch request.action {
                    case .sameAs:
                        return WriteResult(
                            try node.link(a, b, reason: request.reason, audience: request.audience, officer: officer))
                    case .remove:
                        return WriteResult(try node.unlink(a, b, reason: request.reason, officer: officer))
                    }
                }
            })
    }

    public func dedupScan(_ request: DedupScanRequest) throws -> DedupScanResponse {
        try run(.dedupScan, purpose: request.purpose) { node, caller in
            try node.dedupScan(request.type, limit: request.limit, caller, request.purpose)
        }
    }

    public func watch(_ request: WatchRequest) throws -> Page<WatchEvent> {
        try run(.watch, purpose: request.purpose) { node, caller in
            if let record = request.record {
                _ = try node.visibleRecord(record, caller, .readRecords, .watch, purpose: request.purpose)
            }
            try node.logRead("read", request.purpose, record: request.record, detail: ["view": "watch"])
            let head = try node.store.logHead()
            let cursor = local.cursors.withLock {
                $0.open(caller.principal, .watch(after: head, record: request.record))
            }
            return Page(items: [], cursor: cursor)
        }
    }

    public func nextEvents(_ request: NextRequest) throws -> Page<WatchEvent> {
        try run(.watchNext) { node, caller in
            guard
                case .watch(let after, let record) = try local.cursors.withLock({
                    try $0.take(request.cursor, caller.principal)
                })
            else { throw APIError(.notFound, "cursor \(request.cursor) is not a watch") }
            let (events, head) = try node.watchPage(after: after, record: record, caller: caller)
            local.cursors.withLock { $0.put(request.cursor, caller.principal, .watch(after: head, record: record)) }
            return Page(items: events, cursor: request.cursor)
        }
    }

    // MARK: Entries

    public func exportEntries(_ request: EntriesExportRequest) throws -> Page<Delivery> {
        try run(.entriesExport, purpose: request.purpose) { node, caller in
            let feeds = try request.feed.map { [$0] } ?? node.store.versionVector().keys.sorted()
            try node.logRead(
                "export", request.purpose, record: nil,
                detail: [
                    "feed": opt(request.feed),
                    "count": .int(try node.store.entryCount(author: request.feed, after: request.after)),
                ])
            return try entriesPage(node, caller, feeds: feeds, index: 0, after: request.after, cursor: nil)
        }
    }

    public func nextEntries(_ request: NextRequest) throws -> Page<Delivery> {
        try run(.entriesNext) { node, caller in
            guard
                case .entries(let feeds, let index, let after) = try local.cursors.withLock({
                    try $0.take(request.cursor, caller.principal)
                })
            else { throw APIError(.notFound, "cursor \(request.cursor) is not an entries export") }
            return try entriesPage(node, caller, feeds: feeds, index: index, after: after, cursor: request.cursor)
        }
    }

    private func entriesPage(
        _ node: Node, _ caller: Caller, feeds: [String], index: Int, after: Int64,
        cursor: String?
    ) throws -> Page<Delivery> {
        let (items, next) = try node.exportPage(
            feeds: feeds, index: index, after: after, caller: caller,
            limit: local.pageLimit)
        guard let next else { return Page(items: items, cursor: nil) }
        let kind = CursorTable.Kind.entries(feeds: feeds, index: next.index, after: next.after)
        let id = local.cursors.withLock { table in
            if let cursor {
                table.put(cursor, caller.principal, kind)
                return cursor
            }
            return table.open(caller.principal, kind)
        }
        return Page(items: items, cursor: id)
    }

    public func ingest(_ request: IngestRequest) throws -> IngestReport {
        pushed(
            try run(.entriesIngest) { node, caller in
                try once(.entriesIngest, request.requestId, request.json, node, caller) {
                    try node.ingestLines(request.lines, firstLine: request.firstLine, peer: request.peer)
                }
            })
    }

    // MARK: Audit

    /// Under the node's lock only the policy and the read's own row: the rows are read on a connection of their own
    /// (WAL: it sees every commit up to its start, that row included, and does not hold up the writer), so an
    /// auditor's pages do not hold up the node's peers and other callers. An in-memory store has no second
    /// connection, and is read under the lock.
    public func auditLog(_ request: AuditLogRequest) throws -> LogRowsResponse {
        let path = try run(.auditLog, purpose: request.purpose) { node, _ -> String? in
            var detail: JSONValue = ["view": "log"]
            if let before = request.filter.before { detail = ["view": "log", "before": .int(before)] }
            try node.logRead("audit", request.purpose, record: request.filter.record, detail: detail)
            return node.store.path == ":memory:" ? nil : node.store.path
        }
        guard let path else {
            return LogRowsResponse(rows: try local.service.with { try $0.store.logRows(request.filter) })
        }
        return LogRowsResponse(rows: try Store(path: path, readOnly: true).logRows(request.filter))
    }

    public func exportLog(_ request: PurposeRequest) throws -> Page<LogRow> {
        try run(.auditExport, purpose: request.purpose) { node, caller in
            try node.logRead("audit", request.purpose, record: nil, detail: ["view": "export"])
            return try logPage(node, caller, after: 0, until: try node.store.logHead(), cursor: nil)
        }
    }

    public func nextLogRows(_ request: NextRequest) throws -> Page<LogRow> {
        try run(.auditNext) { node, caller in
            guard
                case .log(let after, let until) = try local.cursors.withLock({
                    try $0.take(request.cursor, caller.principal)
                })
            else { throw APIError(.notFound, "cursor \(request.cursor) is not an audit export") }
            return try logPage(node, caller, after: after, until: until, cursor: request.cursor)
        }
    }

    private func logPage(
        _ node: Node, _ caller: Caller, after: Int64, until: Int64, cursor: String?
    ) throws -> Page<LogRow> {
        let (rows, next) = try node.logPage(after: after, until: until, limit: local.pageLimit)
        guard let next else { return Page(items: rows, cursor: nil) }
        let id = local.cursors.withLock { table in
            if let cursor {
                table.put(cursor, caller.principal, .log(after: next, until: until))
                return cursor
            }
            return table.open(caller.principal, .log(after: next, until: until))
        }
        return Page(items: rows, cursor: id)
    }

    public func verify() throws -> VerifyReport {
        try run(.auditVerify) { node, caller in VerifyReport(try node.verify(officer: caller.officer?.collar)) }
    }

    public func checkpoint(_ request: CheckpointRequest) throws -> CheckpointResult {
        try run(.auditCheckpoint) { node, caller in
            try once(.auditCheckpoint, request.requestId, request.json, node, caller) {
                CheckpointResult(seq: try node.checkpoint())
            }
        }
    }

    // MARK: Federation

    public func peers() throws -> PeersListResponse {
        try run(.peersList) { node, _ in
            guard let m = node.membership else { throw NodeError("no membership installed") }
            return PeersListResponse(
                federation: m.federation, version: m.version,
                members: m.members.map { member in
                    .init(
                        force: member.force, groups: member.groups, endpoint: member.endpoint,
                        link: member.force == node.config.force
                            ? "self"
                            : (node.config.peers.contains(member.force) ? "peer" : "-"))
                })
        }
    }

    public func peersStatus() throws -> PeersStatusResponse {
        try run(.peersStatus) { node, _ in
            let (peers, warnings) = try node.peerViews()
            return PeersStatusResponse(peers: peers, forks: try node.forks().map(ForkView.init), warnings: warnings)
        }
    }

    public func sync(_ request: SyncRequest) throws -> SyncResult {
        try run(.sync) { _, _ in }
        // Outside the lock: the replication workers need the node while we wait for them.
        guard let replicator = local.replicator else {
            throw NodeError("sync needs a running node: start 'interforce serve' first")
        }
        let errors = replicator.syncNow(timeoutSeconds: Double(request.timeoutSeconds))
        // A fork is not "in sync", whatever the exchange did: the answer names every fork held.
        return SyncResult(errors: errors, forks: try replicator.forks().map(ForkView.init))
    }

    public func installMembership(_ request: MembershipInstallRequest) throws -> MembershipInstallResult {
        defer { try? local.replicator?.reconcile() }   // peers follow the membership, at once
        return pushed(
            try run(.membershipInstall) { node, caller in
                let previous = node.membership?.version
                return try once(
                    .membershipInstall, request.requestId, request.json, node, caller,
                    check: {
                        // A document that does not verify, or undoes a revocation, is refused and logged here,
                        // outside the remembered write, so the refusal's log row is not rolled back with it.
                        if !node.verifiesMembership(request.membership) {
                            _ = try node.installMembership(
                                request.membership, source: nil, officer: caller.officer?.collar)
                        }
                    }
                ) {
                    let m = request.membership.membership
                    let installed = try node.installMembership(
                        request.membership, source: nil,
                        officer: caller.officer?.collar)
                    let held = installed ? nil : try node.signedMembership()
                    let same = held?.json.canonicalBytes == request.membership.json.canonicalBytes
                    return MembershipInstallResult(
                        installed: installed, alreadyInstalled: same, version: m.version,
                        previous: installed ? previous : node.membership?.version,
                        forces: Int64(m.members.count))
                }
            })
    }

    public func trust(_ request: TrustRequest) throws -> TrustResult {
        try run(.trustAdd) { node, caller in
            try once(.trustAdd, request.requestId, request.json, node, caller) {
                try node.trust(
                    request.key, feed: request.feed, fromSeq: request.fromSeq, untilSeq: request.untilSeq,
                    officer: caller.officer?.collar)
                return TrustResult(feed: request.feed, key: request.key.hex)
            }
        }
    }

    public func changePeers(_ request: PeersChangeRequest) throws -> PeersChangeResult {
        let result = try run(.peersChange) { node, caller in
            try once(.peersChange, request.requestId, request.json, node, caller) {
                let peers = try node.changePeers(add: request.add, force: request.force, officer: caller.officer?.collar)
                return PeersChangeResult(peers: peers, active: node.activePeers().map(\.force),
                                         warnings: node.nonMemberPeerWarnings())
            }
        }
        // The workers follow at once (outside the lock: stopping a worker waits for its exchange).
        try local.replicator?.reconcile()
        return result
    }

    // MARK: Officers

    public func addOfficer(_ request: OfficerAddRequest) throws -> OfficerResponse {
        try run(.officerAdd) { node, caller in
            try once(.officerAdd, request.requestId, request.json, node, caller) {
                guard let accountUID = Node.uid(ofAccount: request.account) else {
                    throw NodeError("there is no Unix account '\(request.account.prefix(40))' on this system")
                }
                let officer = try Officer(
                    account: request.account, uid: accountUID, collar: request.collar,
                    name: request.name, force: request.force ?? node.config.force,
                    roles: Set(request.roles), clearance: request.clearance)
                return OfficerResponse(officer: try node.register(officer))
            }
        }
    }

    public func disableOfficer(_ request: OfficerDisableRequest) throws -> OfficerResponse {
        try run(.officerDisable) { node, caller in
            try once(.officerDisable, request.requestId, request.json, node, caller) {
                OfficerResponse(officer: try node.disable(account: request.account))
            }
        }
    }

    public func showOfficer(_ request: OfficerShowRequest) throws -> OfficerResponse {
        try run(.officerShow) { node, caller in
            let account = request.account ?? caller.account
            // Anyone registered may see their own registration; anything else is administration.
            if account != caller.account || caller.officer == nil {
                try node.enforce(caller, .administer, .officerShow, purpose: nil)
            }
            return OfficerResponse(officer: try node.registeredOfficer(account))
        }
    }

    public func listOfficers() throws -> OfficersResponse {
        try run(.officerList) { node, _ in OfficersResponse(officers: try node.registeredOfficers()) }
    }
}

/// Open cursors of long answers, each bound to the caller that opened it: the uid, its account name and the
/// registration in force (``Caller/Principal``). At most 32 per caller and 256 in all are kept; one unused for 15
/// minutes is forgotten, and the caller's own oldest (or, when the table is full, the oldest) goes first, so no
/// caller can push out another's cursors by opening many.
struct CursorTable: Sendable {
    enum Kind: Sendable {
        case watch(after: Int64, record: String?)
        case entries(feeds: [String], index: Int, after: Int64)
        case log(after: Int64, until: Int64)
    }

    struct Cursor: Sendable {
        let owner: Caller.Principal
        var kind: Kind
        var used: UInt64
    }

    static let capacity = 256
    static let perCaller = 32
    static let idleNanoseconds: UInt64 = 15 * 60 * 1_000_000_000
    private var open: [String: Cursor] = [:]

    private static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    mutating func open(_ owner: Caller.Principal, _ kind: Kind) -> String {
        let now = Self.now
        open = open.filter { now - $0.value.used < Self.idleNanoseconds }
        let own = open.filter { $0.value.owner == owner }
        if own.count >= Self.perCaller, let oldest = own.min(by: { $0.value.used < $1.value.used })?.key {
            open[oldest] = nil
        } else if open.count >= Self.capacity, let oldest = open.min(by: { $0.value.used < $1.value.used })?.key {
            open[oldest] = nil
        }
        let id = Hex.encode(Random.bytes(16))
        open[id] = Cursor(owner: owner, kind: kind, used: now)
        return id
    }

    /// The cursor's state, if it exists, is the caller's and has not expired.
    func take(_ id: String, _ owner: Caller.Principal) throws -> Kind {
        guard let cursor = open[id], cursor.owner == owner, Self.now - cursor.used < Self.idleNanoseconds else {
            throw APIError(.notFound, "cursor \(id) is unknown, expired, or not yours")
        }
        return cursor.kind
    }

    mutating func put(_ id: String, _ owner: Caller.Principal, _ kind: Kind) {
        open[id] = Cursor(owner: owner, kind: kind, used: Self.now)
    }
}

extension Node {
    /// Whether `signed` verifies against the configured federation authority.
    /// Whether `installMembership` would neither refuse `signed` for its signature nor for undoing a revocation
    /// (both refusals are logged).
    func verifiesMembership(_ signed: SignedMembership) -> Bool {
        guard let hex = config.authority, let authority = try? PublicKey(hex: hex) else { return false }
        if let current = membership, signed.membership.version > current.version,
           !signed.membership.unauthorisedWeakenings(since: current).isEmpty { return false }
        return signed.verify(authority: authority)
    }

    /// Admits the entries of JSON lines numbered from `firstLine` (`entries ingest`): a line that does not parse is
    /// rejected as malformed and logged; the rest are ingested in one transaction.
    func ingestLines(_ lines: [String], firstLine: Int64, peer: String?) throws -> IngestReport {
        var parsed: [(line: Int64, delivery: Delivery)] = []
        var results: [IngestOutcomeView] = []
        for (i, text) in lines.enumerated() {
            let line = firstLine + Int64(i)
            do {
                parsed.append((line, try Delivery(json: try JSONValue(parsing: Array(text.utf8)))))
            } catch {
                let rejection = (error as? Rejection) ?? Rejection(.malformed, "line \(line): \(error)")
                try logRejection(rejection, peer: peer)
                results.append(
                    IngestOutcomeView(
                        line: line, feed: nil, seq: nil, entry: nil, outcome: "rejected",
                        reason: rejection.code.rawValue, message: rejection.message))
            }
        }
        for ((line, delivery), outcome) in zip(parsed, try ingest(parsed.map(\.delivery), peer: peer)) {
            var entry: String?
            if case .entry(let envelope) = delivery { entry = envelope.entry.hash.hex }
            let (name, reason, message): (String, String?, String?) =
                switch outcome {
                case .accepted: ("accepted", nil, nil)
                case .duplicate: ("duplicate", nil, nil)
                case .withheld: ("withheld", nil, nil)
                case .rejected(let why): ("rejected", why.code.rawValue, why.message)
                }
            results.append(
                IngestOutcomeView(
                    line: line, feed: delivery.author, seq: delivery.seq, entry: entry,
                    outcome: name, reason: reason, message: message))
        }
        return IngestReport(results: results.sorted { $0.line < $1.line })
    }
}
