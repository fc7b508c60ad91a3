// A real HTTPS peer for the client tests: python3's `ssl` and `http.server`, run as a subprocess.
//
// The client is only worth testing against a real TLS stack that really demands a client certificate, keeps
// connections alive and misbehaves on request, so the tests start this small server (ThreadingHTTPServer,
// HTTP/1.1 keep-alive, TLS 1.2 minimum, client certificates required and verified against the test CA) or its
// plain-HTTP twin on a Unix socket. It binds port 0, prints its port (or "ready") on stdout, and is killed when
// the test ends. It counts accepted TCP connections and requests per key so that tests can see retries and
// connection reuse from the server's side.

import Foundation
import InterforceTestSupport

#if canImport(Glibc)
import Glibc
#endif

struct ClientTestServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The python3 test server, running until `stop()` or deinit.
final class ClientTestServer {
    /// The TCP port (0 in Unix-socket mode).
    let port: Int
    private let process: Process
    /// The server's stdin: closing it (here, or by our process dying) makes the server exit.
    private let lifeline = Pipe()
    private let stderrPath: String

    /// An mTLS server presenting `certificate`/`key` and accepting client certificates issued by `clientCA`.
    convenience init(directory: TemporaryDirectory, certificate: String, key: String, clientCA: String) throws {
        try self.init(directory: directory, arguments: ["tls", certificate, key, clientCA])
    }

    /// A plain HTTP server on the Unix socket at `unixSocketPath`.
    convenience init(directory: TemporaryDirectory, unixSocketPath: String) throws {
        try self.init(directory: directory, arguments: ["unix", unixSocketPath])
    }

    private init(directory: TemporaryDirectory, arguments: [String]) throws {
        let script = directory.file("client_test_server.py")
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        stderrPath = directory.file("client_test_server-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = lifeline
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
                throw ClientTestServerError( "test server did not start: \(log)")
            }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        port = Int(text) ?? 0
    }

    func stop() {
        guard process.isRunning else { return }
        try? lifeline.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A TCP port on 127.0.0.1 that nothing listens on: bound, read back, closed.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientTestServerError( "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else { throw ClientTestServerError( "bind failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static let script = #"""
import gzip, os, signal, socketserver, ssl, sys, threading, time

# The test process spawns us with most signals blocked (the mask is inherited); unblock them so SIGTERM works,
# and exit when stdin closes, so a crashed test run leaves no server behind.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
signal.signal(signal.SIGTERM, signal.SIG_DFL)


def lifeline():
    sys.stdin.buffer.read()
    os._exit(0)


threading.Thread(target=lifeline, daemon=True).start()
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

lock = threading.Lock()
counters = {}
connections = 0


def bump(key):
    with lock:
        counters[key] = counters.get(key, 0) + 1
        return counters[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        # The handshake runs here, on the connection's own thread, so a slow or failing client never blocks accept.
        if self.server.tls_context is not None:
            self.request = self.server.tls_context.wrap_socket(self.request, server_side=True)
        super().setup()

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        self.route()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def route(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/whoami":
            if self.server.tls_context is None:
                return self.reply(200, b"unix")
            subject = self.connection.getpeercert()["subject"]
            cn = [value for rdn in subject for (name, value) in rdn if name == "commonName"][0]
            self.reply(200, cn.encode())
        elif path == "/echo":
            self.reply(200, body, [("X-Method", self.command),
                                   ("X-Content-Type", self.headers.get("Content-Type", "none")),
                                   ("X-Expect", self.headers.get("Expect", "none")),
                                   ("X-Test", self.headers.get("X-Test", "none")),
                                   ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        elif path == "/flaky":
            n = bump(query["key"])
            if n <= int(query["fail"]):
                self.reply(503, b"unavailable")
            else:
                self.reply(200, ("ok after %d" % n).encode())
        elif path == "/count":
            with lock:
                n = counters.get(query["key"], 0)
            self.reply(200, str(n).encode())
        elif path == "/connections":
            with lock:
                n = connections
            self.reply(200, str(n).encode())
        elif path == "/sleep":
            time.sleep(int(query["ms"]) / 1000)
            self.reply(200, b"slept")
        elif path == "/gzip":
            plain = (query.get("text", "hello gzip ") * int(query.get("repeat", "1000"))).encode()
            self.reply(200, gzip.compress(plain), [("Content-Encoding", "gzip"), ("Content-Type", "text/plain")])
        elif path == "/bytes":
            self.reply(200, b"x" * int(query["n"]))
        elif path == "/stream":
            # Chunked, so the client cannot know the size in advance.
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            remaining = int(query["n"])
            while remaining > 0:
                chunk = b"y" * min(remaining, 1000)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                remaining -= len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/status":
            self.reply(int(query["code"]), b"status body")
        else:
            self.reply(404, b"no such endpoint")


class Counting:
    daemon_threads = True
    tls_context = None

    def get_request(self):
        global connections
        request = super().get_request()
        with lock:
            connections += 1
        return request

    def handle_error(self, request, client_address):
        pass


class TLSServer(Counting, ThreadingHTTPServer):
    pass


class UnixServer(Counting, socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    pass


if sys.argv[1] == "tls":
    certificate, key, client_ca = sys.argv[2:5]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate, key)
    context.load_verify_locations(client_ca)
    context.verify_mode = ssl.CERT_REQUIRED
    server = TLSServer(("127.0.0.1", 0), Handler)
    server.tls_context = context
    print(server.server_address[1], flush=True)
else:
    server = UnixServer(sys.argv[2], Handler)
    print(0, flush=True)
server.serve_forever()
"""#
}
