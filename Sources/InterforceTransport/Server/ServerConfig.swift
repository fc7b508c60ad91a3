// What an HTTPS server is configured with: its TLS identity and the federation CA it accepts client certificates
// from, the resource limits that keep one peer (or one bug) from exhausting the node, and the one error type the
// server layer throws. Plain values only; nothing here touches C.

import Foundation

/// The TLS identity of a node's server and the trust it places in client certificates.
///
/// All three PEM texts are checked with GnuTLS when an ``HTTPSServer`` starts, so a bad file fails at start-up with
/// a message naming the problem instead of as a silent `MHD_start_daemon` failure.
public struct TLSServerConfig: Sendable {
    /// The server's certificate chain (PEM), leaf first.
    public var certificatePEM: String
    /// The server's private key (PEM: PKCS#8, SEC1 EC or PKCS#1 RSA).
    public var privateKeyPEM: String
    /// The federation CA (PEM, one or more certificates): the only issuer accepted for client certificates.
    public var trustedCAPEM: String
    /// A GnuTLS priority string (https://gnutls.org/manual/html_node/Priority-Strings.html).
    public var priorities: String

    /// TLS 1.3 and 1.2 only, everything older refused during the handshake; AEAD ciphers only (AES-256-GCM,
    /// ChaCha20-Poly1305, AES-128-GCM, in that order), so no CBC suite and no SHA-1 MAC; ephemeral ECDH key
    /// exchange only (forward secrecy; no static RSA or finite-field DHE); no SHA-1 handshake signatures; and the
    /// server's order decides (`%SERVER_PRECEDENCE`), not the client's.
    public static let defaultPriorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
        + ":-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:-MAC-ALL:+AEAD"
        + ":-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:-SIGN-DSA-SHA1:%SERVER_PRECEDENCE"

    public init(certificatePEM: String, privateKeyPEM: String, trustedCAPEM: String,
                priorities: String = TLSServerConfig.defaultPriorities) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.trustedCAPEM = trustedCAPEM
        self.priorities = priorities
    }

    /// Reads the three PEM files; the error names the file that could not be read.
    public init(certificateFile: String, privateKeyFile: String, trustedCAFile: String) throws {
        self.init(certificatePEM: try Self.read(certificateFile, "certificate"),
                  privateKeyPEM: try Self.read(privateKeyFile, "private key"),
                  trustedCAPEM: try Self.read(trustedCAFile, "trusted CA certificate"))
    }

    static func read(_ path: String, _ what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file"
            throw ServerError("cannot read \(what) file \(path): \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ServerError("\(what) file \(path) is not PEM text (not UTF-8)")
        }
        return text
    }
}

/// Resource limits. The defaults suit a node serving a handful of peer forces and a local CLI.
///
/// Connections (TLS servers): a *member source* is an address (IPv4, or an IPv6 /64) from which a request was
/// admitted as a member's (``GateDecision/member``) since the server started; every other source is a stranger.
/// Strangers share at most ``maxConnections`` − ``reservedMemberConnections`` slots, at most
/// ``maxStrangerConnectionsPerSource`` each, and every connection must have a request admitted as a member's within
/// ``admissionDeadlineSeconds`` of being accepted, or it is closed; every request must be done within
/// ``requestDeadlineSeconds`` of its head.
///
/// Memory: every request in flight reserves from one budget of ``memoryBudgetBytes`` before its body is read —
/// ``bodyMemoryFactor`` bytes per body byte, for the body and what the handler builds from it — and the bytes of the
/// response it queues. A request that does not fit is answered 503 with `Retry-After`, and its connection closed.
public struct ServerLimits: Sendable {
    /// Concurrent connections in total (`.CONNECTION_LIMIT`); with thread-per-connection this is also the
    /// ceiling on server threads.
    public var maxConnections = 64
    /// Concurrent connections from one IP address (`.PER_IP_CONNECTION_LIMIT`); not applied to the Unix
    /// socket server.
    public var maxConnectionsPerIP = 16
    /// Unix socket server only: concurrent connections of one Unix account (uid), other than the server's own; one
    /// more is shut down as it is accepted (see `AccountConnections`).
    public var maxConnectionsPerAccount = 8
    /// Unix socket server only: connection slots that only the server's own account may take; the other accounts
    /// together hold at most `maxConnections - reservedOwnerConnections`. Must be below ``maxConnections``.
    public var reservedOwnerConnections = 8
    /// Connection slots that only member sources may take: strangers together hold at most
    /// `maxConnections - reservedMemberConnections`. Must be below ``maxConnections``.
    public var reservedMemberConnections = 16
    /// Concurrent connections from one stranger source (an address that has not presented a member certificate
    /// since the server started); more are refused as they are accepted.
    public var maxStrangerConnectionsPerSource = 4
    /// Seconds from accepting a connection to its first request admitted as a member's: the TLS handshake and the
    /// headers must be done by then, however slowly the bytes arrive, or the connection is closed. Connections
    /// that never present a member certificate (a health check) live at most this long, except while their
    /// handler runs.
    /// On the Unix socket: seconds from accepting a connection, or from its last answer, to a request's head and
    /// body, after which it is closed.
    public var admissionDeadlineSeconds = 5
    /// Seconds from a request's head to its response sent (the body received, the handler run, the response read
    /// by the client): a connection past it is closed, unless its handler is running. Bounds how long anyone can
    /// hold memory reserved for a request by trickling its body or reading its response slowly.
    public var requestDeadlineSeconds = 60
    /// Seconds of inactivity after which a connection is closed (`.CONNECTION_TIMEOUT`). A handler that is
    /// running does not count as inactivity.
    public var connectionTimeoutSeconds = 30
    /// Largest request body accepted; larger requests get 413 and never reach the handler.
    public var maxBodyBytes = 8 << 20
    /// Bytes all requests in flight may reserve together: bodies (times ``bodyMemoryFactor``) and responses.
    /// Must hold at least one body of ``maxBodyBytes``.
    public var memoryBudgetBytes = 224 << 20
    /// Bytes reserved per body byte: the body itself and the handler's working memory for it. Parsed into
    /// `JSONValue`, JSON takes up to about 26 times its size (`{"":0},` repeated: a dictionary per 7 bytes; `{},`
    /// takes 12 times, typical entries about 5), so the default is 28, and the default budget holds exactly one
    /// body of the largest size.
    public var bodyMemoryFactor = 28
    /// Memory MHD may use per connection for the request line, headers and buffers
    /// (`.CONNECTION_MEMORY_LIMIT`); a request whose head does not fit is refused by MHD. MHD touches much of it on
    /// every connection, so it is kept small: 64 connections at 256 KiB cost 22 MB more than at 64 KiB. Bodies are
    /// buffered separately, up to ``maxBodyBytes``.
    public var memoryPerConnectionBytes = 64 << 10
    /// Pool size when ``threadPerConnection`` is false (`.THREAD_POOL_SIZE`).
    public var threads = 4
    /// One thread per connection (the default) lets a handler block, as a long poll does, without stalling other
    /// connections. With `false`, a pool of ``threads`` threads serves all connections and a blocking handler stalls
    /// every connection on its thread.
    public var threadPerConnection = true

    public init() {}
}

/// A failure to configure, start or run a server. The message names the cause (the file, the GnuTLS or system
/// error); it never contains request contents.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// Where in this module the failure was detected (`file:line`).
    public let location: String

    public init(_ message: String, fileID: String = #fileID, line: Int = #line) {
        self.message = message
        self.location = "\(fileID):\(line)"
    }

    public var description: String { message }
}
