// The values a caller gives the HTTPS client: who we are and whom we trust (`TLSClientConfig`), how patient
// and how persistent to be (`ClientPolicy`), and one request and its response. Plain Sendable values with no
// C types in them; `PeerClient` turns them into libcurl options.

/// Our node's TLS identity and the federation's trust anchor.
///
/// The federation CA is pinned as the only trust anchor: CURLOPT_CAINFO is set to `trustedCAFile` and
/// CURLOPT_CAPATH is cleared, so the system's CA store (Debian's /etc/ssl/certs) is never consulted and a
/// certificate from a public CA does not make a peer a member.
public struct TLSClientConfig: Sendable {
    /// PEM certificate issued by the federation CA to this node (CURLOPT_SSLCERT).
    public var certificateFile: String
    /// PEM private key of that certificate (CURLOPT_SSLKEY).
    public var privateKeyFile: String
    /// PEM certificate of the federation CA: the only trust anchor (CURLOPT_CAINFO).
    public var trustedCAFile: String
    /// Whether to present the client certificate. Always true outside tests, which turn it off to see a
    /// peer refuse an anonymous client.
    var presentsClientCertificate = true
    /// The name the server's certificate must carry (a DNS subject alternative name), instead of the host in the
    /// base URL. The client still connects to the URL's host and port (CURLOPT_CONNECT_TO) but asks for and
    /// verifies this name, so a peer is bound to the force its certificate was issued to, not to an address.
    public var expectedServerName: String?

    public init(certificateFile: String, privateKeyFile: String, trustedCAFile: String,
                expectedServerName: String? = nil) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.trustedCAFile = trustedCAFile
        self.expectedServerName = expectedServerName
    }
}

/// Timeouts, retries and limits for one `PeerClient`.
///
/// Worst-case time of one `send`, with R = `retries`, B = `backoffBaseMilliseconds`, M = `backoffMaxMilliseconds`
/// and backoff(R) = Σ_{i<R} min(M, B·2^i) (jitter only shortens a sleep, except that a `Retry-After` may
/// lengthen it up to M, never beyond):
///
/// - peer down (nothing listening, or unreachable): (R+1) · `connectTimeoutMilliseconds` + backoff(R).
///   A refused connection fails at once, so on loopback this is backoff(R) alone. With the defaults:
///   4 · 3 s + (0.2 + 0.4 + 0.8) s = 13.4 s (connect timeouts) and 1.4 s (refused).
///   (When every attempt is answered 429 with Retry-After, the sleeps are bounded by R · M instead.)
/// - peer up but stalled: (R+1) · `totalTimeoutMilliseconds` + backoff(R); 121.4 s with the defaults.
public struct ClientPolicy: Sendable {
    /// CURLOPT_CONNECTTIMEOUT_MS: TCP connect plus TLS handshake, per attempt. Must be positive.
    public var connectTimeoutMilliseconds = 3000
    /// CURLOPT_TIMEOUT_MS: the whole transfer, per attempt. Must be positive.
    public var totalTimeoutMilliseconds = 30_000
    /// Extra attempts after the first, for connection errors, timeouts, 429 and 5xx. Never for TLS failures,
    /// too-large responses or other 4xx. Must not be negative.
    public var retries = 3
    /// Backoff before retry n (0-based) is uniform in 0...min(max, base · 2^n): exponential with full jitter.
    public var backoffBaseMilliseconds = 200
    public var backoffMaxMilliseconds = 5000
    /// Decoded response bodies longer than this abort the transfer with `.tooLarge`, as soon as the decoded bytes
    /// pass it (so a small gzip body that inflates to gigabytes costs at most this much). A request may ask for
    /// less (``ClientRequest/maxResponseBytes``), never more. Must be positive.
    public var maxResponseBytes = 64 << 20
    /// Where responses in flight reserve memory, shared by every client given the same budget; nil: no budget.
    /// A response reserves ``responseMemoryFactor`` bytes per decoded body byte as the bytes arrive, and holds them
    /// for as long as any copy of the ``ClientResponse`` lives; a body that does not fit aborts the transfer with
    /// `.overBudget` (retried).
    public var memoryBudget: ResponseMemoryBudget?
    /// Bytes reserved from ``memoryBudget`` per body byte: the body itself (up to twice its size while the buffer
    /// grows) and what the caller builds from it, e.g. a `JSONValue` tree held to a `JSONBudget` proportional to
    /// the body. Must be positive.
    public var responseMemoryFactor = 1

    public init() {}
}

/// Memory that the responses in flight of every client sharing this budget may hold together, so that a node's
/// clients cannot take more than `capacity` however many peers answer at once and however large (within their
/// limits) their answers are. The server's budget (`ServerLimits.memoryBudgetBytes`) is separate.
public final class ResponseMemoryBudget: Sendable {
    let budget: MemoryBudget

    /// A budget of `capacityBytes`; it must hold at least one response of the largest size a request allows, times
    /// the factor, or that response can never arrive.
    public init(capacityBytes: Int) {
        budget = MemoryBudget(capacity: capacityBytes)
    }

    public var capacity: Int { budget.capacity }
    /// Bytes reserved now, and the most ever reserved at once.
    public var reserved: (now: Int, peak: Int) { budget.reserved }
}

/// One HTTP request to a peer.
public struct ClientRequest: Sendable {
    /// An HTTP method token: GET, HEAD, POST, PUT, DELETE, …
    public var method: String
    /// The path and query, starting with "/", appended to the peer's base URL.
    public var path: String
    /// Extra header fields, sent in order. `Content-Type` is not added for you.
    public var headers: [(String, String)]
    /// The request body; sent for every method except GET and HEAD with an empty body.
    public var body: [UInt8]
    /// The largest decoded response body this request accepts, when the route's answer is known to be smaller than
    /// the policy's ``ClientPolicy/maxResponseBytes`` (which still applies when this is larger); nil: the policy's.
    public var maxResponseBytes: Int?

    public init(method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = [],
                maxResponseBytes: Int? = nil) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.maxResponseBytes = maxResponseBytes
    }
}

/// A peer's answer. 4xx answers other than 429 arrive here, not as errors.
public struct ClientResponse: Sendable {
    public let status: Int
    /// Header fields of the final response; names lowercased, repeated fields joined with ", ".
    public let headers: [String: String]
    /// The body, already decoded if the peer sent it gzip- or deflate-encoded.
    public let body: [UInt8]
    /// The memory this response reserved from the policy's ``ClientPolicy/memoryBudget``, given back when the last
    /// copy of the response is gone: keep the response while working with what was built from its body.
    let reservation: ResponseReservation?

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.init(status: status, headers: headers, body: body, reservation: nil)
    }

    init(status: Int, headers: [String: String], body: [UInt8], reservation: ResponseReservation?) {
        self.status = status
        self.headers = headers
        self.body = body
        self.reservation = reservation
    }

    /// Bytes this response holds of its client's memory budget (0 without one).
    public var reservedBytes: Int { reservation?.bytes ?? 0 }
}
