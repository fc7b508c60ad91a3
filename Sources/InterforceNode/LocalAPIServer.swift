// The node's side of the local socket: `POST /local/v1/<operation>` with the operation's request as JSON, answered
// with its response as JSON, or an error `{"error", "message"}` (docs/PROTOCOL.md §10). The caller is the uid the
// kernel reports for the connection; a connection whose credentials cannot be read is refused. The same
// dispatch (`perform`) serves any `NodeAPI`, so a test can put the wire's encoding between a client and an
// in-process session without a socket.

public import InterforceCore
import InterforceStore
public import InterforceTransport

public final class LocalAPIServer: Sendable {
    let local: LocalNode

    public init(local: LocalNode) { self.local = local }

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
        case .officerAdd: return try addOfficer(decode(OfficerAddRequest.self)).json
        case .officerDisable: return try disableOfficer(decode(OfficerDisableRequest.self)).json
        case .officerShow: return try showOfficer(decode(OfficerShowRequest.self)).json
        case .officerList:
            _ = try decode(Empty.self)
            return try listOfficers().json
        }
    }
}
