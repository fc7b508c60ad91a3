// The node's HTTP server: libmicrohttpd with TLS through GnuTLS for peer nodes (mutual TLS, the client certificate
// verified against the federation CA and handed to the application as a `ClientIdentity`), and the same server in
// plain HTTP on a Unix socket for the local CLI.
//
// Threading: by default one thread per connection (`MHD_USE_THREAD_PER_CONNECTION` with an internal polling thread
// that accepts), bounded by `ServerLimits.maxConnections`. The application has a long-poll endpoint whose handler
// blocks for up to ~25 s; in a thread pool that would stall every connection sharing the thread, here it holds only
// its own. `ServerLimits.threadPerConnection = false` selects a pool of `ServerLimits.threads` instead.
//
// Limits beyond MHD's own (see `ServerLimits`): a gate sees each request's head before its body is read; a
// `ConnectionGuard` keeps strangers to a share of the slots and closes connections that do not get a request
// admitted in time; a `MemoryBudget` bounds the memory of all requests in flight together.
//
// Ownership: `Daemon` owns the `MHD_Daemon *`, the retained `ServerContext` and the C memory the options point to;
// `HTTPSServer` keeps it behind a `Mutex` so `stop()` may be called from any thread, any number of times.
// https://www.gnu.org/software/libmicrohttpd/manual/libmicrohttpd.html

import Foundation
internal import CMicroHTTPD
import Synchronization
#if canImport(Glibc)
internal import Glibc
#endif

public final class HTTPSServer: Sendable {
    /// The bound TCP port (useful with port 0); 0 for the Unix socket server.
    public let port: UInt16
    private let daemon: Mutex<Daemon?>
    private let context: ServerContext

    /// The default gate: every request proceeds to the handler, and one with a verified client certificate counts
    /// as a member's.
    public static let admitVerified: RequestGate = { request in
        if case .verified = request.client { return .member }
        return .proceed
    }

    /// Starts listening on `bindAddress:port` (port 0 = ephemeral) with TLS required. Client certificates are
    /// requested (not required) and verified against `tls.trustedCAPEM`. Each request's head goes to `gate`
    /// first, with `client` = `.verified`, `.missing` or `.rejected`; unless the gate refuses it, the body is read
    /// and the request goes to `handler`, which decides the status. TLS versions outside `tls.priorities` (by
    /// default anything before 1.2) fail the handshake.
    public init(bindAddress: String = "127.0.0.1", port: UInt16, tls: TLSServerConfig,
                limits: ServerLimits = ServerLimits(), gate: @escaping RequestGate = HTTPSServer.admitVerified,
                handler: @escaping HTTPHandler) throws {
        try limits.validate()
        try GnuTLS.validate(tls)
        let address = try TCPBindAddress(host: bindAddress, port: port)
        let context = ServerContext(handler: handler, gate: gate, limits: limits, transport: .tls)
        var flags = MHD_USE_TLS.rawValue
        if address.isIPv6 { flags |= MHD_USE_IPv6.rawValue }
        let started = try Daemon(flags: flags, context: context, limits: limits, unixListener: nil) { options in
            options.add(.PER_IP_CONNECTION_LIMIT, Int(limits.maxConnectionsPerIP))
            options.add(.SOCK_ADDR, pointer: address.pointer)
            options.add(.HTTPS_MEM_CERT, string: tls.certificatePEM)
            options.add(.HTTPS_MEM_KEY, string: tls.privateKeyPEM)
            // Setting a trust store is what makes MHD request a client certificate (GNUTLS_CERT_REQUEST).
            options.add(.HTTPS_MEM_TRUST, string: tls.trustedCAPEM)
            options.add(.HTTPS_PRIORITIES, string: tls.priorities)
            options.keepAlive(address)
        }
        self.port = started.boundPort
        self.daemon = Mutex(started)
        self.context = context
    }

