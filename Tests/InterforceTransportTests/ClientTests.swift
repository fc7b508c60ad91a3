// PeerClient against a real mutual-TLS peer (python3's ssl + http.server, see ClientTestServer.swift) and a
// real Unix-socket peer: identity, trust pinning, connection reuse, retries and their bounds, timeouts,
// decoding and size limits. Every test has its own directory, CA and server on port 0.

import Foundation
@testable import InterforceTransport
import InterforceTestSupport
import Synchronization
import Testing

/// A CA, a server certificate for "surrey" and a client certificate for "hampshire", and a server using them.
private struct TLSPeer {
    let directory = TemporaryDirectory("client")
    let pki: TestPKI
    let client: (certificate: String, key: String)
    let server: ClientTestServer

    init() throws {
        pki = try TestPKI(directory: directory.path)
        client = try pki.node("hampshire")
        let serverCertificate = try pki.node("surrey")
        server = try ClientTestServer(directory: directory, certificate: serverCertificate.certificate,
                                      key: serverCertificate.key, clientCA: pki.caCertificate)
    }

    var baseURL: String { "https://127.0.0.1:\(server.port)" }

    var tls: TLSClientConfig {
        TLSClientConfig(certificateFile: client.certificate, privateKeyFile: client.key,
                        trustedCAFile: pki.caCertificate)
    }

    func peerClient(_ policy: ClientPolicy = .fast) throws -> PeerClient {
        try PeerClient(baseURL: baseURL, tls: tls, policy: policy)
    }

    /// A number the server reports (request counts, connection count), asked on a fresh client.
    func serverCount(_ path: String) throws -> Int {
        let response = try peerClient().send(ClientRequest(method: "GET", path: path))
        return Int(String(decoding: response.body, as: UTF8.self)) ?? -1
    }
}

extension ClientPolicy {
    /// Short backoff so that retry tests take milliseconds.
    static var fast: ClientPolicy {
        var policy = ClientPolicy()
        policy.backoffBaseMilliseconds = 20
        policy.backoffMaxMilliseconds = 100
        policy.connectTimeoutMilliseconds = 2000
        policy.totalTimeoutMilliseconds = 5000
        return policy
    }
}

private func elapsed(_ body: () throws -> Void) rethrows -> Duration {
    let start = ContinuousClock.now
    try body()
    return ContinuousClock.now - start
}

private func text(_ response: ClientResponse) -> String { String(decoding: response.body, as: UTF8.self) }

private func expectTransportError(_ kind: TransportError.Kind..., from body: () throws(TransportError) -> Void)
    -> TransportError? {
    do {
        try body()
        Issue.record("expected TransportError(\(kind)), got a response")
        return nil
    } catch {
        #expect(kind.contains(error.kind), "unexpected \(error)")
        return error
    }
}

@Suite("PeerClient over mutual TLS")
struct ClientTLSTests {
    @Test("round trip: the server sees our certificate's CN, we see its status, headers and body")
    func mutualTLSRoundTrip() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        let client = try peer.peerClient()
        let whoami = try client.send(ClientRequest(method: "GET", path: "/whoami"))
        #expect(whoami.status == 200)
        #expect(text(whoami) == "hampshire")

        let body = Array("entry batch".utf8)
        let echo = try client.send(ClientRequest(method: "PUT", path: "/echo?x=1",
                                                 headers: [("X-Test", "yes"), ("Content-Type", "application/json")],
                                                 body: body))
        #expect(echo.status == 200)
        #expect(echo.body == body)
        #expect(echo.headers["x-method"] == "PUT")
        #expect(echo.headers["x-test"] == "yes")
        #expect(echo.headers["x-content-type"] == "application/json")
        #expect(echo.headers["x-expect"] == "none")
        #expect(echo.headers["set-cookie"] == "a=1, b=2")

