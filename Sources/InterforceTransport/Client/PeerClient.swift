// PeerClient: every outbound request from this node to one peer, over libcurl.
//
// A node talks to a handful of peers, often, in small batches: push on commit, pull for anti-entropy. So each
// peer gets one long-lived libcurl easy handle, reused for every request, whose connection cache keeps the
// TLS connection open between requests (HTTP/1.1 keep-alive) instead of paying a TCP and TLS handshake per
// batch. A handle must never be used by two threads at once, so it lives inside a `Mutex`: requests to one
// peer are serialised, which is what one keep-alive connection can carry anyway, and `PeerClient` is soundly
// `Sendable`. Requests run synchronously on the caller's thread (libcurl's easy interface); call `send` from
// a thread that may block, not from a cooperative-pool task that must not.
//
// Trust is the federation's, not the Internet's: the peer's certificate must chain to the federation CA (the
// only trust anchor; the system store is never read) and name the host we dialled, and we present our own
// node certificate for mutual TLS. Nothing from the environment changes where a request goes: no proxy
// variables, no redirects.
//
// Failures are sorted into `TransportError.Kind`s; connection errors, timeouts, 429 and 5xx are retried with
// exponential backoff and full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015);
// TLS failures are never retried, so a misconfigured peer costs one handshake, not a storm. `ClientPolicy`
// documents the worst-case time of one `send`.
//
// The local CLI reaches its node the same way, as plain HTTP over a Unix socket
// (CURLOPT_UNIX_SOCKET_PATH), where the file's permissions stand in for TLS.
//
// https://curl.se/libcurl/c/libcurl-easy.html  https://curl.se/libcurl/c/curl_easy_setopt.html

// No `import Glibc` here: `nanosleep` and `timespec` come from the C library headers that <curl/curl.h>
// includes (the CCurl module exports them), so this file does not fix the module's access level for Glibc,
// which every other file of the module importing it must then match.
internal import CCurl
import Synchronization

/// A client for one peer: a base URL (https://host:port) with mutual TLS, or the local node's Unix socket.
public final class PeerClient: Sendable {
    private enum Endpoint: Sendable {
        case tls(TLSClientConfig)
        case unixSocket(String)
    }

    /// The mutable state behind the lock: the easy handle and the connection count.
    private struct State {
        let easy: CurlEasyHandle
        var connectionsOpened = 0
        /// CURLOPT_CONNECT_TO when the certificate name differs from the address; lives as long as the handle.
        var connectTo: CurlHeaderList?
    }

    /// "https://host:port" (or "http://localhost" for a Unix socket), without a trailing slash.
    private let urlPrefix: String
    private let endpoint: Endpoint
    private let policy: ClientPolicy
    /// host:port, or unix:path: how errors name the peer.
    public let peerName: String
    private let state: Mutex<State>

