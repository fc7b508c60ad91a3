// CurlEasyHandle: owners of the libcurl handles the client uses, and their typed option setters.
//
// One `final class` per C handle, freed in `deinit`: `CurlEasyHandle` owns a `CURL *` and the
// CURLOPT_ERRORBUFFER it writes into, `CurlHeaderList` owns a `struct curl_slist *`. Neither is Sendable;
// `PeerClient` keeps its easy handle inside a `Mutex`, so only one thread touches it at a time, as libcurl
// requires ("You must never share the same handle in multiple threads").
//
// Options are set through typed mirrors of `curl_easy_setopt`, one per argument kind, each going through the
// shim helper of that kind and through `CurlCode.check`: a refused option becomes a thrown `TransportError`,
// never a `try!` (FoundationNetworking's EasyHandle traps on every setopt; we do not).
//
// `curl_global_init` runs exactly once, lazily, before the first easy handle, and `curl_global_cleanup` is
// never called: the library stays initialised for the life of the process, which is what libcurl recommends
// for a program that may make requests at any time.
//
// https://curl.se/libcurl/c/libcurl-easy.html  https://curl.se/libcurl/c/curl_easy_setopt.html

internal import CCurl

/// `curl_global_init(CURL_GLOBAL_DEFAULT)`, once per process.
enum CurlGlobal {
    /// A static `let` is initialised lazily and exactly once, under `swift_once`, even when several threads
    /// create their first `PeerClient` at the same time. https://curl.se/libcurl/c/curl_global_init.html
    static let initResult: UInt32 = curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue

    static func ensureInitialised(peer: String) throws(TransportError) {
        try CurlCode.check(CURLcode(rawValue: initResult), "curl_global_init", peer: peer)
    }
}