        // POST without Content-Type: libcurl's form-urlencoded default is suppressed.
        let post = try client.send(ClientRequest(method: "POST", path: "/echo", body: []))
        #expect(post.headers["x-content-type"] == "none")
        #expect(post.headers["x-method"] == "POST")
        #expect(post.body.isEmpty)
    }

    @Test("an expected server name binds the peer to its force: the right name passes, another member's fails")
    func expectedServerName() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        var right = peer.tls
        right.expectedServerName = "surrey.node.interforce"
        let response = try PeerClient(baseURL: peer.baseURL, tls: right, policy: .fast)
            .send(ClientRequest(method: "GET", path: "/whoami"))
        #expect(response.status == 200 && text(response) == "hampshire")
        var wrong = peer.tls
        wrong.expectedServerName = "sussex.node.interforce"
        let client = try PeerClient(baseURL: peer.baseURL, tls: wrong, policy: .fast)
        _ = expectTransportError(.tls) { () throws(TransportError) in
            _ = try client.send(ClientRequest(method: "GET", path: "/whoami"))
        }
    }

    @Test("two sequential requests reuse one kept-alive connection")
    func keepAlive() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        let client = try peer.peerClient()
        for _ in 0..<3 {
            #expect(try client.send(ClientRequest(method: "GET", path: "/whoami")).status == 200)
        }
        #expect(client.connectionsOpened == 1)
        // The server agrees: one connection from `client`, one from the client asking.
        #expect(try peer.serverCount("/connections") == 2)
    }

    @Test("4xx other than 429 is a response, not an error, and not retried")
    func clientErrorsAreResponses() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        let response = try peer.peerClient().send(ClientRequest(method: "GET", path: "/status?code=404"))
        #expect(response.status == 404)
        #expect(text(response) == "status body")
    }

    @Test("server certificate from another CA: .tls, one attempt, no retry storm")
    func untrustedServer() throws {
        let directory = TemporaryDirectory("client")
        let pki = try TestPKI(directory: directory.path)
        let client = try pki.node("hampshire")
        let rogueCA = try TestPKI(directory: directory.file("rogue"))
        let rogue = try rogueCA.node("surrey")
        let server = try ClientTestServer(directory: directory, certificate: rogue.certificate, key: rogue.key,
                                          clientCA: pki.caCertificate)
        defer { server.stop() }
        let peer = try PeerClient(baseURL: "https://127.0.0.1:\(server.port)",
                                  tls: TLSClientConfig(certificateFile: client.certificate, privateKeyFile: client.key,
                                                       trustedCAFile: pki.caCertificate),
                                  policy: .fast)
        let error = expectTransportError(.tls) { () throws(TransportError) in
            _ = try peer.send(ClientRequest(method: "GET", path: "/whoami"))
        }
        #expect(error?.message.contains("127.0.0.1:\(server.port)") == true)
        #expect(error?.message.contains("attempt 1 of 4") == true)
        #expect(peer.connectionsOpened == 1)

        // Ask the server how many connections it saw, through a client that does trust the rogue CA.
        let checker = try PeerClient(baseURL: "https://127.0.0.1:\(server.port)",
                                     tls: TLSClientConfig(certificateFile: client.certificate,
                                                          privateKeyFile: client.key,
                                                          trustedCAFile: rogueCA.caCertificate))
        let count = try checker.send(ClientRequest(method: "GET", path: "/connections"))
        #expect(text(count) == "2")
    }

    @Test("the system CA store is not a trust anchor: a CA file without the federation CA fails")
    func onlyThePinnedCA() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        let unrelated = try TestPKI(directory: peer.directory.file("unrelated"))
        var tls = peer.tls
        tls.trustedCAFile = unrelated.caCertificate
        let client = try PeerClient(baseURL: peer.baseURL, tls: tls, policy: .fast)
        _ = expectTransportError(.tls) { () throws(TransportError) in
            _ = try client.send(ClientRequest(method: "GET", path: "/whoami"))
        }
    }

    @Test("client without a certificate: the server refuses")
    func noClientCertificate() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        var tls = peer.tls
        tls.presentsClientCertificate = false
        var policy = ClientPolicy.fast
        policy.retries = 0
        let client = try PeerClient(baseURL: peer.baseURL, tls: tls, policy: policy)
        _ = expectTransportError(.tls, .connect) { () throws(TransportError) in
            _ = try client.send(ClientRequest(method: "GET", path: "/whoami"))
        }
    }

    /// Under TLS 1.3 the client's side of the handshake is over before the server checks the client
    /// certificate, so the refusal arrives as an alert on the first read ("tlsv1 alert unknown ca", .tls) or,
    /// when the server's close overtakes it as a reset, as a dropped connection (.connect, retried). Either
    /// way the request fails and nothing is sent twice successfully.
    @Test("client certificate from another CA: the server refuses, .tls or .connect")
    func foreignClientCertificate() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        let foreign = try TestPKI(directory: peer.directory.file("foreign"))
        let impostor = try foreign.node("hampshire")
        var tls = peer.tls
        tls.certificateFile = impostor.certificate
        tls.privateKeyFile = impostor.key
        let client = try PeerClient(baseURL: peer.baseURL, tls: tls, policy: .fast)
        _ = expectTransportError(.tls, .connect) { () throws(TransportError) in
            _ = try client.send(ClientRequest(method: "GET", path: "/whoami"))
        }
    }

    @Test("missing certificate file: .tls naming the problem")
    func missingCertificateFile() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        var tls = peer.tls
        tls.certificateFile = peer.directory.file("absent.pem")
        let client = try PeerClient(baseURL: peer.baseURL, tls: tls, policy: .fast)
        let error = expectTransportError(.tls) { () throws(TransportError) in
            _ = try client.send(ClientRequest(method: "GET", path: "/whoami"))
        }
        #expect(error?.message.contains("absent.pem") == true)
    }

    @Test("503 twice then 200: succeeds on the third attempt")
    func retriesThenSucceeds() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        let client = try peer.peerClient()
        let response = try client.send(ClientRequest(method: "POST", path: "/flaky?key=a&fail=2", body: [1, 2, 3]))
        #expect(response.status == 200)
        #expect(text(response) == "ok after 3")
        // The connection survives 503s: the retries reuse it.
        #expect(client.connectionsOpened == 1)
    }

    @Test("503 forever: .http with the status after retries+1 attempts, within the backoff bound")
    func retriesExhausted() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        let client = try peer.peerClient()  // 3 retries, backoff ≤ 20 + 40 + 80 ms
        var error: TransportError?
        let time = elapsed {
            error = expectTransportError(.http) { () throws(TransportError) in
                _ = try client.send(ClientRequest(method: "GET", path: "/flaky?key=b&fail=1000"))
            }
        }
        #expect(error?.status == 503)
        #expect(error?.message.contains("after 4 attempts") == true)
        #expect(try peer.serverCount("/count?key=b") == 4)
        #expect(time < .seconds(3))
    }

    @Test("429 is retried like 5xx and ends as .http 429")
    func tooManyRequests() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        var policy = ClientPolicy.fast
        policy.retries = 1
        let client = try peer.peerClient(policy)
        let error = expectTransportError(.http) { () throws(TransportError) in
            _ = try client.send(ClientRequest(method: "GET", path: "/status?code=429"))
        }
        #expect(error?.status == 429)
        #expect(error?.message.contains("after 2 attempts") == true)
    }

    @Test("one client shared by several threads: requests are serialised over one connection")
    func sharedAcrossThreads() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        let client = try peer.peerClient()
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let body = Array("request \(index)".utf8)
            let echoed = try? client.send(ClientRequest(method: "POST", path: "/echo", body: body)).body
            if echoed != body { failures.withLock { $0 += 1 } }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(client.connectionsOpened == 1)
    }

    @Test("total timeout on a stalled peer: .timeout, bounded by (retries+1) × timeout + backoff")
    func totalTimeout() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        var policy = ClientPolicy.fast
        policy.totalTimeoutMilliseconds = 400
        policy.retries = 1
        let client = try peer.peerClient(policy)
        var error: TransportError?
        let time = elapsed {
            error = expectTransportError(.timeout) { () throws(TransportError) in
                _ = try client.send(ClientRequest(method: "GET", path: "/sleep?ms=5000"))
            }
        }
        #expect(error?.message.contains("attempt 2 of 2") == true)
        #expect(time >= .milliseconds(800))
        #expect(time < .milliseconds(800 + 20 + 1500))
    }

    @Test("gzip-encoded body arrives decoded")
    func gzipDecoded() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        let response = try peer.peerClient().send(ClientRequest(method: "GET", path: "/gzip"))
        #expect(response.status == 200)
        #expect(response.headers["content-encoding"] == "gzip")
        #expect(text(response) == String(repeating: "hello gzip ", count: 1000))
    }

    @Test("maxResponseBytes: announced, chunked and decompressed bodies beyond it are .tooLarge, not retried",
          arguments: ["/bytes?n=5000", "/stream?n=5000", "/gzip?repeat=5000&text=z"])
    func tooLarge(path: String) throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        var policy = ClientPolicy.fast
        policy.maxResponseBytes = 1000
        let client = try peer.peerClient(policy)
        let error = expectTransportError(.tooLarge) { () throws(TransportError) in
            _ = try client.send(ClientRequest(method: "GET", path: path))
        }
        #expect(error?.message.contains("attempt 1 of 4") == true)
        // Exactly at the limit is fine.
        #expect(try client.send(ClientRequest(method: "GET", path: "/bytes?n=1000")).body.count == 1000)
    }

    /// W13: a route's own limit, far below the policy's, stops a small gzip body that inflates to megabytes at the
    /// first piece past the limit: what the client held never passed it (the budget's peak says so).
    @Test("a request's maxResponseBytes holds after decompression, while streaming",
          arguments: ["/gzip?repeat=4000000&text=z", "/stream?n=4000000", "/bytes?n=4000000"])
    func requestLimit(path: String) throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        var policy = ClientPolicy.fast
        policy.memoryBudget = ResponseMemoryBudget(capacityBytes: 64 << 20)
        let client = try peer.peerClient(policy)
        let error = expectTransportError(.tooLarge) { () throws(TransportError) in
            _ = try client.send(ClientRequest(method: "GET", path: path, maxResponseBytes: 20_000))
        }
        #expect(error?.message.contains("the answer to GET \(path.prefix { $0 != "?" }) exceeds its limit of 20000 "
                                        + "bytes (decoded); transfer aborted") == true, "\(String(describing: error))")
        #expect(error?.message.contains("attempt 1 of 4") == true)
        #expect(policy.memoryBudget!.reserved.peak <= 20_000)
        #expect(policy.memoryBudget!.reserved.now == 0)
        let fits = try client.send(ClientRequest(method: "GET", path: "/bytes?n=20000", maxResponseBytes: 20_000))
        #expect(fits.body.count == 20_000)
    }

    /// Responses in flight share the budget: a response holds factor × its body while any copy of it lives; one that
    /// does not fit beside it is `.overBudget`, retried, and arrives once the first is gone.
    @Test func responsesInFlightShareTheMemoryBudget() throws {
        let peer = try TLSPeer()
        defer { peer.server.stop() }
        var policy = ClientPolicy.fast
        let budget = ResponseMemoryBudget(capacityBytes: 10_000)
        policy.memoryBudget = budget
        policy.responseMemoryFactor = 2
        let client = try peer.peerClient(policy)
        var first: ClientResponse? = try client.send(ClientRequest(method: "GET", path: "/bytes?n=4000"))
        #expect(first?.reservedBytes == 8000 && budget.reserved.now == 8000)
        let error = expectTransportError(.overBudget) { () throws(TransportError) in
            _ = try client.send(ClientRequest(method: "GET", path: "/bytes?n=2000"))
        }
        #expect(error?.message.contains("does not fit in the memory left for responses (10000 bytes") == true)
        #expect(error?.message.contains("attempt 4 of 4") == true, "over-budget is retried")
        #expect(budget.reserved.now == 8000, "the refused attempts gave back what they took")
        first = nil
        #expect(budget.reserved.now == 0)
        let second = try client.send(ClientRequest(method: "GET", path: "/bytes?n=2000"))
        #expect(second.body.count == 2000 && budget.reserved.now == 4000)
    }
}