    /// A client for the peer at `baseURL` ("https://host:port", optionally with a path prefix), authenticating
    /// with `tls`. Nothing is sent until the first `send`; a missing certificate file shows up there as `.tls`.
    /// Throws `.other` for a base URL that is not https or a policy with non-positive timeouts or limits.
    public init(baseURL: String, tls: TLSClientConfig, policy: ClientPolicy = ClientPolicy()) throws(TransportError) {
        try Self.validate(policy)
        let (prefix, authority) = try Self.parse(baseURL: baseURL)
        peerName = authority
        endpoint = .tls(tls)
        self.policy = policy
        var connectTo: CurlHeaderList?
        if let name = tls.expectedServerName {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: "/") })
            else { throw TransportError(kind: .other, message: "expected server name is not a host name: \(name)") }
            let colon = authority.lastIndex(of: ":")!
            let host = authority[..<colon], port = authority[authority.index(after: colon)...]
            let written = prefix.dropFirst("https://".count).prefix { $0 != "/" }
            urlPrefix = "https://\(name):\(port)" + prefix.dropFirst("https://".count + written.count)
            connectTo = try CurlHeaderList(["\(name):\(port):\(host):\(port)"], peer: authority)
        } else {
            urlPrefix = prefix
        }
        state = Mutex(State(easy: try CurlEasyHandle(peer: authority), connectTo: connectTo))
    }

    /// A client for the local node listening on the Unix socket at `unixSocketPath`, in plain HTTP.
    public init(unixSocketPath: String, policy: ClientPolicy = ClientPolicy()) throws(TransportError) {
        try Self.validate(policy)
        // sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
        guard !unixSocketPath.isEmpty, unixSocketPath.utf8.count < 108, !unixSocketPath.utf8.contains(0) else {
            throw TransportError(kind: .other, message: "unix socket path must be 1 to 107 bytes: \(unixSocketPath)")
        }
        urlPrefix = "http://localhost"
        peerName = "unix:" + unixSocketPath
        endpoint = .unixSocket(unixSocketPath)
        self.policy = policy
        state = Mutex(State(easy: try CurlEasyHandle(peer: peerName)))
    }

    /// The number of connections libcurl has opened for this client (CURLINFO_NUM_CONNECTS summed over every
    /// attempt). Stays at 1 across requests while the peer keeps the connection alive.
    public var connectionsOpened: Int {
        state.withLock { $0.connectionsOpened }
    }

    /// Sends `request`, retrying per the policy, and returns the peer's answer.
    ///
    /// 2xx, 3xx (redirects are not followed) and 4xx other than 429 are returned as responses. Connection
    /// errors, timeouts, 429 and 5xx are retried up to `policy.retries` times; when they run out, a 429/5xx
    /// becomes `TransportError(.http)` with its status and the start of its body. TLS failures and too-large bodies
    /// fail at once; a body the memory budget cannot hold (`.overBudget`) is tried again after the backoff.
    public func send(_ request: ClientRequest) throws(TransportError) -> ClientResponse {
        try validate(request)
        let lines = try headerLines(for: request)
        let attempts = policy.retries + 1
        var attempt = 0
        while true {
            attempt += 1
            let outcome = state.withLock { state in attemptOnce(request, headerLines: lines, on: &state) }
            let retryAfter: Int?
            switch outcome {
            case .success(let response):
                guard response.status == 429 || (500...599).contains(response.status) else { return response }
                guard attempt < attempts else {
                    throw TransportError(kind: .http, message: "\(peerName): HTTP \(response.status) "
                                         + "after \(attempts) attempt\(attempts == 1 ? "" : "s")"
                                         + Self.excerpt(response.body), status: response.status)
                }
                retryAfter = response.headers["retry-after"].flatMap { Int($0) }
            case .failure(let error):
                guard error.isRetryable, attempt < attempts else {
                    throw error.appending(" (attempt \(attempt) of \(attempts))")
                }
                retryAfter = nil
            }
            // The lock is not held while sleeping, so `connectionsOpened` and other threads are not stalled.
            Self.sleep(milliseconds: backoffMilliseconds(beforeRetry: attempt - 1, retryAfterSeconds: retryAfter))
        }
    }

    /// What the server said, for the error: `: ` and at most 300 bytes of the body with anything but printable
    /// ASCII replaced by `?` (the body is the peer's, as hostile as any input); empty for an empty body.
    static func excerpt(_ body: [UInt8]) -> String {
        guard !body.isEmpty else { return "" }
        let shown = body.prefix(300).map { (0x20...0x7e).contains($0) ? Character(UnicodeScalar($0)) : "?" }
        return ": " + String(shown) + (body.count > 300 ? "..." : "")
    }

    // MARK: One attempt

    private func attemptOnce(_ request: ClientRequest, headerLines: [String],
                             on state: inout State) -> Result<ClientResponse, TransportError> {
        do throws(TransportError) {
            let easy = state.easy
            try configure(easy, for: request)
            if let connectTo = state.connectTo {
                try easy.set(CURLOPT_CONNECT_TO, pointer: UnsafeMutableRawPointer(connectTo.head))
            }
            let headers = try CurlHeaderList(headerLines, peer: peerName)
            let limit = limit(for: request)
            let sink = ResponseSink(limit: limit, budget: policy.memoryBudget, factor: policy.responseMemoryFactor)
            let code = try easy.perform(sink: sink, headers: headers)
            state.connectionsOpened += try easy.info(CURLINFO_NUM_CONNECTS, "CURLINFO_NUM_CONNECTS")
            guard code == CURLE_OK else {
                let detail = easy.errorText
                let kind = CurlCode.classify(code, detail: detail, sinkOverflowed: sink.overflowed,
                                             sinkOverBudget: sink.overBudget)
                let route = "\(request.method) \(request.path.prefix { $0 != "?" })"
                // A fixed text for what the peer did (no byte counts that vary), so the node logs it once.
                let text: String
                switch kind {
                case .tooLarge:
                    text = "the answer to \(route) exceeds its limit of \(limit) bytes (decoded); transfer aborted"
                case .overBudget:
                    let capacity = policy.memoryBudget?.capacity ?? 0
                    text = "the answer to \(route) does not fit in the memory left for responses (\(capacity) bytes "
                        + "for all peers); transfer aborted"
                default:
                    text = detail.isEmpty ? CurlCode.strerror(code) : detail
                }
                return .failure(TransportError(kind: kind, message: "\(peerName): \(text) (curl \(code.rawValue))"))
            }
            let status = try easy.info(CURLINFO_RESPONSE_CODE, "CURLINFO_RESPONSE_CODE")
            return .success(ClientResponse(status: status, headers: sink.headers, body: sink.body,
                                           reservation: sink.reservation))
        } catch {
            return .failure(error)
        }
    }

    /// The largest decoded body `request` accepts: its own limit, within the policy's.
    private func limit(for request: ClientRequest) -> Int {
        min(policy.maxResponseBytes, request.maxResponseBytes ?? .max)
    }

    /// Every option, from defaults, for one attempt (`reset` keeps the live connection).
    private func configure(_ easy: CurlEasyHandle, for request: ClientRequest) throws(TransportError) {
        try easy.reset()
        try easy.set(CURLOPT_URL, urlPrefix + request.path)
        // Never raise SIGALRM for DNS timeouts: we run on arbitrary threads.
        try easy.set(CURLOPT_NOSIGNAL, true)
        try easy.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        try easy.set(CURLOPT_FOLLOWLOCATION, false)
        // No proxy, whatever http_proxy/https_proxy/all_proxy say.
        try easy.set(CURLOPT_PROXY, "")
        try easy.set(CURLOPT_NOPROXY, "*")
        // "" = offer every encoding libcurl can decode (gzip, deflate, …) and decode it before the write callback.
        try easy.set(CURLOPT_ACCEPT_ENCODING, "")
        try easy.set(CURLOPT_TCP_KEEPALIVE, true)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, policy.connectTimeoutMilliseconds)
        try easy.set(CURLOPT_TIMEOUT_MS, policy.totalTimeoutMilliseconds)
        // Refuses early when Content-Length announces too much; the sink enforces the decoded size.
        try easy.set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(limit(for: request)))
        switch endpoint {
        case .tls(let tls):
            try easy.set(CURLOPT_PROTOCOLS_STR, "https")
            try easy.set(CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2)  // TLS 1.2 or later
            try easy.set(CURLOPT_SSL_VERIFYPEER, true)
            try easy.set(CURLOPT_SSL_VERIFYHOST, 2)  // 2 = the certificate must name the host; 1 is not allowed
            try easy.set(CURLOPT_CAINFO, tls.trustedCAFile)
            try easy.set(CURLOPT_CAPATH, nil as String?)
            if tls.presentsClientCertificate {
                try easy.set(CURLOPT_SSLCERT, tls.certificateFile)
                try easy.set(CURLOPT_SSLCERTTYPE, "PEM")
                try easy.set(CURLOPT_SSLKEY, tls.privateKeyFile)
                try easy.set(CURLOPT_SSLKEYTYPE, "PEM")
            }
        case .unixSocket(let path):
            try easy.set(CURLOPT_PROTOCOLS_STR, "http")
            try easy.set(CURLOPT_UNIX_SOCKET_PATH, path)
        }
        switch request.method {
        case "GET" where request.body.isEmpty:
            try easy.set(CURLOPT_HTTPGET, true)
        case "HEAD" where request.body.isEmpty:
            try easy.set(CURLOPT_NOBODY, true)
        default:
            try easy.set(CURLOPT_POST, true)
            try easy.setPostBody(request.body)
            if request.method != "POST" {
                try easy.set(CURLOPT_CUSTOMREQUEST, request.method)
            }
        }
    }

    /// The request's header lines, plus "Expect:" (no 100-continue round trip before large bodies) and
    /// "Content-Type:" (no form-urlencoded default on POST) unless the caller set them. A header with an empty
    /// value is written "Name;", libcurl's spelling for it.
    private func headerLines(for request: ClientRequest) throws(TransportError) -> [String] {
        var lines: [String] = []
        var names: Set<String> = []
        for (name, value) in request.headers {
            guard Self.isToken(name) else {
                throw TransportError(kind: .other, message: "\(peerName): invalid request header name")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw TransportError(kind: .other, message: "\(peerName): header \(name) has a line break or NUL")
            }
            names.insert(name.lowercased())
            lines.append(value.isEmpty ? name + ";" : name + ": " + value)
        }
        if !names.contains("expect") { lines.append("Expect:") }
        if !names.contains("content-type") { lines.append("Content-Type:") }
        return lines
    }

    private func validate(_ request: ClientRequest) throws(TransportError) {
        if let limit = request.maxResponseBytes, limit <= 0 {
            throw TransportError(kind: .other, message: "\(peerName): maxResponseBytes must be positive")
        }
        guard Self.isToken(request.method) else {
            throw TransportError(kind: .other, message: "\(peerName): invalid HTTP method")
        }
        guard request.path.hasPrefix("/"), !request.path.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw TransportError(kind: .other,
                                 message: "\(peerName): request path must start with / and have no spaces or controls")
        }
    }

    // MARK: Backoff

    /// Full jitter: uniform in 0...min(max, base · 2^retry), from the system CSPRNG. A peer's Retry-After
    /// (seconds) raises the delay, never beyond `backoffMaxMilliseconds`.
    func backoffMilliseconds(beforeRetry retry: Int, retryAfterSeconds: Int?) -> Int {
        let base = max(0, policy.backoffBaseMilliseconds), cap = max(0, policy.backoffMaxMilliseconds)
        let (scaled, overflow) = base.multipliedReportingOverflow(by: 1 << min(retry, 32))
        let ceiling = overflow ? cap : min(cap, scaled)
        var generator = SystemRandomNumberGenerator()
        var delay = Int.random(in: 0...ceiling, using: &generator)
        if let retryAfterSeconds, retryAfterSeconds > 0 {
            let (asked, overflow) = retryAfterSeconds.multipliedReportingOverflow(by: 1000)
            delay = max(delay, overflow ? cap : min(cap, asked))
        }
        return delay
    }

    /// Sleeps on the calling thread. `nanosleep` fails only when interrupted by a signal (it then leaves the
    /// time still to sleep in `remaining`) or for an invalid interval, which these values never are.
    private static func sleep(milliseconds: Int) {
        guard milliseconds > 0 else { return }
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, remaining.tv_sec > 0 || remaining.tv_nsec > 0 {
            request = remaining
        }
    }

    // MARK: Validation

    private static func validate(_ policy: ClientPolicy) throws(TransportError) {
        guard policy.connectTimeoutMilliseconds > 0, policy.totalTimeoutMilliseconds > 0, policy.retries >= 0,
              policy.backoffBaseMilliseconds >= 0, policy.backoffMaxMilliseconds >= 0, policy.maxResponseBytes > 0,
              policy.responseMemoryFactor > 0
        else {
            throw TransportError(kind: .other, message: "client policy: timeouts, maxResponseBytes and "
                                 + "responseMemoryFactor must be positive, retries and backoff not negative")
        }
    }

    /// Splits "https://host:port/prefix" into the URL prefix (no trailing slash) and "host:port" (443 if absent).
    private static func parse(baseURL: String) throws(TransportError) -> (prefix: String, authority: String) {
        let scheme = "https://"
        guard baseURL.lowercased().hasPrefix(scheme) else {
            throw TransportError(kind: .other, message: "peer base URL must start with https://: \(baseURL)")
        }
        var prefix = baseURL
        while prefix.hasSuffix("/") { prefix.removeLast() }
        let rest = prefix.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let afterAuthority = rest.dropFirst(authority.count)
        guard !authority.isEmpty, !authority.contains("@"), afterAuthority.isEmpty || afterAuthority.first == "/",
              !baseURL.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
        else {
            throw TransportError(kind: .other, message: "peer base URL must be https://host:port[/path]: \(baseURL)")
        }
        // host:port, or [v6]:port; a port is present if the last colon follows any closing bracket.
        let hasPort = authority.lastIndex(of: ":").map { colon in
            authority.lastIndex(of: "]").map { $0 < colon } ?? true
        } ?? false
        return (prefix, hasPort ? String(authority) : authority + ":443")
    }

    /// RFC 9110 token characters, for methods and header names.
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
