// The node's side of the local socket: `POST /local/v1/<operation>` with the operation's request as JSON, answered
// with its response as JSON, or an error `{"error", "message"}` (docs/PROTOCOL.md §10). The caller is the uid the
// kernel reports for the connection; a connection whose credentials cannot be read is refused. The same
// dispatch (`perform`) serves any `NodeAPI`, so a test can put the wire's encoding between a client and an
// in-process session without a socket.
//
// The server shuts down a connection of an account that already holds its share of the socket's connections
// (`ServerLimits.maxConnectionsPerAccount`), one when the other accounts hold every slot not reserved for the node's
// own account, and one that does not deliver its request in time (AccountConnections.swift), and tells
// `refusedConnection`, which logs it through a `RefusalSummary`: the first of an account and reason in a minute as a
// `local-refused` row, the rest of the minute as one `refused-summary` row. The rows are written on a queue of their
// own, since the server calls from the thread that accepts every connection of the socket (or its watchdog).

import Foundation
public import InterforceCore
import InterforceStore
public import InterforceTransport

public final class LocalAPIServer: Sendable {
    let local: LocalNode
    let limits: ServerLimits
    let refusals = RefusalSummary()
    let logging = DispatchQueue(label: "interforce-local-refusals")
    let now: @Sendable () -> Int64

    /// `limits` are the socket server's, for the messages.
    public init(local: LocalNode, limits: ServerLimits = ServerLimits()) throws {
        self.local = local
        self.limits = limits
        now = try local.service.with { $0.now }
    }

    /// The server shut down a connection of `peer`'s account, for `refusal`.
    public func refusedConnection(_ peer: LocalPeer, _ refusal: LocalRefusal) {
        let key = RefusalSummary.Key(remote: "uid \(peer.uid)", path: "node.sock", code: refusal.rawValue, peer: nil)
        let (inFull, ended) = refusals.note(key, at: now())
        guard inFull || !ended.isEmpty else { return }
        logging.async { [self] in
            try? local.service.with { node in
                try node.logLocalRefusals(ended)
                if inFull { try node.logLocalRefusal(uid: peer.uid, refusal, limits: limits) }
            }
        }
    }

    /// Writes what is queued, and the summaries of refusals only counted so far (when `serve` stops, after the
    /// server has).
    public func flush() throws {
        logging.sync {}
        let ended = refusals.ended(before: .max)
        if !ended.isEmpty { try local.service.with { try $0.logLocalRefusals(ended) } }
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard case .local(let peer?) = request.client else {
            return Self.error(APIError(.denied, "the node could not establish who is connecting"))
        }
        let prefix = "/local/v1/"
        guard request.path.hasPrefix(prefix),
            let operation = LocalOperation(rawValue: String(request.path.dropFirst(prefix.count)))
        else { return Self.error(APIError(.notFound, "no operation \(request.path.prefix(80))")) }
        guard request.method == "POST" else {
            return Self.error(APIError(.notFound, "\(request.method.prefix(10)) not allowed: operations are POST"))
        }
        let (status, body) = respond(operation, body: request.body, uid: peer.uid)
        return .json(status, body)
    }

    /// One operation for the process `uid`: status and JSON body.
    public func respond(_ operation: LocalOperation, body: [UInt8], uid: UInt32) -> (status: Int, body: [UInt8]) {
        let json: JSONValue
        do { json = try JSONValue(parsing: body) } catch {
            return Self.failure(APIError(.malformed, "\(operation.rawValue): the request is not valid JSON (\(error))"))
        }
        do {
            return (200, try local.session(uid: uid).perform(operation, json).canonicalBytes)
        } catch {
            return Self.failure(Self.apiError(error, operation))
        }
    }

    /// The wire form of any error an operation throws.
    static func apiError(_ error: any Error, _ operation: LocalOperation) -> APIError {
        switch error {
        case let e as APIError: e
        case let e as NodeError: APIError(.failed, e.message)
        case let e as Rejection: APIError(.failed, e.message)
        case let e as ModelError: APIError(.failed, e.message)
        case let e as StoreError: APIError(.failed, e.message)
        default: APIError(.internal, "\(operation.rawValue): \(error)")
        }
    }

    static func failure(_ error: APIError) -> (status: Int, body: [UInt8]) {
        (
            error.status,
            JSONValue.object(["error": .string(error.code.rawValue), "message": .string(error.message)])
                .canonicalBytes
        )
    }

    static func error(_ error: APIError) -> HTTPResponse {
        let (status, body) = failure(error)
        return .json(status, body)
    }
}

