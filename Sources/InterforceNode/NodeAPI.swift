// What the CLI asks of a node: one protocol, two implementations (decision 9).
//
// `NodeSession` is the node itself, in this process, acting for one authenticated caller: `serve` runs one per
// request that arrives on its local socket, and the CLI uses one directly when no node runs (only as the node's own
// account). `LocalClient` sends the same typed requests as JSON over `<data>/node.sock` to a running `serve`.
// The CLI parses arguments, calls this protocol and renders what comes back; nothing else of the node is open to
// it. Who the caller is never travels in a request: the node takes it from the kernel.
//
// Every write carries a client-chosen request id: a node that already did the write for that id answers with the
// first result instead of doing it again (at most once, whatever fails between commit and reply).
// The messages and their JSON are in LocalMessages.swift; the wire is documented in docs/PROTOCOL.md §10 and
// Schemas/local-api.schema.json.

import InterforceCore
public import InterforceStore

public protocol NodeAPI {
    /// Who the node takes the caller to be (any account that can connect).
    func whoami() throws -> CallerView
    func status() throws -> StatusResponse

    // Records
    func query(_ request: QueryRequest) throws -> RecordsResponse
    func show(_ request: RecordRequest) throws -> RecordResponse
    func history(_ request: RecordRequest) throws -> HistoryResponse
    func create(_ request: CreateRequest) throws -> WriteResult
    func update(_ request: UpdateRequest) throws -> WriteResult
    func erase(_ request: EraseRequest) throws -> WriteResult
    /// Links two records as one, or removes the link (Node+Links.swift).
    func link(_ request: LinkRequest) throws -> WriteResult
    /// Ranked pairs of suspected duplicates; never links.
    func dedupScan(_ request: DedupScanRequest) throws -> DedupScanResponse
    /// Starts following new entries; the page is empty and its cursor continues with ``nextEvents(_:)``.
    func watch(_ request: WatchRequest) throws -> Page<WatchEvent>
    func nextEvents(_ request: NextRequest) throws -> Page<WatchEvent>

    // Entries
    func exportEntries(_ request: EntriesExportRequest) throws -> Page<Delivery>
    func nextEntries(_ request: NextRequest) throws -> Page<Delivery>
    func ingest(_ request: IngestRequest) throws -> IngestReport

    // Audit
    func auditLog(_ request: AuditLogRequest) throws -> LogRowsResponse
    func exportLog(_ request: PurposeRequest) throws -> Page<LogRow>
    func nextLogRows(_ request: NextRequest) throws -> Page<LogRow>
    func verify() throws -> VerifyReport
    func checkpoint(_ request: CheckpointRequest) throws -> CheckpointResult

    // Federation
    func peers() throws -> PeersListResponse
    func peersStatus() throws -> PeersStatusResponse
    func sync(_ request: SyncRequest) throws -> SyncResult
    func installMembership(_ request: MembershipInstallRequest) throws -> MembershipInstallResult
    func trust(_ request: TrustRequest) throws -> TrustResult
    func changePeers(_ request: PeersChangeRequest) throws -> PeersChangeResult

    // Officers
    func addOfficer(_ request: OfficerAddRequest) throws -> OfficerResponse
    func disableOfficer(_ request: OfficerDisableRequest) throws -> OfficerResponse
    func showOfficer(_ request: OfficerShowRequest) throws -> OfficerResponse
    func listOfficers() throws -> OfficersResponse
}

/// The local API's operations: their names on the wire (`POST /local/v1/<name>`), the permission each needs,
/// and whether it is a write that carries a request id.
public enum LocalOperation: String, CaseIterable, Sendable {
    case whoami, status
    case query
    case recordShow = "record-show"
    case recordHistory = "record-history"
    case recordNew = "record-new"
    case recordUpdate = "record-update"
    case recordErase = "record-erase"
    case link
    case dedupScan = "dedup-scan"
    case watch
    case watchNext = "watch-next"
    case entriesExport = "entries-export"
    case entriesNext = "entries-next"
    case entriesIngest = "entries-ingest"
    case auditLog = "audit-log"
    case auditExport = "audit-export"
    case auditNext = "audit-next"
    case auditVerify = "audit-verify"
    case auditCheckpoint = "audit-checkpoint"
    case peersList = "peers-list"
    case peersStatus = "peers-status"
    case sync
    case membershipInstall = "membership-install"
    case trustAdd = "trust-add"
    case peersChange = "peers-change"
    case officerAdd = "officer-add"
    case officerDisable = "officer-disable"
    case officerShow = "officer-show"
    case officerList = "officer-list"

    /// What the caller needs; nil for `whoami`, which any connecting account may ask, and `officer-show`, which
    /// any officer may ask about themselves (others need administer).
    public var permission: Permission? {
        switch self {
        case .whoami, .officerShow: nil
        case .status: .status
        case .query, .recordShow, .recordHistory, .watch, .watchNext, .entriesExport, .entriesNext, .dedupScan:
            .readRecords
        case .recordNew, .recordUpdate, .link: .writeRecords
        case .recordErase: .eraseRecords
        case .auditLog, .auditExport, .auditNext: .readLog
        case .auditVerify: .verify
        case .entriesIngest, .auditCheckpoint, .peersList, .peersStatus, .sync, .membershipInstall, .trustAdd,
            .peersChange, .officerAdd, .officerDisable, .officerList:
            .administer
        }
    }

    /// Writes: at most once per request id.
    public var isWrite: Bool {
        [
            .recordNew, .recordUpdate, .recordErase, .link, .entriesIngest, .auditCheckpoint, .membershipInstall,
            .trustAdd, .peersChange, .officerAdd, .officerDisable,
        ].contains(self)
    }
}

/// Thrown by both implementations; `code` is the wire's `error`.
public struct APIError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        /// The request is not valid JSON or not the message the operation takes.
        case malformed
        /// The policy refused it (a `deny` row was written).
        case denied
        /// The node refused it for what it asks (bad document, a step ownership does not allow, ...); nothing was
        /// stored.
        case failed
        /// The request id was used before for a different request.
        case conflict
        /// The operation does not exist, the cursor is unknown, expired or not the caller's, or the record asked
        /// for is not held here or not the caller's to see (answered alike, Node+Reads.swift).
        case notFound = "not-found"
        /// Something went wrong inside the node.
        case `internal`
    }

    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }

    /// The HTTP status the local socket answers with.
    public var status: Int {
        switch code {
        case .malformed: 400
        case .denied: 403
        case .notFound: 404
        case .conflict: 409
        case .failed: 422
        case .internal: 500
        }
    }
}

/// A request id: chosen by the client, 16 to 64 characters of letters, digits and '-'.
public enum RequestID {
    public static func isValid(_ text: String) -> Bool {
        (16...64).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2d
            }
    }

    /// A fresh random id (128 bits, hex in UUID layout).
    public static func new() -> String {
        let h = Hex.encode(Random.bytes(16))
        let parts = [
            h.prefix(8), h.dropFirst(8).prefix(4), h.dropFirst(12).prefix(4), h.dropFirst(16).prefix(4),
            h.dropFirst(20),
        ]
        return parts.joined(separator: "-")
    }
}