    /// A plain-HTTP server on a Unix domain socket for the local CLI; every request has `client` = `.local` with
    /// the connecting process's uid, gid and pid from the kernel. The socket file is created mode 0600, or 0660
    /// owned by `group` when one is given; a stale socket file (nobody listening) is replaced, a live one or a
    /// non-socket file at `unixSocketPath` is an error. The file is removed by `stop()`. A connection shut down for
    /// its account's share of the slots, or past its deadlines (AccountConnections.swift), is reported to
    /// `onAccountRefused` (on the server's accepting or watchdog thread: it must be quick).
    public init(unixSocketPath: String, group: UInt32? = nil, limits: ServerLimits = ServerLimits(),
                onAccountRefused: (@Sendable (LocalPeer, LocalRefusal) -> Void)? = nil,
                handler: @escaping HTTPHandler) throws {
        try limits.validate()
        try limits.validateReserve("reservedOwnerConnections", limits.reservedOwnerConnections)
        let listener = try UnixListener.bind(path: unixSocketPath, backlog: Int32(min(limits.maxConnections, 128)),
                                             group: group)
        let context = ServerContext(handler: handler, gate: { _ in .proceed }, limits: limits, transport: .local,
                                    onAccountRefused: onAccountRefused)
        let started = try Daemon(flags: 0, context: context, limits: limits, unixListener: listener) { options in
            options.add(.LISTEN_SOCKET, Int(listener.descriptor))
        }
        self.port = 0
        self.daemon = Mutex(started)
        self.context = context
    }

    /// What the server has refused since it started, and what it holds now.
    public var statistics: ServerStatistics { context.statistics }

    /// Stops accepting, closes every connection and waits for running handlers to return (`MHD_stop_daemon`), then
    /// releases the server's context. Idempotent; also done on deinit. Must not be called from a handler.
    public func stop() {
        daemon.withLock { daemon in
            daemon?.stop()
            daemon = nil
        }
    }

    deinit { stop() }
}

extension ServerLimits {
    /// A reserve of slots leaves at least one to share.
    func validateReserve(_ name: String, _ value: Int) throws {
        guard (0..<maxConnections).contains(value) else {
            throw ServerError("ServerLimits.\(name) must be between 0 and maxConnections - 1 (\(maxConnections - 1)), "
                              + "not \(value)")
        }
    }

    func validate() throws {
        let named = [("maxConnections", maxConnections), ("maxConnectionsPerIP", maxConnectionsPerIP),
                     ("maxConnectionsPerAccount", maxConnectionsPerAccount),
                     ("maxStrangerConnectionsPerSource", maxStrangerConnectionsPerSource),
                     ("admissionDeadlineSeconds", admissionDeadlineSeconds),
                     ("requestDeadlineSeconds", requestDeadlineSeconds),
                     ("connectionTimeoutSeconds", connectionTimeoutSeconds), ("maxBodyBytes", maxBodyBytes),
                     ("memoryBudgetBytes", memoryBudgetBytes), ("bodyMemoryFactor", bodyMemoryFactor),
                     ("memoryPerConnectionBytes", memoryPerConnectionBytes), ("threads", threads)]
        for (name, value) in named where value <= 0 || value > Int(Int32.max) {
            throw ServerError("ServerLimits.\(name) must be between 1 and \(Int32.max), not \(value)")
        }
        try validateReserve("reservedMemberConnections", reservedMemberConnections)
        guard maxBodyBytes.multipliedReportingOverflow(by: bodyMemoryFactor).partialValue <= memoryBudgetBytes,
              !maxBodyBytes.multipliedReportingOverflow(by: bodyMemoryFactor).overflow else {
            throw ServerError("ServerLimits.memoryBudgetBytes (\(memoryBudgetBytes)) must hold one body of "
                              + "maxBodyBytes × bodyMemoryFactor (\(maxBodyBytes) × \(bodyMemoryFactor))")
        }
    }
}

/// Owns one running `MHD_Daemon`, the retained context its callbacks use, and the option memory MHD may point into.
/// Not Sendable: `HTTPSServer` guards it with a `Mutex`.
final class Daemon {
    private var handle: OpaquePointer?
    private let context: Unmanaged<ServerContext>
    private let options: OptionList
    private let unixListener: UnixListener?
    let boundPort: UInt16