@Suite("PeerClient failure bounds and validation")
struct ClientFailureTests {
    @Test("closed port: .connect, fast, within connect timeout × (retries+1) + backoff")
    func closedPort() throws {
        let port = try ClientTestServer.closedPort()
        let directory = TemporaryDirectory("client")
        let pki = try TestPKI(directory: directory.path)
        let node = try pki.node("hampshire")
        let client = try PeerClient(baseURL: "https://127.0.0.1:\(port)",
                                    tls: TLSClientConfig(certificateFile: node.certificate, privateKeyFile: node.key,
                                                         trustedCAFile: pki.caCertificate),
                                    policy: .fast)
        var error: TransportError?
        let time = elapsed {
            error = expectTransportError(.connect) { () throws(TransportError) in
                _ = try client.send(ClientRequest(method: "GET", path: "/whoami"))
            }
        }
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
        #expect(error?.message.contains("attempt 4 of 4") == true)
        #expect(time < .milliseconds(4 * 2000 + 20 + 40 + 80))
        #expect(time < .seconds(2))  // refused at once on loopback: only the backoff counts
    }

    @Test("bad base URLs, policies, methods, paths and header values are refused before any I/O")
    func validation() throws {
        let tls = TLSClientConfig(certificateFile: "c", privateKeyFile: "k", trustedCAFile: "ca")
        for url in ["http://127.0.0.1:1", "https://", "https://user@host:1", "https://host:1 /x", "ftp://x"] {
            _ = expectTransportError(.other) { () throws(TransportError) in
                _ = try PeerClient(baseURL: url, tls: tls)
            }
        }
        var policy = ClientPolicy()
        policy.totalTimeoutMilliseconds = 0
        _ = expectTransportError(.other) { () throws(TransportError) in
            _ = try PeerClient(baseURL: "https://localhost:1", tls: tls, policy: policy)
        }
        let client = try PeerClient(baseURL: "https://localhost:1/", tls: tls)
        #expect(client.peerName == "localhost:1")
        #expect(try PeerClient(baseURL: "https://example.org", tls: tls).peerName == "example.org:443")
        let bad = [
            ClientRequest(method: "GE T", path: "/"),
            ClientRequest(method: "GET", path: "no-slash"),
            ClientRequest(method: "GET", path: "/a b"),
            ClientRequest(method: "GET", path: "/", headers: [("X-Evil", "a\r\nInjected: 1")]),
            ClientRequest(method: "GET", path: "/", headers: [("Bad Name", "x")]),
        ]
        for request in bad {
            _ = expectTransportError(.other) { () throws(TransportError) in _ = try client.send(request) }
        }
        #expect(client.connectionsOpened == 0)
    }

