// The HTTPS server against real clients: curl, openssl s_client and Python's ssl module speak TLS to a server on an
// ephemeral port, with certificates from Deploy/pki.sh (and, for the bad cases, from a second CA and from Python's
// `cryptography`). Each test has its own temporary directory, PKI and port.

import Foundation
import InterforceTestSupport
import InterforceTransport
import Synchronization
import Testing

@Suite struct ServerTests {
    // MARK: Client identity

    @Test func verifiedClientReachesHandlerWithItsCertificate() throws {
        let fixture = try Fixture()
        let node = try fixture.pki.node("surrey")
        let result = try fixture.curl(["--cert", node.certificate, "--key", node.key], path: "/whoami")
        #expect(result.status == 200)
        let request = try #require(fixture.recorder.last)
        guard case .verified(let peer) = request.client else {
            Issue.record("expected .verified, got \(request.client)")
            return
        }
        #expect(peer.commonName == "surrey")
        #expect(peer.organizationalUnit == "surrey")
        #expect(peer.subject == "CN=surrey,OU=surrey,O=Interforce")
        let openssl = try Run.tool("openssl", ["x509", "-in", node.certificate, "-noout", "-serial", "-fingerprint",
                                               "-sha256", "-startdate", "-enddate", "-dateopt", "iso_8601"])
        let fields = Dictionary(openssl.stdout.split(separator: "\n").map { line -> (String, String) in
            let parts = line.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), String(parts[1]))
        }, uniquingKeysWith: { a, _ in a })
        #expect(peer.serialHex == fields["serial"]?.lowercased())
        #expect(peer.fingerprintSHA256 == fields["sha256 Fingerprint"]?.replacingOccurrences(of: ":", with: "")
                    .lowercased())
        let now = Int64(Date().timeIntervalSince1970)
        #expect(peer.notBefore <= now && now < peer.notAfter)
        #expect(peer.notAfter - peer.notBefore == 30 * 86_400)
        #expect(request.remoteAddress == "127.0.0.1")
    }

    @Test func clientWithoutCertificateIsMissing() throws {
        let fixture = try Fixture()
        let result = try fixture.curl([], path: "/whoami")
        #expect(result.status == 200)
        #expect(fixture.recorder.last?.client == .missing)
    }

    @Test func certificateFromAnotherCAIsRejected() throws {
        let fixture = try Fixture()
        let otherDirectory = fixture.directory.file("other-ca")
        try FileManager.default.createDirectory(atPath: otherDirectory, withIntermediateDirectories: true)
        let rogue = try TestPKI(directory: otherDirectory).node("surrey")
        let result = try fixture.curl(["--cert", rogue.certificate, "--key", rogue.key], path: "/whoami")
        #expect(result.status == 200)
        let reason = try #require(fixture.recorder.last?.rejectionReason)
        #expect(reason.contains("not issued by the federation CA"))
        #expect(reason.contains("CN=surrey"))
    }

    @Test func aHugeSubjectIsCutShortInTheReason() throws {
        let fixture = try Fixture()
        // Issued by the fixture's CA but expired, so it is refused and its (10 KB) subject would be the reason's.
        let huge = try fixture.pythonCertificate(name: "huge", daysValid: -1, extraUnits: 160)
        _ = try fixture.curl(["--cert", huge.certificate, "--key", huge.key], path: "/whoami")
        let reason = try #require(fixture.recorder.last?.rejectionReason)
        #expect(reason.hasPrefix("expired (subject CN=huge,") && reason.hasSuffix("…)"), "\(reason.prefix(300))")
        #expect(reason.count < 260, "\(reason.count) characters")
    }

    @Test func expiredCertificateIsRejected() throws {
        let fixture = try Fixture()
        let expired = try fixture.pythonCertificate(name: "expired", daysValid: -1)
        _ = try fixture.curl(["--cert", expired.certificate, "--key", expired.key], path: "/whoami")
        let reason = try #require(fixture.recorder.last?.rejectionReason)
        #expect(reason.hasPrefix("expired"))
        #expect(!reason.contains("not issued"))
    }

    @Test func certificateWithoutClientAuthPurposeIsRejected() throws {
        let fixture = try Fixture()
        let serverOnly = try fixture.pythonCertificate(name: "server-only", daysValid: 30, clientAuth: false)
        _ = try fixture.curl(["--cert", serverOnly.certificate, "--key", serverOnly.key], path: "/whoami")
        let reason = try #require(fixture.recorder.last?.rejectionReason)
        #expect(reason.contains("not valid for TLS client authentication"))
    }

    @Test func certificateWithoutExtendedKeyUsageIsRejected() throws {
        let fixture = try Fixture()
        let anyPurpose = try fixture.pythonCertificate(name: "any-purpose", daysValid: 30, extendedKeyUsage: false)
        _ = try fixture.curl(["--cert", anyPurpose.certificate, "--key", anyPurpose.key], path: "/whoami")
        let reason = try #require(fixture.recorder.last?.rejectionReason)
        #expect(reason.hasPrefix("no extended key usage: TLS client authentication (1.3.6.1.5.5.7.3.2) must be listed"),
                "\(reason)")
        #expect(reason.contains("CN=any-purpose"))
    }

    @Test(arguments: [(1024, false), (2047, false), (2048, true), (3072, true)])
    func rsaClientKeysBelow2048BitsAreRejected(bits: Int, accepted: Bool) throws {
        let fixture = try Fixture()
        let rsa = try fixture.pythonCertificate(name: "rsa\(bits)", daysValid: 30, rsaBits: bits)
        // Python, with OpenSSL's security level lowered before the key is loaded: OpenSSL would otherwise refuse to
        // present an RSA-1024 key at all (curl loads the key before applying --ciphers), and the refusal must be ours.
        let script = """
            import http.client, ssl, sys
            ctx = ssl.create_default_context(cafile=sys.argv[2])
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.load_cert_chain(sys.argv[3], sys.argv[4])
            conn = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx)
            conn.request("GET", "/whoami")
            r = conn.getresponse()
            print(r.status, r.read().decode())
            """
        let result = try Run.tool("python3", ["-c", script, String(fixture.server.port), fixture.pki.caCertificate,
                                              rsa.certificate, rsa.key])
        #expect(result.status == 0 && result.stdout.hasPrefix("200 "), "\(result.stderr)")
        if accepted {
            #expect(result.stdout == "200 verified rsa\(bits) /whoami\n")
        } else {
            let reason = try #require(fixture.recorder.last?.rejectionReason)
            #expect(reason.hasPrefix("RSA key of \(bits) bits; at least 2048 are required"), "\(reason)")
        }
    }

    // MARK: Protocol

    @Test func onlyAEADSuitesAreOfferedAndTheServerChoosesTheOrder() throws {
        let fixture = try Fixture()
        let address = "127.0.0.1:\(fixture.server.port)"
        func negotiated(_ arguments: [String]) throws -> String? {
            let result = try Run.tool("openssl", ["s_client", "-connect", address, "-CAfile", fixture.pki.caCertificate]
                                      + arguments, stdin: "")
            let line = result.stdout.split(separator: "\n").first { $0.contains("Cipher is ") }
            let cipher = line.map { String($0.split(separator: " ").last ?? "") }
            return result.status == 0 && cipher != "(NONE)" ? cipher : nil
        }
        // CBC with SHA-1 or SHA-256 MACs, and static RSA key exchange: each offered alone, each refused.
        for refused in ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA256",
                        "AES128-GCM-SHA256"] {
            #expect(try negotiated(["-tls1_2", "-cipher", refused]) == nil, "\(refused) must be refused")
        }
        // Offered in the client's order AES-128 first, the server still picks its first choice, AES-256-GCM.
        #expect(try negotiated(["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"])
                == "ECDHE-ECDSA-AES256-GCM-SHA384")
        #expect(try negotiated(["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"])
                == "TLS_AES_256_GCM_SHA384")
        // The control: offered alone, AES-128-GCM is accepted.
        #expect(try negotiated(["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"]) == "ECDHE-ECDSA-AES128-GCM-SHA256")
    }

    @Test func tls11IsRefusedAndTls12Accepted() throws {
        let fixture = try Fixture()
        // SECLEVEL=0 makes OpenSSL 3 willing to offer TLS 1.1 at all, so the refusal below is the server's.
        let address = "127.0.0.1:\(fixture.server.port)"
        let old = try Run.tool("openssl", ["s_client", "-connect", address, "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0",
                                           "-CAfile", fixture.pki.caCertificate], stdin: "")
        #expect(old.status != 0)
        // MHD closes the connection when the handshake fails; OpenSSL reports no negotiated cipher.
        #expect(old.stdout.contains("Cipher is (NONE)"), "\(old.stdout)")
        let tls12 = try Run.tool("openssl", ["s_client", "-connect", address, "-tls1_2",
                                             "-CAfile", fixture.pki.caCertificate], stdin: "")
        #expect(tls12.status == 0, "\(tls12.stderr)")
        #expect(tls12.stdout.contains("Protocol  : TLSv1.2") || tls12.stdout.contains("TLSv1.2"))
    }

    @Test func tls11IsAcceptedWhenPrioritiesAllowIt() throws {
        // The control for the test above: the same client succeeds when the server's priority string allows 1.1, so
        // the refusal there comes from the default priorities.
        let fixture = try Fixture(priorities: "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:%VERIFY_ALLOW_SIGN_WITH_SHA1")
        let old = try Run.tool("openssl", ["s_client", "-connect", "127.0.0.1:\(fixture.server.port)", "-tls1_1",
                                           "-cipher", "DEFAULT:@SECLEVEL=0"], stdin: "")
        #expect(old.status == 0, "\(old.stderr)")
        #expect(old.stdout.contains("Protocol  : TLSv1.1"))
    }

    @Test func manySequentialRequestsShareOneKeepAliveConnection() throws {
        let fixture = try Fixture()
        let node = try fixture.pki.node("sussex")
        let script = """
            import http.client, ssl, sys
            ctx = ssl.create_default_context(cafile=sys.argv[2])
            ctx.load_cert_chain(sys.argv[3], sys.argv[4])
            conn = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx)
            ports = set()
            for i in range(60):
                conn.request("POST", "/n/%d" % i, body=b"x" * i, headers={"Content-Type": "text/plain"})
                r = conn.getresponse()
                body = r.read()
                assert r.status == 200 and body == b"%d" % i, (r.status, body)
                ports.add(conn.sock.getsockname()[1])
            print(len(ports))
            """
        let result = try Run.tool("python3", ["-c", script, String(fixture.server.port), fixture.pki.caCertificate,
                                              node.certificate, node.key])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        #expect(fixture.recorder.count == 60)
    }

    @Test func slowHandlerDoesNotBlockOtherConnections() throws {
        let fixture = try Fixture()
        let slow = try Run.start("curl", ["-sS", "--cacert", fixture.pki.caCertificate,
                                          "https://127.0.0.1:\(fixture.server.port)/slow"], in: fixture.directory)
        Thread.sleep(forTimeInterval: 0.2)
        let started = Date()
        let fast = try fixture.curl([], path: "/fast")
        #expect(fast.status == 200)
        #expect(Date().timeIntervalSince(started) < 1.5)  // the slow one takes 2 s
        slow.waitUntilExit()
        #expect(slow.terminationStatus == 0)
    }

    @Test func handlerRunningLongerThanTheIdleTimeoutStillAnswers() throws {
        var limits = ServerLimits()
        limits.connectionTimeoutSeconds = 1
        let fixture = try Fixture(limits: limits)
        let result = try fixture.curl([], path: "/slow")
        #expect(result.status == 200)
        #expect(result.body == "slow")
    }

    // MARK: Bodies

    @Test func bodyOverTheLimitGets413WithoutCallingTheHandler() throws {
        var limits = ServerLimits()
        limits.maxBodyBytes = 1024
        let fixture = try Fixture(limits: limits)
        let big = fixture.directory.file("big.bin")
        try Data(repeating: 0x61, count: 4096).write(to: URL(fileURLWithPath: big))
        let declared = try fixture.curl(["--data-binary", "@" + big, "-H", "Expect: 100-continue",
                                         "-D", fixture.directory.file("413.txt")], path: "/upload")
        #expect(declared.status == 413)
        // Refused on the headers alone: no "100 Continue", and the unread body ends the connection.
        let head = try String(contentsOfFile: fixture.directory.file("413.txt"), encoding: .utf8)
        #expect(!head.contains(" 100 ") && head.lowercased().contains("connection: close"))
        let chunked = try fixture.curl(["--data-binary", "@" + big, "-H", "Transfer-Encoding: chunked"],
                                       path: "/upload")
        #expect(chunked.status == 413)
        // Far past the limit, the server stops reading and closes the connection.
        let huge = fixture.directory.file("huge.bin")
        try Data(repeating: 0x61, count: 3 << 20).write(to: URL(fileURLWithPath: huge))
        let endless = try fixture.curl(["--data-binary", "@" + huge, "-H", "Transfer-Encoding: chunked"],
                                       path: "/upload")
        #expect(endless.status != 200)
        #expect(fixture.recorder.count == 0)

        let small = fixture.directory.file("small.bin")
        try Data(repeating: 0x62, count: 1024).write(to: URL(fileURLWithPath: small))
        let fits = try fixture.curl(["--data-binary", "@" + small, "-H", "Transfer-Encoding: chunked"],
                                    path: "/upload")
        #expect(fits.status == 200)
        #expect(fixture.recorder.last?.body == [UInt8](repeating: 0x62, count: 1024))
    }

    // MARK: Connection slots and deadlines

    /// Python helpers for the connection tests: `hold(source)` opens a TCP connection from `source` and sends
    /// nothing; `closed(sock)` says whether the server closed it within `wait` seconds.
    static let sockets = """
        import http.client, socket, select, ssl, sys, time
        port, ca, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
        def hold(source):
            s = socket.socket()
            s.bind((source, 0))
            s.connect(("127.0.0.1", port))
            return s
        def closed(s, wait=0.5):
            ready, _, _ = select.select([s], [], [], wait)
            if not ready:
                return False
            try:
                return s.recv(1) == b""
            except OSError:
                return True
        def member(source, path="/member"):
            ctx = ssl.create_default_context(cafile=ca)
            ctx.load_cert_chain(cert, key)
            c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, source_address=(source, 0))
            request(c, path)
            return c
        def request(c, path):
            c.request("GET", path)
            r = c.getresponse()
            assert r.status == 200 and r.read() == b"verified sussex " + path.encode(), "member request failed"
        """

    @Test func strangersAreHeldToTheirShareOfConnectionsAndMembersKeepTheReserve() throws {
        var limits = ServerLimits()
        limits.maxConnections = 8
        limits.reservedMemberConnections = 4
        limits.maxStrangerConnectionsPerSource = 2
        limits.admissionDeadlineSeconds = 30
        let fixture = try Fixture(limits: limits)
        let script = Self.sockets + "\n" + """
            first = member("127.0.0.5")                # a member, before the strangers come
            first.close()
            a = [hold("127.0.0.2") for _ in range(3)]
            b = [hold("127.0.0.3") for _ in range(2)]
            c = hold("127.0.0.4")
            time.sleep(0.3)
            print("a", [closed(s) for s in a])
            print("b", [closed(s) for s in b])
            print("c", closed(c))
            # With every stranger slot taken, the member's address still gets the reserved ones, and is not held
            # to a stranger's share of them.
            m = [member("127.0.0.5").sock] + [hold("127.0.0.5") for _ in range(3)]
            time.sleep(0.3)
            print("m", [closed(s) for s in m])
            """
        let result = try fixture.python(script)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            a [False, False, True]
            b [False, False]
            c True
            m [False, False, False, False]

            """, "\(result.stdout)")
        let statistics = fixture.server.statistics
        #expect(statistics.refusedStrangerSourceFull == 1 && statistics.refusedStrangerSlotsFull == 1, "\(statistics)")
        #expect(statistics.memberSources == 1, "\(statistics)")
    }

    @Test func connectionsWithoutAMemberRequestAreClosedAtTheAdmissionDeadlineHoweverSlowlyTheyTrickle() throws {
        var limits = ServerLimits()
        limits.admissionDeadlineSeconds = 1
        let fixture = try Fixture(limits: limits)
        let script = Self.sockets + "\n" + """
            silent = hold("127.0.0.2")                         # never starts the TLS handshake
            ctx = ssl.create_default_context(cafile=ca)
            drip = ctx.wrap_socket(hold("127.0.0.3"), server_hostname="localhost")
            m = member("127.0.0.4")                            # admitted: exempt from the deadline
            start = time.monotonic()
            ended = {}
            for i in range(40):                                # one header byte every 0.1 s, for up to 4 s
                if "drip" not in ended:
                    try:
                        drip.sendall(b"GET / HTTP/1.1\\r\\nX-Slow: "[i:i + 1] or b"a")
                    except OSError:
                        ended["drip"] = time.monotonic() - start
                if "silent" not in ended and closed(silent, 0):
                    ended["silent"] = time.monotonic() - start
                time.sleep(0.1)
            print("silent %.1f" % ended.get("silent", 99))
            print("drip %.1f" % ended.get("drip", 99))
            port_before = m.sock.getsockname()[1]
            request(m, "/again")                               # on the same connection, 4 s on
            print("member", m.sock.getsockname()[1] == port_before)
            """
        let result = try fixture.python(script)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ") }
        try #require(lines.count == 3, "\(result.stdout)")
        for line in lines.prefix(2) {
            let seconds = try #require(Double(line[1]))
            // The deadline is 1 s after accept; the watchdog looks every 0.2 s, the drip notices at its next write.
            #expect(seconds >= 0.6 && seconds <= 2.5, "\(line[0]) closed after \(seconds) s\n\(result.stdout)")
        }
        #expect(lines[2] == ["member", "True"], "a member's connection outlives the deadline\n\(result.stdout)")
        #expect(fixture.server.statistics.closedAtAdmissionDeadline == 2, "\(fixture.server.statistics)")
        #expect(fixture.recorder.count == 2, "only the member's requests reached the handler")
    }

    @Test func aMemberTricklingItsBodyIsClosedAtTheRequestDeadlineAndItsMemoryReturned() throws {
        var limits = ServerLimits()
        limits.requestDeadlineSeconds = 1
        let fixture = try Fixture(limits: limits)
        let script = Self.sockets + "\n" + """
            ctx = ssl.create_default_context(cafile=ca)
            ctx.load_cert_chain(cert, key)
            s = ctx.wrap_socket(hold("127.0.0.2"), server_hostname="localhost")
            s.sendall(b"POST /upload HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 100000\\r\\n\\r\\n")
            start, ended = time.monotonic(), None
            for i in range(40):                                # one body byte every 0.1 s, for up to 4 s
                try:
                    s.sendall(b"a")
                    if closed(s, 0):
                        raise ConnectionError("closed")
                except OSError:
                    ended = time.monotonic() - start
                    break
                time.sleep(0.1)
            print("closed %.1f" % (ended or 99))
            """
        let result = try fixture.python(script)
        #expect(result.status == 0, "\(result.stderr)")
        let seconds = try #require(Double(result.stdout.split(separator: " ").last?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""), "\(result.stdout)")
        #expect(seconds >= 0.6 && seconds <= 2.5, "closed after \(seconds) s")
        try waitFor { fixture.server.statistics.memoryReservedBytes == 0 }
        let statistics = fixture.server.statistics
        #expect(statistics.closedAtRequestDeadline == 1 && statistics.closedAtAdmissionDeadline == 0, "\(statistics)")
        #expect(statistics.memoryReservedPeakBytes == 100_000 * limits.bodyMemoryFactor, "\(statistics)")
        #expect(fixture.recorder.count == 0)
    }

    // MARK: Gate and memory budget

    @Test func aGateRefusalIsAnsweredBeforeTheBodyAndClosesTheConnection() throws {
        let fixture = try Fixture(gate: { request in
            request.path == "/closed" ? .refuse(.text(403, "no\n")) : .proceed
        })
        let big = fixture.directory.file("big.bin")
        try Data(repeating: 0x61, count: 1 << 20).write(to: URL(fileURLWithPath: big))
        let refused = try fixture.curl(["--data-binary", "@" + big, "-H", "Expect: 100-continue",
                                        "-D", fixture.directory.file("403.txt")], path: "/closed")
        #expect(refused.status == 403 && refused.body == "no\n")
        let head = try String(contentsOfFile: fixture.directory.file("403.txt"), encoding: .utf8).lowercased()
        #expect(!head.contains(" 100 ") && head.contains("connection: close"), "\(head)")
        #expect(fixture.recorder.count == 0, "the handler never saw it")
        #expect(try fixture.curl([], path: "/open").body == "missing /open")
        #expect(fixture.server.statistics.refusedByGate == 1)
    }

    @Test func requestsBeyondTheMemoryBudgetGet503BeforeTheirBodyAndTheBudgetComesBack() throws {
        var limits = ServerLimits()
        limits.maxBodyBytes = 1 << 20
        limits.bodyMemoryFactor = 2
        limits.memoryBudgetBytes = 2 << 20  // one body of 1 MiB (reserving 2 MiB) at a time
        let fixture = try Fixture(limits: limits)
        let big = fixture.directory.file("big.bin"), small = fixture.directory.file("small.bin")
        try Data(repeating: 0x61, count: 1 << 20).write(to: URL(fileURLWithPath: big))
        try Data(repeating: 0x62, count: 1024).write(to: URL(fileURLWithPath: small))
        // The handler of /slow takes 2 s, holding its reservation.
        let holder = try Run.start("curl", ["-sS", "--cacert", fixture.pki.caCertificate, "--data-binary", "@" + big,
                                            "https://127.0.0.1:\(fixture.server.port)/slow"], in: fixture.directory)
        try waitFor { fixture.server.statistics.memoryReservedBytes == 2 << 20 }
        let refused = try fixture.curl(["--data-binary", "@" + small, "-H", "Expect: 100-continue",
                                        "-D", fixture.directory.file("503.txt")], path: "/upload")
        #expect(refused.status == 503, "\(refused)")
        let head = try String(contentsOfFile: fixture.directory.file("503.txt"), encoding: .utf8).lowercased()
        #expect(head.contains("retry-after: 1") && head.contains("connection: close") && !head.contains(" 100 "),
                "\(head)")
        // A chunked body has no length to reserve up front: the connection is closed when it no longer fits.
        let chunked = try fixture.curl(["--data-binary", "@" + small, "-H", "Transfer-Encoding: chunked"],
                                       path: "/upload")
        #expect(chunked.status != 200, "\(chunked)")
        holder.waitUntilExit()
        #expect(holder.terminationStatus == 0)
        #expect(fixture.recorder.count == 1, "only the request that fitted reached the handler")
        try waitFor { fixture.server.statistics.memoryReservedBytes == 0 }
        let statistics = fixture.server.statistics
        #expect(statistics.memoryReservedPeakBytes == 2 << 20 && statistics.refusedOverBudget == 2, "\(statistics)")
        #expect(try fixture.curl(["--data-binary", "@" + small], path: "/upload").status == 200, "fits again")
    }

    // MARK: Parsing

    @Test func methodPathQueryHeadersAndBodyAreParsed() throws {
        let fixture = try Fixture()
        let result = try fixture.curl(["-X", "PUT", "-H", "X-Trace: a", "-H", "X-Trace: b",
                                       "-H", "Content-Type: text/plain",
                                       "--data-binary", "hello", "-D", fixture.directory.file("headers.txt")],
                                      path: "/records/case%201?force=surrey&q=elm%20road&flag")
        #expect(result.status == 200)
        let request = try #require(fixture.recorder.last)
        #expect(request.method == "PUT")
        #expect(request.path == "/records/case 1")
        #expect(request.query == ["force": "surrey", "q": "elm road", "flag": ""])
        #expect(request.headers["x-trace"] == "a, b")
        #expect(request.headers["content-type"] == "text/plain")
        #expect(request.headers["host"] == "127.0.0.1:\(fixture.server.port)")
        #expect(request.body == Array("hello".utf8))
        let headers = try String(contentsOfFile: fixture.directory.file("headers.txt"), encoding: .utf8).lowercased()
        #expect(headers.contains("x-served-by: interforce"))
        #expect(headers.contains("content-type: application/json"))
    }

    @Test func invalidResponseHeaderBecomes500() throws {
        let fixture = try Fixture()
        let result = try fixture.curl([], path: "/bad-header")
        #expect(result.status == 500)
    }

    // MARK: Unix socket

    @Test func unixSocketServerAnswersLocalClients() throws {
        let directory = TemporaryDirectory("server")
        let path = directory.file("node.sock")
        // A stale socket file, as a crashed node leaves behind.
        let bindAndLeave = "import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])"
        let stale = try Run.tool("python3", ["-c", bindAndLeave, path])
        #expect(stale.status == 0)
        let recorder = Recorder()
        let server = try HTTPSServer(unixSocketPath: path, handler: recorder.handler)
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)

        let result = try Run.tool("curl", ["-sS", "--unix-socket", path, "http://localhost/local?x=1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "local /local")
        // The kernel, not the request, says who connected: curl runs as this test's user.
        guard case .local(let peer)? = recorder.last?.client else {
            Issue.record("expected a local client, got \(String(describing: recorder.last?.client))")
            return
        }
        #expect(peer?.uid == getuid() && peer?.gid == getgid(), "\(String(describing: peer))")
        #expect((peer?.pid ?? 0) > 0 && peer?.pid != getpid(), "the pid is curl's")
        #expect(recorder.last?.remoteAddress == "local")

        // A live socket is not replaced.
        #expect(throws: ServerError.self) { try HTTPSServer(unixSocketPath: path, handler: recorder.handler) }
        server.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func unixSocketForAGroupIsGroupReadableAndWritableOnly() throws {
        let directory = TemporaryDirectory("server")
        let path = directory.file("node.sock")
        // Any group other than ours shows that the group is set, not inherited.
        let group: UInt32 = getgid() == 0 ? 1 : 0
        let server = try HTTPSServer(unixSocketPath: path, group: group, handler: Recorder().handler)
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660, "mode \(String(info.st_mode & 0o777, radix: 8))")
        #expect(info.st_gid == group && info.st_uid == getuid())
        server.stop()
    }

    @Test func unixSocketPathThatIsNotASocketIsRefused() throws {
        let directory = TemporaryDirectory("server")
        let path = directory.file("not-a-socket")
        _ = FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8))
        let error = #expect(throws: ServerError.self) {
            try HTTPSServer(unixSocketPath: path, handler: Recorder().handler)
        }
        #expect(error?.message.contains("not a socket") == true)
        #expect(FileManager.default.contents(atPath: path) == Data("keep me".utf8))
    }

    // MARK: Lifecycle and configuration

    @Test func stopIsIdempotentAndFreesThePort() throws {
        let fixture = try Fixture()
        let port = fixture.server.port
        #expect(port != 0)
        fixture.server.stop()
        fixture.server.stop()
        let refused = try fixture.curl([], path: "/after-stop")
        #expect(refused.exit != 0)
        let again = try HTTPSServer(port: port, tls: fixture.tls, handler: fixture.recorder.handler)
        #expect(again.port == port)
        #expect(try fixture.curl([], path: "/again").status == 200)
        again.stop()
    }

    @Test func threadPoolModeAndIPv6Bind() throws {
        var limits = ServerLimits()
        limits.threadPerConnection = false
        limits.threads = 2
        let fixture = try Fixture(limits: limits)
        let node = try fixture.pki.node("kent")
        let v6 = try HTTPSServer(bindAddress: "::1", port: 0, tls: fixture.tls, limits: limits,
                                 handler: fixture.recorder.handler)
        defer { v6.stop() }
        let result = try Run.tool("curl", ["-sS", "--cacert", fixture.pki.caCertificate, "--cert", node.certificate,
                                           "--key", node.key, "--connect-to", "localhost:\(v6.port):[::1]:\(v6.port)",
                                           "https://localhost:\(v6.port)/v6"])
        #expect(result.stdout == "verified kent /v6", "\(result.stderr)")
        #expect(fixture.recorder.last?.remoteAddress == "::1")
        #expect(try fixture.curl([], path: "/v4").body == "missing /v4")
        #expect(throws: ServerError.self) {
            try HTTPSServer(bindAddress: "localhost", port: 0, tls: fixture.tls, handler: fixture.recorder.handler)
        }
    }

    @Test func portInUseIsReportedWithMHDsReason() throws {
        let fixture = try Fixture()
        let error = #expect(throws: ServerError.self) {
            try HTTPSServer(port: fixture.server.port, tls: fixture.tls, handler: fixture.recorder.handler)
        }
        #expect(error?.message.contains("Address already in use") == true, "\(String(describing: error))")
    }

    @Test func configurationErrorsNameTheirCause() throws {
        let directory = TemporaryDirectory("server")
        let pki = try TestPKI(directory: directory.path)
        let surrey = try pki.node("surrey")
        let kent = try pki.node("kent")
        let missing = directory.file("nope.pem")
        let unreadable = #expect(throws: ServerError.self) {
            try TLSServerConfig(certificateFile: missing, privateKeyFile: surrey.key, trustedCAFile: pki.caCertificate)
        }
        #expect(unreadable?.message.contains(missing) == true)

        let mismatched = try TLSServerConfig(certificateFile: surrey.certificate, privateKeyFile: kent.key,
                                             trustedCAFile: pki.caCertificate)
        let mismatch = #expect(throws: ServerError.self) {
            try HTTPSServer(port: 0, tls: mismatched, handler: Recorder().handler)
        }
        #expect(mismatch?.message.contains("does not match") == true, "\(String(describing: mismatch))")

        var badPriority = try TLSServerConfig(certificateFile: surrey.certificate, privateKeyFile: surrey.key,
                                              trustedCAFile: pki.caCertificate)
        badPriority.priorities = "NORMAL:+NONSENSE"
        let priority = #expect(throws: ServerError.self) {
            try HTTPSServer(port: 0, tls: badPriority, handler: Recorder().handler)
        }
        #expect(priority?.message.contains("NONSENSE") == true, "\(String(describing: priority))")

        let noCA = TLSServerConfig(certificatePEM: mismatched.certificatePEM, privateKeyPEM: badPriority.privateKeyPEM,
                                   trustedCAPEM: "not a certificate")
        #expect(throws: ServerError.self) { try HTTPSServer(port: 0, tls: noCA, handler: Recorder().handler) }

        let good = try TLSServerConfig(certificateFile: surrey.certificate, privateKeyFile: surrey.key,
                                       trustedCAFile: pki.caCertificate)
        var allReserved = ServerLimits()
        allReserved.reservedMemberConnections = allReserved.maxConnections
        var smallBudget = ServerLimits()
        smallBudget.memoryBudgetBytes = smallBudget.maxBodyBytes
        for (limits, message) in [
            (allReserved, "reservedMemberConnections must be between 0 and maxConnections - 1 (63), not 64"),
            (smallBudget, "memoryBudgetBytes (8388608) must hold one body of maxBodyBytes × bodyMemoryFactor"),
        ] {
            let error = #expect(throws: ServerError.self) {
                try HTTPSServer(port: 0, tls: good, limits: limits, handler: Recorder().handler)
            }
            #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        }
    }

    @Test func responseHelpersSetContentType() {
        #expect(HTTPResponse.json(201, Array("{}".utf8)).headers.first! == ("Content-Type", "application/json"))
        let text = HTTPResponse.text(404, "no")
        #expect(text.status == 404 && text.body == Array("no".utf8))
    }
}

// MARK: - Fixtures (file-private, so other test files in this target can use the same names)

/// Records every request the handler sees and answers by path.
private final class Recorder: Sendable {
    private let requests = Mutex<[HTTPRequest]>([])

    var last: HTTPRequest? { requests.withLock { $0.last } }
    var count: Int { requests.withLock { $0.count } }

    var handler: HTTPHandler {
        { request in
            self.requests.withLock { $0.append(request) }
            switch request.path {
            case "/slow":
                Thread.sleep(forTimeInterval: 2)
                return .text(200, "slow")
            case "/bad-header":
                return HTTPResponse(status: 200, headers: [("X-Broken", "a\r\nInjected: yes")])
            case let path where path.hasPrefix("/n/"):
                return .text(200, String(path.dropFirst(3)))
            case let path where path.hasPrefix("/records/"):
                var response = HTTPResponse.json(200, Array("{}".utf8))
                response.headers.append(("X-Served-By", "interforce"))
                return response
            default:
                let who: String
                switch request.client {
                case .verified(let peer): who = "verified \(peer.commonName ?? "?")"
                case .missing: who = "missing"
                case .rejected(let reason): who = "rejected \(reason)"
                case .local: who = "local"
                }
                return .text(200, "\(who) \(request.path)")
            }
        }
    }
}

extension HTTPRequest {
    fileprivate var rejectionReason: String? {
        if case .rejected(let reason) = client { return reason }
        return nil
    }
}

/// A temp dir, a federation CA, the server's own node certificate, and a running server.
private struct Fixture {
    let directory = TemporaryDirectory("server")
    let pki: TestPKI
    let tls: TLSServerConfig
    let recorder = Recorder()
    let server: HTTPSServer

    init(limits: ServerLimits = ServerLimits(), priorities: String = TLSServerConfig.defaultPriorities,
         gate: @escaping RequestGate = HTTPSServer.admitVerified) throws {
        pki = try TestPKI(directory: directory.path)
        let own = try pki.node("hampshire")
        var tls = try TLSServerConfig(certificateFile: own.certificate, privateKeyFile: own.key,
                                      trustedCAFile: pki.caCertificate)
        tls.priorities = priorities
        self.tls = tls
        server = try HTTPSServer(port: 0, tls: tls, limits: limits, gate: gate, handler: recorder.handler)
    }

    /// Runs `sockets.py`-style Python against this server: `script` gets the port, the CA, and a member
    /// certificate and key (sussex's) as argv[1...4].
    func python(_ script: String, _ extra: [String] = []) throws -> Run.Result {
        let member = try pki.node("sussex")
        return try Run.tool("python3", ["-c", script, String(server.port), pki.caCertificate, member.certificate,
                                        member.key] + extra)
    }

    struct CurlResult {
        let exit: Int32
        let status: Int
        let body: String
        let stderr: String
    }

    func curl(_ arguments: [String], path: String) throws -> CurlResult {
        let bodyFile = directory.file("curl-\(UUID().uuidString).out")
        let result = try Run.tool("curl", ["-sS", "--max-time", "10", "--cacert", pki.caCertificate, "-o", bodyFile,
                                           "-w", "%{http_code}"] + arguments
                                  + ["https://127.0.0.1:\(server.port)\(path)"])
        let body = (try? String(contentsOfFile: bodyFile, encoding: .utf8)) ?? ""
        return CurlResult(exit: result.status, status: Int(result.stdout) ?? 0, body: body, stderr: result.stderr)
    }

    /// A client certificate signed by this fixture's CA with Python's `cryptography`, for validity windows, keys and
    /// key purposes pki.sh does not issue. `daysValid` < 0 gives a certificate that expired that many days ago;
    /// `rsaBits` gives an RSA key of that size instead of EC P-256; `extendedKeyUsage: false` leaves the extension
    /// out altogether (which GnuTLS reads as "any purpose").
    func pythonCertificate(name: String, daysValid: Int, clientAuth: Bool = true, extendedKeyUsage: Bool = true,
                           rsaBits: Int? = nil, extraUnits: Int = 0) throws -> (certificate: String, key: String) {
        let script = """
            import datetime, sys
            from cryptography import x509
            from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec, rsa
            d, name, days, client = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
            eku, rsa_bits, extra = sys.argv[5] == "1", int(sys.argv[6]), int(sys.argv[7])
            ca_key = serialization.load_pem_private_key(open(d + "/ca.key", "rb").read(), None)
            ca = x509.load_pem_x509_certificate(open(d + "/ca.pem", "rb").read())
            if rsa_bits:
                key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
            else:
                key = ec.generate_private_key(ec.SECP256R1())
            now = datetime.datetime.now(datetime.timezone.utc)
            if days < 0:
                start, end = now + datetime.timedelta(days=days - 30), now + datetime.timedelta(days=days)
            else:
                start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=days)
            subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Interforce"),
                                 x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, name)]
                                + [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "u" * 60)] * extra
                                + [x509.NameAttribute(NameOID.COMMON_NAME, name)])
            purposes = [ExtendedKeyUsageOID.SERVER_AUTH] + ([ExtendedKeyUsageOID.CLIENT_AUTH] if client else [])
            builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca.subject)
                       .public_key(key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(start).not_valid_after(end)
                       .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
            if eku:
                builder = builder.add_extension(x509.ExtendedKeyUsage(purposes), critical=False)
            cert = builder.sign(ca_key, hashes.SHA256())
            open(d + "/" + name + ".pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
            open(d + "/" + name + ".key", "wb").write(key.private_bytes(serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            """
        let result = try Run.tool("python3", ["-c", script, pki.directory, name, String(daysValid),
                                              clientAuth ? "1" : "0", extendedKeyUsage ? "1" : "0",
                                              String(rsaBits ?? 0), String(extraUnits)])
        guard result.status == 0 else { throw ServerError("python certificate: \(result.stderr)") }
        return (pki.directory + "/\(name).pem", pki.directory + "/\(name).key")
    }
}

/// Polls `condition` every 20 ms for up to 5 s.
private func waitFor(_ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(5)
    while !condition() {
        guard Date() < deadline else { throw ServerError("condition not met within 5 s") }
        Thread.sleep(forTimeInterval: 0.02)
    }
}

private enum Run {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a tool from PATH to completion; output goes through files, so large output cannot deadlock.
    static func tool(_ name: String, _ arguments: [String], stdin: String? = nil) throws -> Result {
        let scratch = TemporaryDirectory("run")
        let out = scratch.file("out"), err = scratch.file("err")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        if let stdin {
            let input = scratch.file("in")
            _ = FileManager.default.createFile(atPath: input, contents: Data(stdin.utf8))
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// Starts a tool in the background with its output discarded.
    static func start(_ name: String, _ arguments: [String], in directory: TemporaryDirectory) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