    init(flags extra: UInt32, context: ServerContext, limits: ServerLimits, unixListener: UnixListener?,
         configure: (OptionList) -> Void) throws {
        let retained = Unmanaged.passRetained(context)  // released in stop(), after MHD_stop_daemon
        let cls = retained.toOpaque()
        let options = OptionList()
        // The logger goes first so that nothing MHD says during start-up reaches stderr.
        let logger: MHD_LogCallback = mhdLog
        options.add(.EXTERNAL_LOGGER, unsafeBitCast(logger, to: Int.self), pointer: cls)
        let completed: MHD_RequestCompletedCallback = mhdRequestCompleted
        options.add(.NOTIFY_COMPLETED, unsafeBitCast(completed, to: Int.self), pointer: cls)
        var acceptPolicy: MHD_AcceptPolicyCallback? = nil
        if context.connections != nil || context.accounts != nil {
            let notify: MHD_NotifyConnectionCallback = mhdNotifyConnection
            options.add(.NOTIFY_CONNECTION, unsafeBitCast(notify, to: Int.self), pointer: cls)
        }
        if context.connections != nil { acceptPolicy = mhdAcceptPolicy }
        options.add(.CONNECTION_LIMIT, limits.maxConnections)
        options.add(.CONNECTION_TIMEOUT, limits.connectionTimeoutSeconds)
        options.add(.CONNECTION_MEMORY_LIMIT, limits.memoryPerConnectionBytes)
        var flags = extra | MHD_USE_ERROR_LOG.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue
            | MHD_USE_AUTO.rawValue
        if limits.threadPerConnection {
            flags |= MHD_USE_THREAD_PER_CONNECTION.rawValue
        } else {
            options.add(.THREAD_POOL_SIZE, limits.threads)
        }
        configure(options)

        let started = options.withTerminatedArray { items in
            cmhd_start_daemon(flags, 0, acceptPolicy, cls, mhdAccessHandler, cls, items)
        }
        guard let started else {
            let reason = context.lastLogLine ?? "no reason given"
            unixListener?.abandon()
            retained.release()
            throw ServerError("cannot start HTTP server: \(reason)")
        }
        handle = started
        self.context = retained
        self.options = options
        self.unixListener = unixListener
        boundPort = cmhd_daemon_info(started, .DAEMON_INFO_BIND_PORT)?.pointee.port ?? 0
        context.tracker?.start()
    }

    func stop() {
        guard let running = handle else { return }
        handle = nil
        MHD_stop_daemon(running)  // joins every MHD thread: no callback runs after this
        context.takeUnretainedValue().tracker?.stop()
        context.release()
        unixListener?.removeFile()
    }

    deinit { stop() }
}

/// The `MHD_OptionItem` array for `.ARRAY`, and the C strings and objects its items point to, kept alive
/// for the daemon's lifetime (MHD keeps some pointers, e.g. the trust PEM, past `MHD_start_daemon`).
final class OptionList {
    private var items: [MHD_OptionItem] = []
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var owned: [AnyObject] = []

    func add(_ option: MHD_OPTION, _ value: Int = 0, pointer: UnsafeMutableRawPointer? = nil) {
        items.append(MHD_OptionItem(option: option, value: value, ptr_value: pointer))
    }

    func add(_ option: MHD_OPTION, string: String) {
        guard let copy = strdup(string) else { fatalError("out of memory copying an MHD option") }
        strings.append(copy)
        add(option, pointer: UnsafeMutableRawPointer(copy))
    }

    func keepAlive(_ object: AnyObject) { owned.append(object) }

    func withTerminatedArray<R>(_ body: (UnsafePointer<MHD_OptionItem>) -> R) -> R {
        let terminated = items + [MHD_OptionItem(option: .END, value: 0, ptr_value: nil)]
        return terminated.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    deinit {
        for string in strings {
            // The PEM copies include private key material: wipe before freeing.
            memset(string, 0, strlen(string))
            free(string)
        }
    }
}
