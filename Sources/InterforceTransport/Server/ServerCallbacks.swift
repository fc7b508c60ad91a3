// The C side of a request's life in libmicrohttpd, and who owns what across it.
//
// MHD calls the access handler several times per request: once when the headers are in (`*req_cls == NULL`), once
// per chunk of body, and once more with no data when the body is complete. Per-request state (`RequestState`) is
// created and retained on the first call, stored in `*req_cls`, and released in the request-completed callback,
// which MHD calls exactly once for every request that reached the access handler, however it ended. The server's
// `ServerContext` is the `cls` of every callback; `Daemon` retains it before `MHD_start_daemon` and releases it
// only after `MHD_stop_daemon` returns, when no callback can run any more.
// https://www.gnu.org/software/libmicrohttpd/manual/html_node/microhttpd_002dcb.html

import Foundation
internal import CMicroHTTPD
import Synchronization

/// What every callback of one server shares. Immutable apart from the last MHD log line, so it is used from all
/// MHD threads at once.
final class ServerContext: Sendable {
    enum Transport: Sendable { case tls, local }

    let handler: HTTPHandler
    let limits: ServerLimits
    let transport: Transport
    private let lastLog = Mutex<String?>(nil)

    init(handler: @escaping HTTPHandler, limits: ServerLimits, transport: Transport) {
        self.handler = handler
        self.limits = limits
        self.transport = transport
    }

    /// MHD's error log goes nowhere but here: the last line explains a failed `MHD_start_daemon`.
    func noteLog(_ line: String) { lastLog.withLock { $0 = line } }
    var lastLogLine: String? { lastLog.withLock { $0 } }
}

/// One request's state between access-handler calls. Only the thread serving the connection touches it.
final class RequestState {
    var body: [UInt8] = []
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
    guard let existing = reqCls.pointee else {
        let state = RequestState()
        reqCls.pointee = Unmanaged.passRetained(state).toOpaque()  // released in mhdRequestCompleted
        if declaredLengthExceeds(connection, context.limits.maxBodyBytes) {
            // Queued before the body is read: MHD sends no "100 Continue" and closes the connection after replying.
            state.responded = true
            return queue(.tooLarge(context.limits.maxBodyBytes), on: connection)
        }
        return .YES
    }
    let state = Unmanaged<RequestState>.fromOpaque(existing).takeUnretainedValue()
    let size = uploadDataSize.pointee
    if size > 0 {
        uploadDataSize.pointee = 0
        if state.responded || state.tooLarge {
            // MHD 0.9.75 refuses a response queued mid-body, so the rest is read and dropped before the 413 goes
            // out; a client that keeps sending far past the limit is disconnected instead.
            state.discarded += size
            return state.discarded > max(context.limits.maxBodyBytes, 1 << 20) ? .NO : .YES
        }
        guard state.body.count + size <= context.limits.maxBodyBytes, let uploadData else {
            // Counted while receiving (a chunked body has no Content-Length to check up front).
            state.tooLarge = true
            state.discarded = state.body.count + size
            state.body = []
            return .YES
        }
        state.body.append(contentsOf: UnsafeRawBufferPointer(start: uploadData, count: size))
        return .YES
    }
    if state.responded { return .YES }
    state.responded = true
    if state.tooLarge { return queue(.tooLarge(context.limits.maxBodyBytes), on: connection) }

    let request = HTTPRequest(
        method: method.map { String(cString: $0) } ?? "",
        path: url.map { String(cString: $0) } ?? "/",
        query: Dictionary(values(of: connection, kind: .GET_ARGUMENT_KIND), uniquingKeysWith: { _, last in last }),
        headers: Dictionary(values(of: connection, kind: .HEADER_KIND).map { ($0.0.lowercased(), $0.1) },
                            uniquingKeysWith: { first, next in first + ", " + next }),
        body: state.body,
        client: identity(of: connection, transport: context.transport),
        remoteAddress: describePeer(cmhd_connection_info(connection, .CONNECTION_INFO_CLIENT_ADDRESS)?
                                        .pointee.client_addr.map { UnsafePointer($0) }))
    state.body = []
    return queue(context.handler(request), on: connection)
}

/// `MHD_RequestCompletedCallback`: balances the retain of the first access-handler call.
func mhdRequestCompleted(cls: UnsafeMutableRawPointer?, connection: OpaquePointer?,
                         reqCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                         termination: MHD_RequestTerminationCode) {
    guard let reqCls, let state = reqCls.pointee else { return }
    Unmanaged<RequestState>.fromOpaque(state).release()
    reqCls.pointee = nil
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
}

/// True when the request declares a Content-Length above `limit` (one too large to parse counts as above).
private func declaredLengthExceeds(_ connection: OpaquePointer, _ limit: Int) -> Bool {
    guard let value = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length") else { return false }
    let text = String(cString: value).trimmingCharacters(in: .whitespaces)
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }  // MHD answers 400
    return (Int(text) ?? .max) > limit
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
