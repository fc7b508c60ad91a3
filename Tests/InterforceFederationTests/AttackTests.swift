// Attacks on a serving node through its HTTPS port, as an outsider or a member gone bad would make them: no
// certificate, a certificate from another CA or for a force outside the federation, oversized and malformed
// bodies; entries forged in another member's name, with a broken signature, replayed, equivocating (signed with
// the author's real key) and signed with a key the authority has since revoked. Each is refused with its reason,
// logged, and stores nothing.

import Foundation
import InterforceCore
import InterforceTestSupport
import InterforceTransport
import Testing

@Suite struct AttackTests {
    static let southEast = ["south-east"]

    /// The rows of `force`'s log of `kind`.
    static func rows(_ fed: Federation, _ force: String, kind: String) throws -> [[String: Any]] {
        try fed.auditLog(force).filter { $0["kind"] as? String == kind }
    }

    static func message(_ row: [String: Any]) -> String {
        (row["detail"] as? [String: Any])?["message"] as? String ?? ""
    }

    @Test func connectionsWithoutAMemberCertificateAndBadBodiesAreRefused() throws {
        let fed = try Federation([("hampshire", Self.southEast), ("surrey", Self.southEast)])
        let target = fed.member("hampshire")
        let before = try fed.status("hampshire")

        // (a) No client certificate (curl verifies the server, presents nothing): 401, logged as tls-refused.
        let body = fed.tmp.file("anonymous.json")
        let anonymous = try fed.curl(["--cacert", fed.caCertificate, "--output", body, "--write-out", "%{http_code}",
                                      target.url + "/v1/feeds"])
        #expect(anonymous.status == 0 && anonymous.stdout == "401", "\(anonymous)")
        #expect(try String(contentsOfFile: body, encoding: .utf8).contains("certificate-required"))
        let refusedAnonymous = try Self.rows(fed, "hampshire", kind: "tls-refused")
        #expect(refusedAnonymous.count == 1, "\(refusedAnonymous)")
        #expect((refusedAnonymous.first?["detail"] as? [String: Any])?["path"] as? String == "/v1/feeds")
        #expect(Self.message(refusedAnonymous.first ?? [:]).contains("no client certificate"))

        // (b) A certificate from another CA, naming a member force: refused in the handshake or with 401.
        let rogue = fed.tmp.file("rogue-pki")
        try FileManager.default.createDirectory(atPath: rogue, withIntermediateDirectories: true)
        let roguePKI = try TestPKI(directory: rogue)
        let (rogueCert, rogueKey) = try roguePKI.node("surrey")
        let rogueTLS = TLSClientConfig(certificateFile: rogueCert, privateKeyFile: rogueKey,
                                       trustedCAFile: fed.caCertificate)
        _ = try fed.write("surrey", "case-file", Fixtures.caseDocument().canonicalText, audience: "group:south-east")
        let envelope = try #require(try fed.export("surrey").first)
        let pushed = Array("{\"items\":[\(envelope)]}".utf8)
        var answered = 0
        for request in [ClientRequest(method: "GET", path: "/v1/feeds"),
                        ClientRequest(method: "POST", path: "/v1/entries",
                                      headers: [("Content-Type", "application/json")], body: pushed)] {
            let (response, failure) = Self.attempt(try fed.client(to: "hampshire", tls: rogueTLS), request)
            if let response {
                answered += 1
                let text = String(decoding: response.body, as: UTF8.self)
                #expect(response.status == 401, "\(request.method) \(request.path) with a foreign CA's certificate: \(text)")
            } else {
                #expect(failure?.kind == .tls, "refused in the handshake: \(String(describing: failure))")
            }
        }
        // Each request that reached the application is logged with the reason.
        let refusedRogue = try Self.rows(fed, "hampshire", kind: "tls-refused").dropFirst()
        #expect(refusedRogue.count == answered, "\(Array(refusedRogue))")
        #expect(refusedRogue.allSatisfy { Self.message($0).contains("not issued by the federation CA") },
                "\(Array(refusedRogue))")