    @Test("backoff is full jitter under min(max, base · 2^n); Retry-After raises it up to max")
    func backoff() throws {
        var policy = ClientPolicy()
        policy.backoffBaseMilliseconds = 100
        policy.backoffMaxMilliseconds = 1000
        let client = try PeerClient(unixSocketPath: "/nonexistent.sock", policy: policy)
        for retry in 0..<40 {
            let delay = client.backoffMilliseconds(beforeRetry: retry, retryAfterSeconds: nil)
            #expect(delay >= 0 && delay <= min(1000, 100 << min(retry, 20)))
        }
        #expect(client.backoffMilliseconds(beforeRetry: 0, retryAfterSeconds: 120) == 1000)
        let spread = Set((0..<50).map { _ in client.backoffMilliseconds(beforeRetry: 3, retryAfterSeconds: nil) })
        #expect(spread.count > 5)
    }
}

@Suite("PeerClient over a Unix socket")
struct ClientUnixSocketTests {
    @Test("plain HTTP over AF_UNIX, with keep-alive")
    func unixSocket() throws {
        let directory = TemporaryDirectory("client")
        let socketPath = directory.file("node.sock")
        let server = try ClientTestServer(directory: directory, unixSocketPath: socketPath)
        defer { server.stop() }
        let client = try PeerClient(unixSocketPath: socketPath, policy: .fast)
        #expect(client.peerName == "unix:" + socketPath)
        let whoami = try client.send(ClientRequest(method: "GET", path: "/whoami"))
        #expect(text(whoami) == "unix")
        let body = Array("query".utf8)
        let echo = try client.send(ClientRequest(method: "POST", path: "/echo", body: body))
        #expect(echo.body == body)
        #expect(echo.headers["x-method"] == "POST")
        #expect(client.connectionsOpened == 1)
    }

    @Test("no node listening on the socket: .connect")
    func noNode() throws {
        let directory = TemporaryDirectory("client")
        var policy = ClientPolicy.fast
        policy.retries = 1
        let client = try PeerClient(unixSocketPath: directory.file("absent.sock"), policy: policy)
        let error = expectTransportError(.connect) { () throws(TransportError) in
            _ = try client.send(ClientRequest(method: "GET", path: "/status"))
        }
        #expect(error?.message.contains("absent.sock") == true)
    }
}
