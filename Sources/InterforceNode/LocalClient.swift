// The CLI's side of the local socket: `NodeAPI` as typed JSON requests to a running `serve` (LocalAPIServer.swift).
//
// What can go wrong is told apart by when it happens. If nothing accepts a connection on the socket, no node is
// running and nothing was sent (`LocalClient.connect` returns nil). Once a request has been sent, a failure to get
// its answer means the CLI cannot tell whether the node did it: for a write that is `OutcomeUnknown`, naming the
// request id so the same write can be asked again safely; the CLI never falls back to doing it itself.

import Foundation
import InterforceCore
import InterforceStore
import InterforceTransport

#if canImport(Glibc)
import Glibc
#endif

/// A write was sent but no answer came: it may or may not have been done.
public struct OutcomeUnknown: Error, CustomStringConvertible, Sendable {
    public let requestId: String
    public let reason: String
    public var description: String {
        "could not tell whether the node did it (\(reason)); its request id is \(requestId): run the same command "
            + "again with --request-id \(requestId) to get its result, or to do it if it was not done"
    }
}

public final class LocalClient: NodeAPI, Sendable {
    public let socket: String
    /// Sends one request; replaced in tests to put the wire between a client and an in-process session.
    let transport: @Sendable (LocalOperation, [UInt8]) throws -> (status: Int, body: [UInt8])

    /// A client for the node listening on `socket`, or nil when none is: the socket file is missing, or nobody
    /// accepts on it (a node that stopped without removing it). Other failures to connect (no permission) throw.
    public static func connect(socket: String) throws -> LocalClient? {
        guard try isListening(socket) else { return nil }
        var policy = ClientPolicy()
        policy.connectTimeoutMilliseconds = 2000
        policy.totalTimeoutMilliseconds = 700_000  // longer than the longest sync
        policy.retries = 0
        let client = try PeerClient(unixSocketPath: socket, policy: policy)
        return LocalClient(socket: socket) { operation, body in
            let response = try client.send(
                ClientRequest(
                    method: "POST", path: "/local/v1/" + operation.rawValue,
                    headers: [("Content-Type", "application/json")], body: body))
            return (response.status, response.body)
        }
    }

    /// A client whose requests go to `transport` (a socket, or in tests a server's `respond` directly).
    public init(
        socket: String,
        transport: @escaping @Sendable (LocalOperation, [UInt8]) throws -> (status: Int, body: [UInt8])
    ) {
        self.socket = socket
        self.transport = transport
    }

    /// Whether a process accepts connections on `path`.
    static func isListening(_ path: String) throws -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw NodeError("socket path is too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NodeError("socket(AF_UNIX): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if connected == 0 { return true }
        let code = errno
        if code == ENOENT || code == ECONNREFUSED { return false }
        if code == EACCES || code == EPERM {
            throw NodeError(
                "cannot connect to \(path): permission denied (the socket is for the node's account and "
                    + "its officers' group)")
        }
        throw NodeError("cannot connect to \(path): \(String(cString: strerror(code)))")
    }

    /// Sends `request` as `operation` and decodes the answer.
    func call<Response: LocalMessage>(
        _ operation: LocalOperation, _ request: some LocalMessage,
        requestId: String? = nil
    ) throws -> Response {
        let answer: (status: Int, body: [UInt8])
        do { answer = try transport(operation, request.json.canonicalBytes) } catch {
            if let requestId { throw OutcomeUnknown(requestId: requestId, reason: "\(error)") }
            throw NodeError("the node at \(socket) did not answer: \(error)")
        }
        guard let json = try? JSONValue(parsing: answer.body) else {
            if let requestId { throw OutcomeUnknown(requestId: requestId, reason: "the answer is not JSON") }
            throw NodeError("the node answered HTTP \(answer.status) with something that is not JSON")
        }
        guard answer.status == 200 else {
            let code = json["error"]?.string.flatMap(APIError.Code.init(rawValue:)) ?? .internal
            throw APIError(code, json["message"]?.string ?? "the node answered HTTP \(answer.status)")
        }
        do { return try Response(json: json) } catch {
            throw NodeError("the node's answer to \(operation.rawValue) is not what was expected: \(error.message)")
        }
    }