extension NodeAPI {
    /// Decodes `request` as `operation`'s request, performs it, and encodes the response. A request that is not
    /// the operation's message is `malformed`.
    public func perform(_ operation: LocalOperation, _ request: JSONValue) throws -> JSONValue {
        func decode<M: LocalMessage>(_ type: M.Type) throws -> M {
            do { return try M(json: request) } catch { throw APIError(.malformed, error.message) }
        }
        switch operation {
        case .whoami:
            _ = try decode(Empty.self)
            return try whoami().json
        case .status:
            _ = try decode(Empty.self)
            return try status().json
        case .query: return try query(decode(QueryRequest.self)).json
        case .recordShow: return try show(decode(RecordRequest.self)).json
        case .recordHistory: return try history(decode(RecordRequest.self)).json
        case .recordNew: return try create(decode(CreateRequest.self)).json
        case .recordUpdate: return try update(decode(UpdateRequest.self)).json
        case .recordErase: return try erase(decode(EraseRequest.self)).json
        case .link: return try link(decode(LinkRequest.self)).json
        case .dedupScan: return try dedupScan(decode(DedupScanRequest.self)).json
        case .watch: return try watch(decode(WatchRequest.self)).json
        case .watchNext: return try nextEvents(decode(NextRequest.self)).json
        case .entriesExport: return try exportEntries(decode(EntriesExportRequest.self)).json
        case .entriesNext: return try nextEntries(decode(NextRequest.self)).json
        case .entriesIngest: return try ingest(decode(IngestRequest.self)).json
        case .auditLog: return try auditLog(decode(AuditLogRequest.self)).json
        case .auditExport: return try exportLog(decode(PurposeRequest.self)).json
        case .auditNext: return try nextLogRows(decode(NextRequest.self)).json
        case .auditVerify:
            _ = try decode(Empty.self)
            return try verify().json
        case .auditCheckpoint: return try checkpoint(decode(CheckpointRequest.self)).json
        case .peersList:
            _ = try decode(Empty.self)
            return try peers().json
        case .peersStatus:
            _ = try decode(Empty.self)
            return try peersStatus().json
        case .sync: return try sync(decode(SyncRequest.self)).json
        case .membershipInstall: return try installMembership(decode(MembershipInstallRequest.self)).json
        case .trustAdd: return try trust(decode(TrustRequest.self)).json
        case .peersChange: return try changePeers(decode(PeersChangeRequest.self)).json
        case .officerAdd: return try addOfficer(decode(OfficerAddRequest.self)).json
        case .officerDisable: return try disableOfficer(decode(OfficerDisableRequest.self)).json
        case .officerShow: return try showOfficer(decode(OfficerShowRequest.self)).json
        case .officerList:
            _ = try decode(Empty.self)
            return try listOfficers().json
        }
    }
}

extension Node {
    /// The first connection of an account refused for `refusal` in a minute, in full, under that account and its
    /// officer: `limit` is the figure it ran into (connections, or seconds).
    func logLocalRefusal(uid: UInt32, _ refusal: LocalRefusal, limits: ServerLimits) throws {
        let account = Self.accountName(uid: uid)
        let (limit, message): (Int, String) =
            switch refusal {
            case .tooManyConnections:
                (limits.maxConnectionsPerAccount,
                 "account \(account) already held \(limits.maxConnectionsPerAccount) connections to the local socket, "
                    + "the most one account may; the new one was closed unread")
            case .socketFull:
                (limits.maxConnections - limits.reservedOwnerConnections,
                 "accounts other than the node's own already held \(limits.maxConnections - limits.reservedOwnerConnections) "
                    + "connections to the local socket, all that are not kept for the node's own account; the new one "
                    + "of \(account) was closed unread")
            case .headDeadline:
                (limits.admissionDeadlineSeconds,
                 "a connection of account \(account) did not send a whole request within "
                    + "\(limits.admissionDeadlineSeconds) s of connecting or of its last answer; it was closed")
            case .requestDeadline:
                (limits.requestDeadlineSeconds,
                 "a request of account \(account) was not done (its answer read) within \(limits.requestDeadlineSeconds) s "
                    + "of its head; its connection was closed")
            }
        try store.transaction {
            try store.appendLog(
                LogEvent(
                    kind: "local-refused", officer: try registeredCollar(account), account: account,
                    reason: refusal.rawValue,
                    detail: ["uid": .int(Int64(uid)), "limit": .int(Int64(limit)), "message": .string(message)]),
                at: now())
        }
    }

    /// One `refused-summary` row per account and reason of an ended minute: how many more of its connections were
    /// refused.
    func logLocalRefusals(_ ended: [(RefusalSummary.Key, RefusalSummary.Tally)]) throws {
        guard !ended.isEmpty else { return }
        try store.transaction {
            for (key, tally) in ended {
                let uid = key.remote.hasPrefix("uid ") ? UInt32(key.remote.dropFirst(4)) : nil
                let account = uid.map { Self.accountName(uid: $0) }
                try store.appendLog(
                    LogEvent(
                        kind: "refused-summary", officer: try account.flatMap(registeredCollar), account: account,
                        reason: key.code,
                        detail: [
                            "remote": "local", "path": .string(key.path), "code": .string(key.code),
                            "uid": uid.map { .int(Int64($0)) } ?? .null, "count": .int(Int64(tally.count)),
                            "from": .int(tally.from), "until": .int(tally.until),
                        ]), at: now())
            }
        }
    }

    /// The collar number registered for `account`, if any.
    func registeredCollar(_ account: String) throws -> String? {
        try store.officer(account: account).flatMap { try? Officer(json: $0.registration).collar }
    }
}