/// Owner of one libcurl easy handle. Reused for every request to one peer, so libcurl's connection cache in
/// the handle keeps the connection alive between requests. Confined to one thread at a time.
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer
    /// CURLOPT_ERRORBUFFER: "a buffer of at least CURL_ERROR_SIZE bytes" that libcurl fills on failure and
    /// that must stay allocated while the handle is used; freed after `curl_easy_cleanup`.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// host:port (or unix:path), for error messages.
    let peer: String

    init(peer: String) throws(TransportError) {
        try CurlGlobal.ensureInitialised(peer: peer)
        guard let handle = curl_easy_init() else {
            throw TransportError(kind: .other, message: "\(peer): curl_easy_init failed")
        }
        self.handle = handle
        self.peer = peer
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Returns every option to its default while keeping the live connections, the TLS session cache and the
    /// DNS cache, then re-attaches the error buffer. Each request starts from here, so no option set for one
    /// request (a method, a body, a header list) can leak into the next.
    /// https://curl.se/libcurl/c/curl_easy_reset.html
    func reset() throws(TransportError) {
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
    }

    // MARK: Typed setopt mirrors, one per argument kind.

    /// Options that take a `long`.
    func set(_ option: CURLoption, _ value: Int) throws(TransportError) {
        try CurlCode.check(ccurl_easy_setopt_long(handle, option, value), Self.name(option), peer: peer)
    }

    /// Boolean options (a `long` 0 or 1).
    func set(_ option: CURLoption, _ value: Bool) throws(TransportError) {
        try set(option, value ? 1 : 0)
    }

    /// Options that take a `char *`; libcurl copies the string, so it need not outlive the call. `nil`
    /// restores the option's default (for CURLOPT_CAPATH: none).
    func set(_ option: CURLoption, _ value: String?) throws(TransportError) {
        let code: CURLcode
        if let value {
            code = value.withCString { ccurl_easy_setopt_string(handle, option, $0) }
        } else {
            code = ccurl_easy_setopt_string(handle, option, nil)
        }
        try CurlCode.check(code, Self.name(option), peer: peer)
    }

    /// Options that take a pointer libcurl keeps without copying: the caller keeps the pointee alive for as
    /// long as the option is set.
    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(TransportError) {
        try CurlCode.check(ccurl_easy_setopt_pointer(handle, option, pointer), Self.name(option), peer: peer)
    }

    /// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
    func set(_ option: CURLoption, callback: curl_write_callback?) throws(TransportError) {
        try CurlCode.check(ccurl_easy_setopt_callback(handle, option, callback), Self.name(option), peer: peer)
    }

    /// Options with a `_LARGE` suffix, which take a `curl_off_t`.
    func set(_ option: CURLoption, offset: Int64) throws(TransportError) {
        try CurlCode.check(ccurl_easy_setopt_off_t(handle, option, curl_off_t(offset)), Self.name(option), peer: peer)
    }

    /// The request body: CURLOPT_POSTFIELDSIZE_LARGE, then CURLOPT_COPYPOSTFIELDS, which copies the bytes into
    /// the handle, so `body` need not outlive the call (and an empty body is still a non-NULL pointer).
    func setPostBody(_ body: [UInt8]) throws(TransportError) {
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count))
        let code = body.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else {
                return "".withCString { ccurl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, $0) }
            }
            return ccurl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
        }
        try CurlCode.check(code, Self.name(CURLOPT_COPYPOSTFIELDS), peer: peer)
    }

    /// CURLOPT_HTTPHEADER. The list must stay alive until the option is cleared or the handle reset;
    /// `perform(sink:headers:)` guarantees it.
    private func set(headers: CurlHeaderList?) throws(TransportError) {
        try set(CURLOPT_HTTPHEADER, pointer: headers.flatMap { UnsafeMutableRawPointer($0.head) })
    }

    // MARK: Info

    /// A CURLINFO of type long. https://curl.se/libcurl/c/curl_easy_getinfo.html
    func info(_ info: CURLINFO, _ name: @autoclosure () -> String) throws(TransportError) -> Int {
        var value = 0
        try CurlCode.check(ccurl_easy_getinfo_long(handle, info, &value), "curl_easy_getinfo(\(name()))", peer: peer)
        return value
    }

    /// The error buffer's text from the last `perform`, or "" if libcurl left it empty.
    var errorText: String {
        let text = String(cString: errorBuffer)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    // MARK: Perform

    /// Runs the configured transfer, collecting the response into `sink`.
    ///
    /// The sink is retained (+1) for libcurl, which sees it only as the raw CURLOPT_WRITEDATA/HEADERDATA
    /// pointer, and released (-1) after `curl_easy_perform` has returned and the pointers have been cleared:
    /// a matched pair, so the sink can never be freed during the transfer, nor leak, nor be reached through a
    /// stale pointer afterwards. `headers` is kept alive by this frame for the same span.
    func perform(sink: ResponseSink, headers: CurlHeaderList) throws(TransportError) -> CURLcode {
        let context = Unmanaged.passRetained(sink)
        defer {
            _ = ccurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, nil)
            _ = ccurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, nil)
            _ = ccurl_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, nil)
            context.release()
        }
        try set(headers: headers)
        try set(CURLOPT_WRITEFUNCTION, callback: { buffer, size, count, userdata in
            ResponseSink.receive(userdata, buffer, size * count, isHeader: false)
        })
        try set(CURLOPT_HEADERFUNCTION, callback: { buffer, size, count, userdata in
            ResponseSink.receive(userdata, buffer, size * count, isHeader: true)
        })
        try set(CURLOPT_WRITEDATA, pointer: context.toOpaque())
        try set(CURLOPT_HEADERDATA, pointer: context.toOpaque())
        errorBuffer[0] = 0
        return withExtendedLifetime(headers) { curl_easy_perform(handle) }
    }

    /// The option's name without the CURLOPT_ prefix, from libcurl's own option table (7.73.0+).
    private static func name(_ option: CURLoption) -> String {
        if let entry = curl_easy_option_by_id(option), let name = entry.pointee.name {
            return "curl_easy_setopt(CURLOPT_\(String(cString: name)))"
        }
        return "curl_easy_setopt(\(option.rawValue))"
    }
}

/// Owner of one `struct curl_slist` of request header lines, freed with `curl_slist_free_all`.
/// https://curl.se/libcurl/c/curl_slist_append.html
final class CurlHeaderList {
    private(set) var head: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String], peer: String) throws(TransportError) {
        for line in lines {
            // On failure curl_slist_append returns NULL and leaves the list as it was; deinit frees it.
            guard let extended = curl_slist_append(head, line) else {
                throw TransportError(kind: .other, message: "\(peer): curl_slist_append failed (out of memory)")
            }
            head = extended
        }
    }

    deinit {
        curl_slist_free_all(head)
    }
}
