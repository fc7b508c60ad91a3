// The request a handler sees and the response it returns: plain Swift values, fully buffered, with the client's
// TLS identity already established. A handler is a pure function from one to the other, so routing and policy can be
// tested without a socket.

/// Who is on the other end of the connection, as far as TLS can tell.
public enum ClientIdentity: Sendable, Equatable {
    /// A client certificate whose chain verifies to the federation CA, inside its validity window, usable for TLS
    /// client authentication.
    case verified(PeerCertificate)
    /// No client certificate was presented.
    case missing
    /// A certificate was presented but does not verify; the reason names why ("expired", "not issued by the
    /// federation CA", ...) followed by the certificate's subject when it could be read.
    case rejected(String)
    /// A connection on the local Unix socket: file permissions, not TLS, decide who may connect, and the kernel
    /// says who did (`SO_PEERCRED`). Nil only if the kernel could not be asked.
    case local(LocalPeer?)
}

/// The credentials of the process at the other end of a Unix socket, as the kernel recorded them when it
/// connected (`SO_PEERCRED`, unix(7)): not something the client states, so it can be trusted for identity.
public struct LocalPeer: Sendable, Equatable {
    public let uid: UInt32
    public let gid: UInt32
    public let pid: Int32

    public init(uid: UInt32, gid: UInt32, pid: Int32) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }
}

/// The parts of a verified client certificate the application binds identity and audit records to.
public struct PeerCertificate: Sendable, Equatable {
    /// The subject DN as RFC 4514 text, as GnuTLS prints it (most specific first: `CN=surrey,OU=surrey,O=Interforce`).
    public let subject: String
    public let commonName: String?
    public let organizationalUnit: String?
    /// The serial number, lowercase hex.
    public let serialHex: String
    /// Lowercase hex of SHA-256 over the certificate's DER bytes.
    public let fingerprintSHA256: String
    /// Validity window, Unix seconds.
    public let notBefore: Int64
    public let notAfter: Int64

    public init(subject: String, commonName: String?, organizationalUnit: String?, serialHex: String,
                fingerprintSHA256: String, notBefore: Int64, notAfter: Int64) {
        self.subject = subject
        self.commonName = commonName
        self.organizationalUnit = organizationalUnit
        self.serialHex = serialHex
        self.fingerprintSHA256 = fingerprintSHA256
        self.notBefore = notBefore
        self.notAfter = notAfter
    }
}

/// A complete request. Bodies are buffered (at most ``ServerLimits/maxBodyBytes``) before the handler runs.
public struct HTTPRequest: Sendable {
    public let method: String
    /// The path without the query string, percent-decoded by libmicrohttpd (so `%2F` arrives as `/`).
    public let path: String
    /// Query arguments, percent-decoded; an argument without `=` maps to "". When a name repeats, the last wins.
    public let query: [String: String]
    /// Header names lowercased; repeated headers are joined with ", " (RFC 9110 §5.3).
    public let headers: [String: String]
    public let body: [UInt8]
    public let client: ClientIdentity
    /// The peer's IP address ("127.0.0.1", "::1"), or "local" on the Unix socket.
    public let remoteAddress: String

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
                body: [UInt8] = [], client: ClientIdentity, remoteAddress: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client = client
        self.remoteAddress = remoteAddress
    }

    /// The same request with `body`.
    func with(body: [UInt8]) -> HTTPRequest {
        HTTPRequest(method: method, path: path, query: query, headers: headers, body: body, client: client,
                    remoteAddress: remoteAddress)
    }
}

/// A complete response. `Content-Length` is computed by the server; a handler-supplied one is ignored.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    /// An `application/json` response over bytes the caller has already encoded.
    public static func json(_ status: Int, _ bytes: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: bytes)
    }
}

/// What a server's gate decides about a request once its headers are in, before any byte of its body is read.
public enum GateDecision: Sendable {
    /// The client is a member (its certificate is one the application accepts): read the body and call the
    /// handler, and count the connection and its source as a member's for connection slots
    /// (``ServerLimits/reservedMemberConnections``, ``ServerLimits/admissionDeadlineSeconds``).
    case member
    /// Read the body and call the handler, without counting the client as a member (an open route such as a
    /// health check).
    case proceed
    /// Answer with this response now: the body is not read, the handler not called, and the connection is closed
    /// after the response.
    case refuse(HTTPResponse)
}

/// Decides about a request from its head: `body` is empty, whatever the client declared. Called on a server thread,
/// possibly on many at once; it must be quick (it holds a connection slot while it runs).
public typealias RequestGate = @Sendable (HTTPRequest) -> GateDecision

/// Turns a request into a response. Called on a server thread, possibly on many threads at once; it may block
/// (a long poll) for up to the client's patience, holding only its own connection. It must not call
/// ``HTTPSServer/stop()`` on its own server: stopping waits for handlers to return.
public typealias HTTPHandler = @Sendable (HTTPRequest) -> HTTPResponse
