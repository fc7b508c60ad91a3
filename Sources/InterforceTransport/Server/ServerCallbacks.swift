// The C side of a request's life in libmicrohttpd, and who owns what across it.
//
// MHD calls the access handler several times per request: once when the headers are in (`*req_cls == NULL`), once
// per chunk of body, and once more with no data when the body is complete. Per-request state (`RequestState`) is
// created and retained on the first call, stored in `*req_cls`, and released in the request-completed callback,
// which MHD calls exactly once for every request that reached the access handler, however it ended. The server's
// `ServerContext` is the `cls` of every callback; `Daemon` retains it before `MHD_start_daemon` and releases it
// only after `MHD_stop_daemon` returns, when no callback can run any more.
//
// On the first call, before any body byte is read, the request's head goes to the gate (which may answer at once,
// without the body), then the declared length is checked against the per-request cap and reserved from the memory
// budget; both refusals are answered before the body, so MHD never asks for it ("100 Continue") and closes the
// connection after the answer. What was reserved is returned in the request-completed callback.
// TLS servers also take MHD's accept-policy and connection callbacks for the `ConnectionGuard`; the Unix socket
// server the connection callbacks for its `AccountConnections`.
// https://www.gnu.org/software/libmicrohttpd/manual/html_node/microhttpd_002dcb.html

import Foundation
internal import CMicroHTTPD
import Synchronization

/// What every callback of one server shares. Immutable apart from the last MHD log line and the guard's, budget's
/// and counters' own synchronised state, so it is used from all MHD threads at once.
final class ServerContext: Sendable {
    enum Transport: Sendable { case tls, local }

    let handler: HTTPHandler
    let gate: RequestGate
    let limits: ServerLimits
    let transport: Transport
    let budget: MemoryBudget
    let counters = ServerCounters()
    /// Connection slots and deadlines; TLS servers only.
    let connections: ConnectionGuard?
    /// Connection slots per Unix account and deadlines; the Unix socket server only.
    let accounts: AccountConnections?
    private let lastLog = Mutex<String?>(nil)

    init(handler: @escaping HTTPHandler, gate: @escaping RequestGate, limits: ServerLimits, transport: Transport,
         onAccountRefused: (@Sendable (LocalPeer, LocalRefusal) -> Void)? = nil) {
        self.handler = handler
        self.gate = gate
        self.limits = limits
        self.transport = transport
        budget = MemoryBudget(capacity: limits.memoryBudgetBytes)
        connections = transport == .tls ? ConnectionGuard(limits: limits, counters: counters) : nil
        accounts = transport == .local
            ? AccountConnections(limits: limits, counters: counters, onRefused: onAccountRefused) : nil
    }

    /// The connection table the request callbacks report to: the guard (TLS) or the accounts' (Unix socket).
    var tracker: (any ConnectionTracker)? { connections ?? accounts }

    /// MHD's error log goes nowhere but here: the last line explains a failed `MHD_start_daemon`.
    func noteLog(_ line: String) { lastLog.withLock { $0 = line } }
    var lastLogLine: String? { lastLog.withLock { $0 } }

    var statistics: ServerStatistics {
        var statistics = ServerStatistics()
        counters.fill(&statistics)
        tracker?.fill(&statistics)
        (statistics.memoryReservedBytes, statistics.memoryReservedPeakBytes) = budget.reserved
        statistics.memoryBudgetBytes = budget.capacity
        return statistics
    }
}

/// One request's state between access-handler calls. Only the thread serving the connection touches it.
final class RequestState {
    /// The request as the gate saw it (no body yet).
    var head: HTTPRequest?
    /// The connection's id in the `ConnectionGuard` (0: not tracked).
    var connection = 0
    var body: [UInt8] = []
    /// Body bytes whose memory is reserved (the declared length, or what has arrived of a chunked body).
    var covered = 0
    /// Bytes reserved from the memory budget, returned when the request completes.
    var reserved = 0
    /// The body exceeded the limit; the rest is discarded and the request answered 413.
    var tooLarge = false
    /// Bytes dropped since the body went over the limit.
    var discarded = 0
    /// A response has been queued; later calls for this request only drain input.
    var responded = false
}

// MARK: - C callbacks (no captures; `cls` carries the context)

