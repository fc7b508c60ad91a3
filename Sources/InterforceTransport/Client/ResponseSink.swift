// ResponseSink: where libcurl's callbacks put one response.
//
// libcurl hands the response to C callbacks in pieces: header lines to CURLOPT_HEADERFUNCTION, (decoded) body
// bytes to CURLOPT_WRITEFUNCTION, each with the opaque pointer we gave it as CURLOPT_HEADERDATA/WRITEDATA.
// That pointer is one fresh `ResponseSink` per attempt, retained for exactly the duration of
// `curl_easy_perform` (see `CurlEasyHandle.perform`). The sink enforces the request's limit on the decoded body —
// libcurl inflates a gzip or deflate body in pieces of at most CURL_MAX_WRITE_SIZE (16 KiB) and hands each to the
// write callback, so the limit holds after decompression and the transfer stops at the first piece past it — and
// reserves memory for each piece from the client's `ResponseMemoryBudget`, if it has one. Returning fewer bytes
// than offered makes libcurl abort with CURLE_WRITE_ERROR, which `overflowed` turns into
// `TransportError.Kind.tooLarge` and `overBudget` into `.overBudget`.
//
// https://curl.se/libcurl/c/CURLOPT_WRITEFUNCTION.html  https://curl.se/libcurl/c/CURLOPT_HEADERFUNCTION.html

import Synchronization

/// Memory reserved from a `ResponseMemoryBudget` for one response, given back when this is freed: by the sink when
/// the attempt fails, by the last copy of the `ClientResponse` otherwise.
final class ResponseReservation: Sendable {
    private let budget: MemoryBudget
    private let held = Mutex(0)

    init(_ budget: MemoryBudget) {
        self.budget = budget
    }

    /// Reserves `count` more bytes; false (and nothing more reserved) if they do not fit.
    func take(_ count: Int) -> Bool {
        guard budget.reserve(count) else { return false }
        held.withLock { $0 += count }
        return true
    }

    var bytes: Int { held.withLock { $0 } }

    deinit {
        let count = held.withLock { $0 }
        budget.release(count)
        // A large response's body and tree are being freed: give the pages back (see MemoryBudget).
        if count >= MemoryBudget.trimAfterBytes { MemoryBudget.returnFreedMemory() }
    }
}

/// One attempt's response as it arrives. Confined to the thread running `curl_easy_perform`.
final class ResponseSink {
    private let limit: Int
    private let factor: Int
    private(set) var body: [UInt8] = []
    /// Header fields of the final response, names lowercased; repeated fields joined with ", ".
    private(set) var headers: [String: String] = [:]
    /// Set when the body would have exceeded `limit`.
    private(set) var overflowed = false
    /// Set when the memory budget could not hold the next piece of the body.
    private(set) var overBudget = false
    /// What the body holds of the memory budget, if there is one.
    let reservation: ResponseReservation?

    init(limit: Int, budget: ResponseMemoryBudget? = nil, factor: Int = 1) {
        self.limit = limit
        self.factor = factor
        reservation = budget.map { ResponseReservation($0.budget) }
    }

    /// Shared body of the two C callbacks. Returns the number of bytes taken; anything else aborts the transfer.
    static func receive(_ userdata: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ count: Int,
                        isHeader: Bool) -> Int {
        guard let userdata else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
        let bytes = UnsafeRawBufferPointer(start: buffer, count: buffer == nil ? 0 : count)
        if isHeader {
            sink.receiveHeaderLine(bytes)
            return count
        }
        return sink.receiveBody(bytes) ? count : 0
    }

    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= limit - body.count else {
            overflowed = true
            return false
        }
        if let reservation, !reservation.take(bytes.count * factor) {
            overBudget = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// One complete header line, CRLF included ("libcurl delivers complete header lines, one at a time").
    /// A status line starts a new header block (after 1xx responses), so only the final block is kept.
    private func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingASCIIWhitespace()
        if let existing = headers[name] {
            headers[name] = existing + ", " + value
        } else {
            headers[name] = value
        }
    }
}

extension Substring {
    fileprivate func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