    public func whoami() throws -> CallerView { try call(.whoami, Empty()) }
    public func status() throws -> StatusResponse { try call(.status, Empty()) }
    public func query(_ r: QueryRequest) throws -> RecordsResponse { try call(.query, r) }
    public func show(_ r: RecordRequest) throws -> RecordResponse { try call(.recordShow, r) }
    public func history(_ r: RecordRequest) throws -> HistoryResponse { try call(.recordHistory, r) }
    public func create(_ r: CreateRequest) throws -> WriteResult { try call(.recordNew, r, requestId: r.requestId) }
    public func update(_ r: UpdateRequest) throws -> WriteResult { try call(.recordUpdate, r, requestId: r.requestId) }
    public func erase(_ r: EraseRequest) throws -> WriteResult { try call(.recordErase, r, requestId: r.requestId) }
    public func link(_ r: LinkRequest) throws -> WriteResult { try call(.link, r, requestId: r.requestId) }
    public func dedupScan(_ r: DedupScanRequest) throws -> DedupScanResponse { try call(.dedupScan, r) }
    public func watch(_ r: WatchRequest) throws -> Page<WatchEvent> { try call(.watch, r) }
    public func nextEvents(_ r: NextRequest) throws -> Page<WatchEvent> { try call(.watchNext, r) }
    public func exportEntries(_ r: EntriesExportRequest) throws -> Page<Delivery> { try call(.entriesExport, r) }
    public func nextEntries(_ r: NextRequest) throws -> Page<Delivery> { try call(.entriesNext, r) }
    public func ingest(_ r: IngestRequest) throws -> IngestReport {
        try call(.entriesIngest, r, requestId: r.requestId)
    }
    public func auditLog(_ r: AuditLogRequest) throws -> LogRowsResponse { try call(.auditLog, r) }
    public func exportLog(_ r: PurposeRequest) throws -> Page<LogRow> { try call(.auditExport, r) }
    public func nextLogRows(_ r: NextRequest) throws -> Page<LogRow> { try call(.auditNext, r) }
    public func verify() throws -> VerifyReport { try call(.auditVerify, Empty()) }
    public func checkpoint(_ r: CheckpointRequest) throws -> CheckpointResult {
        try call(.auditCheckpoint, r, requestId: r.requestId)
    }
    public func peers() throws -> PeersListResponse { try call(.peersList, Empty()) }
    public func peersStatus() throws -> PeersStatusResponse { try call(.peersStatus, Empty()) }
    public func sync(_ r: SyncRequest) throws -> SyncResult { try call(.sync, r) }
    public func installMembership(_ r: MembershipInstallRequest) throws -> MembershipInstallResult {
        try call(.membershipInstall, r, requestId: r.requestId)
    }
    public func trust(_ r: TrustRequest) throws -> TrustResult { try call(.trustAdd, r, requestId: r.requestId) }
    public func changePeers(_ r: PeersChangeRequest) throws -> PeersChangeResult {
        try call(.peersChange, r, requestId: r.requestId)
    }
    public func addOfficer(_ r: OfficerAddRequest) throws -> OfficerResponse {
        try call(.officerAdd, r, requestId: r.requestId)
    }
    public func disableOfficer(_ r: OfficerDisableRequest) throws -> OfficerResponse {
        try call(.officerDisable, r, requestId: r.requestId)
    }
    public func showOfficer(_ r: OfficerShowRequest) throws -> OfficerResponse { try call(.officerShow, r) }
    public func listOfficers() throws -> OfficersResponse { try call(.officerList, Empty()) }
}