/// `MHD_AccessHandlerCallback`.
func mhdAccessHandler(cls: UnsafeMutableRawPointer?, connection: OpaquePointer?, url: UnsafePointer<CChar>?,
                      method: UnsafePointer<CChar>?, version: UnsafePointer<CChar>?,
                      uploadData: UnsafePointer<CChar>?, uploadDataSize: UnsafeMutablePointer<Int>?,
                      reqCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> MHD_Result {
    guard let cls, let connection, let uploadDataSize, let reqCls else { return .NO }
    let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    let limits = context.limits
    guard let existing = reqCls.pointee else {
        let state = RequestState()
        reqCls.pointee = Unmanaged.passRetained(state).toOpaque()  // released in mhdRequestCompleted
        state.connection = connectionID(of: connection)
        return admit(head(of: connection, method: method, url: url, transport: context.transport), state, context,
                     connection)
    }
    let state = Unmanaged<RequestState>.fromOpaque(existing).takeUnretainedValue()
    let size = uploadDataSize.pointee
    if size > 0 {
        uploadDataSize.pointee = 0
        if state.responded || state.tooLarge {
            // MHD 0.9.75 refuses a response queued mid-body, so the rest is read and dropped before the 413 goes
            // out; a client that keeps sending far past the limit is disconnected instead.
            state.discarded += size
            return state.discarded > max(limits.maxBodyBytes, 1 << 20) ? .NO : .YES
        }
        guard state.body.count + size <= limits.maxBodyBytes, let uploadData else {
            // Counted while receiving (a chunked body has no Content-Length to check up front).
            state.tooLarge = true
            state.discarded = state.body.count + size
            state.body = []
            return .YES
        }
        // A chunked body reserves as it arrives; over budget mid-body the connection is closed (no answer can be
        // queued mid-body).
        let uncovered = state.body.count + size - state.covered
        if uncovered > 0 {
            guard reserve(uncovered * limits.bodyMemoryFactor, state, context) else { return .NO }
            state.covered += uncovered
        }
        state.body.append(contentsOf: UnsafeRawBufferPointer(start: uploadData, count: size))
        return .YES
    }
    if state.responded { return .YES }
    state.responded = true
    if state.tooLarge {
        context.counters.count(.refusedTooLarge)
        return queue(.tooLarge(limits.maxBodyBytes), on: connection)
    }
    guard let head = state.head else { return .NO }  // set on the first call unless the gate answered

    context.tracker?.bodyReceived(state.connection)
    context.tracker?.handling(state.connection, true)
    let response = context.handler(head.with(body: state.body))
    context.tracker?.handling(state.connection, false)
    state.body = []
    // The response stays in MHD's memory until sent: it is covered by what the request reserved, or reserves the rest.
    guard reserve(response.body.count - state.reserved, state, context) else {
        return queue(.overBudget, on: connection)
    }
    return queue(response, on: connection)
}

/// The first call for a request, its headers in: the gate, then the declared length, then the memory budget.
private func admit(_ head: HTTPRequest, _ state: RequestState, _ context: ServerContext,
                   _ connection: OpaquePointer) -> MHD_Result {
    // The head is in: however long the gate waits (for the node, to authenticate a member), no deadline cuts it.
    context.tracker?.handling(state.connection, true)
    let decision = context.gate(head)
    context.tracker?.handling(state.connection, false)
    switch decision {
    case .refuse(let response):
        state.responded = true
        context.counters.count(.refusedByGate)
        var closing = response
        closing.headers.removeAll { $0.0.lowercased() == "connection" }
        closing.headers.append(("Connection", "close"))
        return queue(closing, on: connection)
    case .member:
        context.connections?.admitted(state.connection)
    case .proceed:
        break
    }
    let declared = declaredLength(connection)
    if declared > context.limits.maxBodyBytes {
        // Queued before the body is read: MHD sends no "100 Continue" and closes the connection after replying.
        state.responded = true
        context.counters.count(.refusedTooLarge)
        return queue(.tooLarge(context.limits.maxBodyBytes), on: connection)
    }
    if declared > 0 {
        guard reserve(declared * context.limits.bodyMemoryFactor, state, context) else {
            state.responded = true
            return queue(.overBudget, on: connection)
        }
        state.covered = declared
        state.body.reserveCapacity(declared)
    }
    state.head = head
    context.tracker?.requestBegan(state.connection)
    return .YES
}

/// Reserves `bytes` (nothing when not positive) for the request; counts a refusal.
private func reserve(_ bytes: Int, _ state: RequestState, _ context: ServerContext) -> Bool {
    guard bytes > 0 else { return true }
    guard context.budget.reserve(bytes) else {
        context.counters.count(.refusedOverBudget)
        return false
    }
    state.reserved += bytes
    return true
}

/// `MHD_RequestCompletedCallback`: balances the retain of the first access-handler call and returns what the
/// request reserved.
func mhdRequestCompleted(cls: UnsafeMutableRawPointer?, connection: OpaquePointer?,
                         reqCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                         termination: MHD_RequestTerminationCode) {
    guard let cls, let reqCls, let pointer = reqCls.pointee else { return }
    let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    let state = Unmanaged<RequestState>.fromOpaque(pointer).takeRetainedValue()
    reqCls.pointee = nil
    context.tracker?.requestEnded(state.connection)
    state.body = []
    context.budget.release(state.reserved)
    if state.reserved >= MemoryBudget.trimAfterBytes { MemoryBudget.returnFreedMemory() }
}

/// `MHD_AcceptPolicyCallback`: the `ConnectionGuard` decides, before MHD takes the connection.
func mhdAcceptPolicy(cls: UnsafeMutableRawPointer?, address: UnsafePointer<sockaddr>?, length: socklen_t)
    -> MHD_Result {
    guard let cls, let address else { return .NO }
    let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    return context.connections?.mayAccept(address) ?? true ? .YES : .NO
}

/// `MHD_NotifyConnectionCallback`: a connection's start and end, for the `ConnectionGuard` (TLS) or the
/// `AccountConnections` (Unix socket); the connection's id is kept in MHD's `socket_context`.
func mhdNotifyConnection(cls: UnsafeMutableRawPointer?, connection: OpaquePointer?,
                         socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                         code: MHD_ConnectionNotificationCode) {
    guard let cls, let connection, let socketContext else { return }
    let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    if let accounts = context.accounts {
        guard code == .CONNECTION_NOTIFY_STARTED else {
            accounts.closed(Int(bitPattern: socketContext.pointee))
            socketContext.pointee = nil
            return
        }
        let descriptor = cmhd_connection_info(connection, .CONNECTION_INFO_CONNECTION_FD)?.pointee.connect_fd ?? -1
        guard descriptor >= 0, let peer = peerCredentials(descriptor) else { return }
        // A refused one is shut down unread: its thread sees end-of-file and MHD closes it.
        if let id = accounts.opened(peer: peer, descriptor: descriptor) {
            socketContext.pointee = UnsafeMutableRawPointer(bitPattern: id)
        }
        return
    }
    guard let guarded = context.connections else { return }
    if code == .CONNECTION_NOTIFY_STARTED {
        let descriptor = cmhd_connection_info(connection, .CONNECTION_INFO_CONNECTION_FD)?.pointee.connect_fd ?? -1
        let address = cmhd_connection_info(connection, .CONNECTION_INFO_CLIENT_ADDRESS)?.pointee.client_addr
        let id = guarded.opened(descriptor: descriptor, address: address.map { UnsafePointer($0) })
        socketContext.pointee = UnsafeMutableRawPointer(bitPattern: id)
    } else {
        guarded.closed(Int(bitPattern: socketContext.pointee))
        socketContext.pointee = nil
    }
}

/// `MHD_LogCallback`: keeps MHD's messages off stderr, remembering the last one for start-up errors.
func mhdLog(cls: UnsafeMutableRawPointer?, format: UnsafePointer<CChar>?, arguments: CVaListPointer?) {
    guard let cls, let format, let arguments else { return }
    var buffer = [CChar](repeating: 0, count: 512)
    _ = vsnprintf(&buffer, buffer.count, format, arguments)
    let line = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
        .noteLog(line.trimmingCharacters(in: .whitespacesAndNewlines))
}

// MARK: - Helpers

private extension HTTPResponse {
    static func tooLarge(_ limit: Int) -> HTTPResponse {
        .text(413, "request body larger than \(limit) bytes\n")
    }

    /// The memory budget is in use: try again shortly, on a new connection.
    static let overBudget = HTTPResponse(
        status: 503, headers: [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "1"),
                               ("Connection", "close")],
        body: Array("server busy: the memory for requests in flight is in use; retry later\n".utf8))
}