        // A certificate from the federation CA for a force that is not a member: 403, logged.
        try TestPKI.pki(["node", fed.pkiDirectory, "kent", "30"])
        let (outsiderCert, outsiderKey) = (fed.pkiDirectory + "/kent.pem", fed.pkiDirectory + "/kent.key")
        let outsider = try fed.client(to: "hampshire", tls: TLSClientConfig(
            certificateFile: outsiderCert, privateKeyFile: outsiderKey, trustedCAFile: fed.caCertificate))
        let notMember = try outsider.send(ClientRequest(method: "GET", path: "/v1/feeds"))
        #expect(notMember.status == 403, "\(String(decoding: notMember.body, as: UTF8.self))")
        #expect(try Self.rows(fed, "hampshire", kind: "tls-refused").contains {
            Self.message($0).contains("'kent' is not a member force")
        })

        // (g) A body over the 8 MiB limit: 413 on the headers alone, to a client that waits for "100 Continue".
        // A client that streams the body regardless may instead see the connection closed under it (the server
        // answers 413 and closes without reading the body); refused either way, and the node carries on.
        let huge = [UInt8](repeating: UInt8(ascii: " "), count: (8 << 20) + 1024)
        // Usually the 413 arrives before curl starts the body; if curl has begun sending when the server closes,
        // it sees a broken pipe instead. Either way nothing is stored (checked below with the counts).
        let (tooLarge, tooLargeFailure) = Self.attempt(try fed.client(to: "hampshire", as: "surrey"),
            ClientRequest(method: "POST", path: "/v1/entries",
                          headers: [("Content-Type", "application/json"), ("Expect", "100-continue")], body: huge))
        #expect(tooLarge?.status == 413 || tooLargeFailure?.kind == .connect,
                "\(String(describing: tooLarge?.status)) \(String(describing: tooLargeFailure))")
        let (streamed, streamFailure) = Self.attempt(try fed.client(to: "hampshire", as: "surrey"), ClientRequest(
            method: "POST", path: "/v1/entries", headers: [("Content-Type", "application/json")], body: huge))
        #expect(streamed?.status == 413 || streamFailure?.kind == .connect,
                "\(String(describing: streamed?.status)) \(String(describing: streamFailure))")

        // (h) Malformed JSON from a member: 400, a reject row with reason malformed.
        let (malformedStatus, malformedBody) = try fed.pushRaw("{\"items\": [", to: "hampshire", as: "surrey")
        #expect(malformedStatus == 400 && malformedBody["error"] as? String == "malformed", "\(malformedBody)")
        let malformed = try Self.rows(fed, "hampshire", kind: "reject")
        #expect(malformed.count == 1 && malformed.first?["reason"] as? String == "malformed"
                && malformed.first?["peer"] as? String == "surrey", "\(malformed)")

        // Nothing got in, and the node still serves.
        let after = try fed.status("hampshire")
        #expect(int(after["entries"]) == int(before["entries"]) && after["digest"] as? String == before["digest"] as? String)
        let health = try fed.client(to: "hampshire", as: "surrey").send(ClientRequest(method: "GET", path: "/healthz"))
        #expect(health.status == 200)
    }

    /// W7 (attack-678): a subject with two CNs was the first CN's force here and the last one's to tools that read
    /// the last; an OU naming another force was ignored. Both are refused at the TLS identity step, logged.
    @Test func aClientCertificateWithTwoCNsOrAnOUOtherThanItsCNIsRefused() throws {
        let fed = try Federation([("hampshire", Self.southEast), ("surrey", Self.southEast)])
        let client = "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=IP:127.0.0.1\n"
        let cases = [("/O=Interforce/OU=surrey/CN=surrey/CN=hampshire", "the subject has 2 CNs"),
                     ("/O=Interforce/OU=surrey/CN=hampshire/CN=surrey", "the subject has 2 CNs"),
                     ("/O=Interforce/OU=surrey/CN=hampshire", "the subject's OU differs from its CN"),
                     ("/O=Interforce/OU=surrey/OU=hampshire/CN=surrey", "the subject has 2 OUs")]
        for (n, (subject, reason)) in cases.enumerated() {
            let (certificate, key) = try fed.issue(subject: subject, name: "ambiguous-\(n)", extensions: client)
            let tls = TLSClientConfig(certificateFile: certificate, privateKeyFile: key, trustedCAFile: fed.caCertificate)
            let response = try fed.client(to: "hampshire", tls: tls).send(ClientRequest(method: "GET", path: "/v1/feeds"))
            let text = String(decoding: response.body, as: UTF8.self)
            print("ATTACK TLS subject \(subject): \(response.status) \(text.prefix(160))")
            #expect(response.status == 401 && text.contains("certificate-rejected") && text.contains(reason), "\(text)")
        }
        let refused = try Self.rows(fed, "hampshire", kind: "tls-refused")
        #expect(refused.count == 1 && Self.message(refused[0]).contains("client certificate refused: the subject has 2 CNs"),
                "the first per address, route and code in full: \(refused.map(Self.message))")
        // The certificate pki.sh issues is still the member's.
        #expect(try fed.client(to: "hampshire", as: "surrey").send(ClientRequest(method: "GET", path: "/v1/feeds")).status
                == 200)
    }

    @Test func forgedBrokenReplayedAndEquivocatingEntriesAreRefused() throws {
        // No links: whatever reaches sussex is what the test pushes.
        let fed = try Federation([("hampshire", Self.southEast), ("surrey", Self.southEast),
                                  ("sussex", Self.southEast)])
        let author = fed.member("hampshire")
        for title in ["Case 1", "Case 2", "Case 3"] {
            _ = try fed.write("hampshire", "case-file", Fixtures.caseDocument(title: title).canonicalText,
                              audience: "group:south-east")
        }
        let batch = try fed.export("hampshire", feed: author.feed)
        try #require(batch.count == 3)

        // (d) A genuine entry with its signature altered: bad-signature, nothing stored.
        let signature = try #require(try Envelope.parse(batch[0])["signature"]?.string)
        let flipped = String(signature.dropLast()) + (signature.hasSuffix("0") ? "1" : "0")
        let broken = try Envelope.replacing(batch[0], "signature", with: .string(flipped))
        let badSignature = try Self.onlyResult(fed.push([broken], to: "sussex", as: "surrey"))
        #expect(badSignature["outcome"] as? String == "rejected" && badSignature["reason"] as? String == "bad-signature",
                "\(badSignature)")
        #expect(int(try fed.status("sussex")["entries"]) == 0)

        // (e) The genuine batch is accepted, relayed by a member; replayed, every item is a duplicate.
        let first = try fed.push(batch, to: "sussex", as: "surrey")
        #expect((first.body["results"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["accepted", "accepted", "accepted"],
                "\(first.body)")
        let replay = try fed.push(batch, to: "sussex", as: "surrey")
        #expect(replay.status == 200)
        #expect((replay.body["results"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["duplicate", "duplicate", "duplicate"],
                "\(replay.body)")
        #expect(int(try fed.status("sussex")["entries"]) == 3)
        #expect(try Self.rows(fed, "sussex", kind: "duplicate").count == 3)

        // (c) Surrey pushes an entry in Hampshire's name, signed with a fresh key: unknown-key, nothing stored.
        var forgedHeader = try Envelope.header(batch[2])
        let impostor = SecretKey.generate()
        forgedHeader["key"] = .string(impostor.publicKey.hex)
        forgedHeader["seq"] = 4
        forgedHeader["prev"] = .string(try Envelope.hash(batch[2]))
        forgedHeader["time"] = .int(nowMillis())
        let forged = Forge.envelope(header: .object(forgedHeader), payload: try Envelope.parse(batch[2])["payload"],
                                    key: impostor).canonicalText
        let unknownKey = try Self.onlyResult(fed.push([forged], to: "sussex", as: "surrey"))
        #expect(unknownKey["outcome"] as? String == "rejected" && unknownKey["reason"] as? String == "unknown-key",
                "\(unknownKey)")
        let afterForgery = try fed.status("sussex")
        #expect(intMap(afterForgery["versionVector"])[author.feed] == 3 && int(afterForgery["entries"]) == 3)

        // (f) Equivocation: a second entry at seq 2, signed with Hampshire's real key (read from its node.key).
        let seedHex = try String(contentsOfFile: author.data + "/node.key", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let realKey = try SecretKey(seed: try #require(Hex.decode(seedHex)))
        try #require(realKey.publicKey.hex == author.publicKey)
        var secondHeader = try Envelope.header(batch[1])
        secondHeader["time"] = .int(try #require(secondHeader["time"]?.int) + 1)
        let second = Forge.envelope(header: .object(secondHeader), payload: try Envelope.parse(batch[1])["payload"],
                                    key: realKey).canonicalText
        #expect(try Envelope.hash(second) != Envelope.hash(batch[1]))
        let equivocation = try Self.onlyResult(fed.push([second], to: "sussex", as: "surrey"))
        #expect(equivocation["outcome"] as? String == "rejected" && equivocation["reason"] as? String == "equivocation",
                "\(equivocation)")
        let alerts = try Self.rows(fed, "sussex", kind: "alert")
        #expect(alerts.count == 1 && alerts.first?["reason"] as? String == "equivocation"
                && alerts.first?["author"] as? String == author.feed
                && alerts.first?["entry"] as? String == (try? Envelope.hash(second)), "\(alerts)")
        #expect(try fed.sqlite("sussex", "SELECT count(*) FROM equivocations") == "1")
        #expect(try fed.sqlite("sussex", "SELECT flagged FROM feeds WHERE author = '\(author.feed)'") == "1")
        #expect(int(try fed.status("sussex")["entries"]) == 3, "the evidence is kept apart, not as an entry")

        // Every refusal above is in sussex's log with its reason.
        let reasons = try Self.rows(fed, "sussex", kind: "reject").compactMap { $0["reason"] as? String }
        #expect(reasons.sorted() == ["bad-signature", "equivocation", "unknown-key"], "\(reasons)")
    }

    @Test func entriesSignedAfterTheAuthorRevokedAKeyAreRefused() throws {
        // Not linked: sussex would hand its newer membership on to hampshire, which would then refuse to write
        // with its revoked key at all. Entries go from hampshire to sussex only as the test pushes them.
        let fed = try Federation([("hampshire", Self.southEast), ("sussex", Self.southEast)])
        let author = fed.member("hampshire")
        let before = try fed.write("hampshire", "case-file", Fixtures.caseDocument(title: "Before").canonicalText,
                                   audience: "group:south-east")
        let first = try #require(try fed.export("hampshire", feed: author.feed).first)
        #expect(try Self.onlyResult(fed.push([first], to: "sussex", as: "hampshire"))["outcome"] as? String == "accepted")

        // The authority revokes hampshire's key after position 1 of its feed in membership version 2, installed at
        // sussex: revocation is by feed position, not by a time the signer could choose.
        let v2 = try fed.issueMembership(version: 2, extra: ["--revoke-key", "\(author.publicKey)@1"])
        let installed = try fed.ok("sussex", "membership", "install", v2)
        #expect(installed.stdout.contains("installed membership version 2"), "\(installed)")
        #expect(try Self.rows(fed, "sussex", kind: "key-revoked").contains { $0["author"] as? String == author.feed })

        // Hampshire (still on version 1) writes on; sussex refuses the entry, logs why, and stores nothing.
        let after = try fed.write("hampshire", "case-file", Fixtures.caseDocument(title: "After").canonicalText,
                                  audience: "group:south-east")
        let envelope = try #require(try fed.export("hampshire", feed: author.feed, after: 1).first)
        #expect(try Envelope.hash(envelope) == after.entry)
        let refused = try Self.onlyResult(fed.push([envelope], to: "sussex", as: "hampshire"))
        #expect(refused["outcome"] as? String == "rejected" && refused["reason"] as? String == "revoked-key", "\(refused)")
        let rejects = try Self.rows(fed, "sussex", kind: "reject")
        #expect(rejects.count == 1 && rejects.first?["reason"] as? String == "revoked-key"
                && rejects.first?["entry"] as? String == after.entry && rejects.first?["peer"] as? String == "hampshire",
                "\(rejects)")
        #expect(try fed.show("sussex", after.record) == nil)
        #expect(try fed.show("sussex", before.record) != nil, "entries signed before the revocation stay")
        #expect(intMap(try fed.status("sussex")["versionVector"])[author.feed] == 1)
    }

    /// A request's response, or the transport error that stopped it.
    static func attempt(_ client: PeerClient, _ request: ClientRequest) -> (ClientResponse?, TransportError?) {
        do { return (try client.send(request), nil) } catch { return (nil, error) }
    }

    /// The one result of a one-item push.
    static func onlyResult(_ push: (status: Int, body: [String: Any])) throws -> [String: Any] {
        try #require(push.status == 200, "\(push.body)")
        let results = try #require(push.body["results"] as? [[String: Any]], "\(push.body)")
        try #require(results.count == 1, "\(results)")
        return results[0]
    }
}

/// The wall clock in Unix milliseconds, as nodes read it.
func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
