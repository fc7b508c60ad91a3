// TransportError: the one way an outbound HTTP failure reaches the node.
//
// A peer can fail in a handful of ways that call for different reactions: it is unreachable (`connect`) or
// slow (`timeout`), and trying again later may help; its certificate does not chain to the federation CA, or
// it refused ours (`tls`), and retrying would only repeat the refusal; it sent more than we accept
// (`tooLarge`), or more than the memory left for responses holds just now (`overBudget`); it answered, but with 5xx or 429 until we gave up (`http`). `CurlCode.classify` is the single
// place where a libcurl result code becomes one of these kinds, and `PeerClient` retries by kind alone.
//
// Messages carry libcurl's own explanation (the CURLOPT_ERRORBUFFER text, or `curl_easy_strerror`), the
// libcurl code and the peer's host:port. They never carry request or response bodies: those are police
// records, and errors end up in logs.
//
// libcurl error codes: https://curl.se/libcurl/c/libcurl-errors.html

internal import CCurl

/// A failed request to a peer, after any retries `ClientPolicy` allowed.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, coarsely enough to decide what to do about it.
    public enum Kind: String, Sendable {
        /// The peer could not be reached or dropped the connection (refused, unresolvable, reset). Retried.
        case connect
        /// Certificate or handshake failure on either side: the peer's certificate does not chain to the
        /// federation CA or does not name the host, our own certificate or key is unusable, or the peer
        /// refused our certificate. Never retried: the same handshake would fail the same way.
        case tls
        /// The connect timeout or the total timeout of `ClientPolicy` expired. Retried.
        case timeout
        /// The decoded response body exceeded the request's limit (`ClientRequest.maxResponseBytes`, at most
        /// `ClientPolicy.maxResponseBytes`); the transfer was aborted at the first bytes past it. Not retried.
        case tooLarge = "too-large"
        /// The client's `ResponseMemoryBudget` could not hold the body as it arrived (other responses in flight
        /// held it); the transfer was aborted. Retried: the memory is given back as those responses are done.
        case overBudget = "over-budget"
        /// The peer kept answering 5xx or 429 until the retries ran out; `status` is its last answer.
        case http
        /// Anything else: a bad request or configuration, an option libcurl refused, a malformed response.
        /// Not retried.
        case other
    }

    public let kind: Kind
    /// libcurl's explanation and the peer's host:port; never a request or response body.
    public let message: String
    /// The last HTTP status, for `.http`; nil otherwise.
    public let status: Int?

    public init(kind: Kind, message: String, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
    }

    public var description: String { "\(kind.rawValue) error: \(message)" }

    /// Whether `PeerClient` may try again after this failure (connection errors and timeouts only; 429 and
    /// 5xx answers are retried before they ever become a `TransportError`).
    var isRetryable: Bool { kind == .connect || kind == .timeout || kind == .overBudget }

    /// The same error with `note` appended to its message (used for the attempt count).
    func appending(_ note: String) -> TransportError {
        TransportError(kind: kind, message: message + note, status: status)
    }
}

/// Turning libcurl result codes into `TransportError`s.
enum CurlCode {
    /// The choke point for every libcurl call that returns a `CURLcode` other than `curl_easy_perform`:
    /// returns on `CURLE_OK`, throws `.other` naming the call otherwise. Such a failure means a
    /// configuration libcurl does not support (e.g. an option not built in), so it is not retried.
    static func check(_ code: CURLcode, _ call: @autoclosure () -> String, peer: String) throws(TransportError) {
        guard code != CURLE_OK else { return }
        throw TransportError(kind: .other,
                             message: "\(peer): \(call()) failed: \(strerror(code)) (curl \(code.rawValue))")
    }

    /// libcurl's fixed English text for `code`. https://curl.se/libcurl/c/curl_easy_strerror.html
    static func strerror(_ code: CURLcode) -> String {
        guard let text = curl_easy_strerror(code) else { return "unknown libcurl error" }
        return String(cString: text)
    }

    /// The kind of a failed `curl_easy_perform`. `detail` is the error buffer's text; it is only consulted
    /// for send/receive errors, where OpenSSL's alert text ("tlsv13 alert certificate required", "alert
    /// unknown ca") is the only sign that the peer refused our certificate after the TLS 1.3 handshake had
    /// completed on our side.
    static func classify(_ code: CURLcode, detail: String, sinkOverflowed: Bool,
                         sinkOverBudget: Bool = false) -> TransportError.Kind {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_GOT_NOTHING,
             CURLE_PARTIAL_FILE:
            return .connect
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR:
            return looksLikeTLS(detail) ? .tls : .connect
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
             CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_FILESIZE_EXCEEDED:
            return .tooLarge
        case CURLE_WRITE_ERROR:
            // Our write callback refuses bytes only when the body would exceed the limit or the memory budget.
            return sinkOverflowed ? .tooLarge : sinkOverBudget ? .overBudget : .other
        default:
            return .other
        }
    }

    private static func looksLikeTLS(_ detail: String) -> Bool {
        let text = detail.lowercased()
        return text.contains("ssl") || text.contains("tls") || text.contains("alert")
    }
}