/// The request's Content-Length: 0 when none is declared (or it is not digits: MHD answers 400), `Int.max` when too
/// large to parse.
private func declaredLength(_ connection: OpaquePointer) -> Int {
    guard let value = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length") else { return 0 }
    let text = String(cString: value).trimmingCharacters(in: .whitespaces)
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return 0 }
    return Int(text) ?? .max
}

/// The request as far as its headers go, with an empty body.
private func head(of connection: OpaquePointer, method: UnsafePointer<CChar>?, url: UnsafePointer<CChar>?,
                  transport: ServerContext.Transport) -> HTTPRequest {
    HTTPRequest(
        method: method.map { String(cString: $0) } ?? "",
        path: url.map { String(cString: $0) } ?? "/",
        query: Dictionary(values(of: connection, kind: .GET_ARGUMENT_KIND), uniquingKeysWith: { _, last in last }),
        headers: Dictionary(values(of: connection, kind: .HEADER_KIND).map { ($0.0.lowercased(), $0.1) },
                            uniquingKeysWith: { first, next in first + ", " + next }),
        client: identity(of: connection, transport: transport),
        remoteAddress: describePeer(cmhd_connection_info(connection, .CONNECTION_INFO_CLIENT_ADDRESS)?
                                        .pointee.client_addr.map { UnsafePointer($0) }))
}

