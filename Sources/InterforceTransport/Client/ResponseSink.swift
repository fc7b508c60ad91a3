// ResponseSink: where libcurl's callbacks put one response.
//
// libcurl hands the response to C callbacks in pieces: header lines to CURLOPT_HEADERFUNCTION, (decoded) body
// bytes to CURLOPT_WRITEFUNCTION, each with the opaque pointer we gave it as CURLOPT_HEADERDATA/WRITEDATA.
// That pointer is one fresh `ResponseSink` per attempt, retained for exactly the duration of
// `curl_easy_perform` (see `CurlEasyHandle.perform`). The sink enforces `maxResponseBytes` on the decoded body:
// returning fewer bytes than offered makes libcurl abort with CURLE_WRITE_ERROR, which `overflowed` turns into
// `TransportError.Kind.tooLarge`.
//
// https://curl.se/libcurl/c/CURLOPT_WRITEFUNCTION.html  https://curl.se/libcurl/c/CURLOPT_HEADERFUNCTION.html

/// One attempt's response as it arrives. Confined to the thread running `curl_easy_perform`.
final class ResponseSink {
    private let limit: Int
    private(set) var body: [UInt8] = []
    /// Header fields of the final response, names lowercased; repeated fields joined with ", ".
    private(set) var headers: [String: String] = [:]
    /// Set when the body would have exceeded `limit`.
    private(set) var overflowed = false

    init(limit: Int) {
        self.limit = limit
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
