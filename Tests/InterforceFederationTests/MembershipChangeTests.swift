// Membership changes are safe by construction (issue 13, point 2). Following the old rotation procedure literally
// gave a next version without the revocations of the one before, and a node installed it: the revoked key was
// trusted again. Now `membership create --from CURRENT` carries every key range and revocation forward, changing only
// what the flags say; a node refuses (with a message and a `reject` row, reason `unrevokes`) a version that undoes
// a revocation of the one it holds, whether an admin installs it or a peer hands it on, unless the authority lists
// it as `reinstated`; `membership diff` shows the changes; every install logs them.

import Foundation
import InterforceTestSupport
import Testing

@Suite struct MembershipChangeTests {
    @Test func rotationFromCurrentKeepsRevocationsAndUnrevokingVersionsAreRefused() throws {
        let fed = try Federation([("hampshire", ["south-east"]), ("surrey", ["south-east"])],
                                 links: [("hampshire", "surrey")])
        let surrey = fed.member("surrey")
        _ = try fed.write("surrey", "case-file", #"{"title":"before rotation"}"#, audience: "group:south-east")
        try fed.ok("surrey", "sync")
        let head = try #require(int((try fed.status("surrey")["head"] as? [String: Any])?["seq"]))
        let newKey = try publicKeyHex(fed)
        // Surrey stays stopped until it is to hand on a version of its own, so it adopts none of Hampshire's.
        try fed.stop("surrey")
        let retired = String(repeating: "ab", count: 32)   // a retired certificate's fingerprint

        // The authority: version 2 from version 1, rotating surrey's key and revoking a certificate.
        let v1 = fed.tmp.file("membership-v1.signed.json")
        let v2 = try create(fed, "v2", ["--from", v1, "--add-key", "\(surrey.feed):\(newKey)@\(head + 1)",
                                        "--revoke-key", "\(surrey.publicKey)@\(head)", "--revoke-cert", retired])
        #expect(v2.stderr.contains("changes from version 1:"), "\(v2.stderr)")
        #expect(v2.stderr.contains("key \(surrey.publicKey.prefix(16))... of \(surrey.feed): positions 1- -> 1-\(head)"))
        #expect(v2.stderr.contains("certificate abababababababab... revoked"))
        // Version 3 from version 2, with surrey's description as `membership describe` writes it: its current key
        // with no end. The old key keeps its end and the certificate stays revoked.
        let v3 = try create(fed, "v3", ["--from", fed.tmp.file("v2.signed.json"),
                                        "--member", fed.tmp.file("surrey.member.json")])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath:
            fed.tmp.file("v3.json")))) as? [String: Any])
        #expect(doc["version"] as? Int == 3 && doc["revokedCertificates"] as? [String] == [retired], "\(doc)")
        let keys = try #require(((doc["members"] as? [[String: Any]])?.first { $0["force"] as? String == "surrey" }?["feeds"]
                                  as? [[String: Any]])?.first?["keys"] as? [[String: Any]])
        #expect(keys.count == 2)
        #expect(keys.first { $0["key"] as? String == surrey.publicKey }?["untilSeq"] as? Int == head, "\(keys)")
        #expect(v3.stderr.contains("changes from version 2:"))

        for version in ["v2", "v3"] { try fed.ok("hampshire", "membership", "install", fed.tmp.file("\(version).signed.json")) }
        let installed = try fed.auditLog("hampshire").filter { $0["kind"] as? String == "membership-installed" }
        let changes = ((installed.last?["detail"] as? [String: Any])?["changes"] as? [[String: Any]]) ?? []
        #expect(changes.isEmpty, "version 3 changes nothing that version 2 said: \(changes)")
        let v2changes = ((installed.dropLast().last?["detail"] as? [String: Any])?["changes"] as? [[String: Any]]) ?? []
        #expect(Set(v2changes.compactMap { $0["kind"] as? String }) == ["key-added", "key-range", "certificate-revoked"],
                "every install logs what changed: \(v2changes)")

        // Version 4 the old way (only the member files, no revocations): refused, with a message and a log row.
        let v4 = try fed.issueMembership(version: 4)
        let refused = try fed.cli("hampshire", "membership", "install", v4)
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("membership version 4 undoes revocations of the installed version 3 that the "
                                        + "authority has not reinstated: key \(surrey.publicKey.prefix(16))... of "
                                        + "\(surrey.feed): positions 1-\(head) -> 1- (its end of validity is dropped)"),
                "\(refused.stderr)")
        #expect(refused.stderr.contains("certificate abababababababab... no longer revoked"))
        let log = try fed.auditLog("hampshire")
        let rejects = log.filter { $0["reason"] as? String == "unrevokes" }
        #expect(rejects.count == 1 && rejects.first?["kind"] as? String == "reject", "\(rejects) \(log.suffix(4))")
        let diff = try fed.run(fed.binary, ["membership", "diff", fed.tmp.file("v3.signed.json"), v4])
        #expect(diff.status == 1 && diff.stdout.contains("UNREVOKES key \(surrey.publicKey.prefix(16))"), "\(diff)")
        #expect(diff.stdout.contains("a node holding version 3 refuses version 4"))

        // Adoption from a peer: surrey (which never installed 2 or 3) takes version 4; hampshire, offered it in the
        // next exchange, refuses it and logs the peer.
        try fed.ok("surrey", "membership", "install", v4)
        try fed.start("surrey")
        _ = try fed.cli("hampshire", "sync")
        let adopted = try fed.auditLog("hampshire").filter { $0["reason"] as? String == "unrevokes" }
        #expect(adopted.contains { $0["peer"] as? String == "surrey" }, "\(adopted)")
        #expect(try fed.ok("hampshire", "peers", "list").stdout.contains("membership version 3 of"))

        // The authority undoes a revocation on purpose: --reinstate lists it, and the node installs the version.
        let v5 = try create(fed, "v5", ["--from", fed.tmp.file("v3.signed.json"), "--version", "5",
                                        "--reinstate", retired])
        #expect(v5.stderr.contains("REINSTATED certificate abababababababab... no longer revoked"), "\(v5.stderr)")
        try fed.ok("hampshire", "membership", "install", fed.tmp.file("v5.signed.json"))
        let diff5 = try fed.run(fed.binary, ["membership", "diff", fed.tmp.file("v3.signed.json"),
                                             fed.tmp.file("v5.signed.json"), "-o", "json"])
        #expect(diff5.status == 0, "\(diff5)")
        #expect((try diff5.object()["unrevokes"] as? [Any])?.isEmpty == true, "\(diff5)")
    }

    @Test func createFromRefusesWhatItCannotDo() throws {
        let fed = try Federation([("hampshire", ["south-east"])], start: false)
        let v1 = fed.tmp.file("membership-v1.signed.json")
        let cases: [([String], String)] = [
            (["--version", "1"], "--version 1 must be higher than version 1 of --from"),
            (["--remove", "kent"], "--remove kent: no such member"),
            (["--add-key", "kent/0123456789abcdef:" + String(repeating: "0", count: 64) + "@2"],
             "--add-key: no member lists feed kent/0123456789abcdef"),
            (["--reinstate", String(repeating: "cd", count: 32)],
             "--reinstate cdcdcdcdcdcdcdcd...: neither a revoked certificate nor a listed key"),
            (["--add-key", "nonsense"], "--add-key takes FEED:HEX@SEQ"),
        ]
        for (flags, message) in cases {
            let r = try fed.run(fed.binary, ["membership", "create", "--from", v1] + flags)
            #expect(r.status != 0 && r.stderr.contains(message), "\(flags): \(r)")
            #expect(r.stdout.isEmpty, "nothing written")
        }
    }

    /// `membership create ARGS --out NAME.json` and `membership sign` to `NAME.signed.json`; the create run.
    private func create(_ fed: Federation, _ name: String, _ arguments: [String]) throws -> RunResult {
        let r = try fed.require(fed.run(fed.binary, ["membership", "create"] + arguments
                                        + ["--out", fed.tmp.file("\(name).json")]))
        let signed = try fed.require(fed.run(fed.binary, ["membership", "sign", fed.tmp.file("\(name).json"),
                                                          "--authority-key", fed.pkiDirectory + "/authority.key",
                                                          "--out", fed.tmp.file("\(name).signed.json")]))
        #expect(signed.stderr.contains("signed membership version"), "sign says what it did: \(signed)")
        return r
    }

    /// A fresh Ed25519 public key in hex, made with openssl as OPERATIONS.md §5.1 does.
    private func publicKeyHex(_ fed: Federation) throws -> String {
        let pem = fed.tmp.file("new-key.pem")
        try fed.require(fed.run("/usr/bin/env", ["openssl", "genpkey", "-algorithm", "ed25519", "-out", pem]))
        let hex = try fed.require(fed.run("/bin/sh", ["-c", "openssl pkey -in \(pem) -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \\n'"])).stdout
        try #require(hex.count == 64, "\(hex)")
        return hex
    }
}