/// The connection's id in the `ConnectionGuard`, from MHD's socket context (0 when not tracked).
private func connectionID(of connection: OpaquePointer) -> Int {
    Int(bitPattern: cmhd_connection_info(connection, .CONNECTION_INFO_SOCKET_CONTEXT)?.pointee.socket_context)
}

/// Collects (key, value) pairs during `MHD_get_connection_values_n`.
private final class ValueCollector {
    var pairs: [(String, String)] = []
}

private func values(of connection: OpaquePointer, kind: MHD_ValueKind) -> [(String, String)] {
    let collector = ValueCollector()
    withExtendedLifetime(collector) {
        _ = MHD_get_connection_values_n(connection, kind, { cls, _, key, keySize, value, valueSize in
            guard let cls, let key else { return .YES }
            let collector = Unmanaged<ValueCollector>.fromOpaque(cls).takeUnretainedValue()
            collector.pairs.append((text(key, keySize), value.map { text($0, valueSize) } ?? ""))
            return .YES
        }, Unmanaged.passUnretained(collector).toOpaque())
    }
    return collector.pairs
}

private func text(_ pointer: UnsafePointer<CChar>, _ count: Int) -> String {
    String(decoding: UnsafeRawBufferPointer(start: pointer, count: count), as: UTF8.self)
}

private func identity(of connection: OpaquePointer, transport: ServerContext.Transport) -> ClientIdentity {
    switch transport {
    case .local:
        guard let fd = cmhd_connection_info(connection, .CONNECTION_INFO_CONNECTION_FD)?.pointee.connect_fd else {
            return .local(nil)
        }
        return .local(peerCredentials(fd))
    case .tls:
        guard let session = cmhd_connection_info(connection, .CONNECTION_INFO_GNUTLS_SESSION)?.pointee.tls_session
        else { return .missing }
        return GnuTLS.clientIdentity(session: OpaquePointer(session))
    }
}

/// Queues `response` (copied into MHD) on `connection`. A response MHD refuses (a header with a line break, a status
/// outside 100...999) is replaced by a 500 so the client is never left hanging.
private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
    if let built = build(response) {
        defer { MHD_destroy_response(built) }
        return MHD_queue_response(connection, UInt32(response.status), built)
    }
    guard let fallback = build(.text(500, "invalid response from handler\n")) else { return .NO }
    defer { MHD_destroy_response(fallback) }
    return MHD_queue_response(connection, 500, fallback)
}

private func build(_ response: HTTPResponse) -> OpaquePointer? {
    guard (100...999).contains(response.status) else { return nil }
    let created = response.body.withUnsafeBytes { bytes in
        MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                                        .RESPMEM_MUST_COPY)
    }
    guard let created else { return nil }
    for (name, value) in response.headers where name.lowercased() != "content-length" {
        if MHD_add_response_header(created, name, value) != .YES {
            MHD_destroy_response(created)
            return nil
        }
    }
    return created
}
