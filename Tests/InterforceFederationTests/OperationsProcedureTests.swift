// docs/OPERATIONS.md's procedures, run as written on real nodes (issue 13, point 4): the multi-step ones through
// Deploy/ops.sh, which the doc calls, and the rest through the same `interforce` and Deploy/pki.sh commands the doc
// gives — key rotation (§5.1), certificate renewal and revocation (§2, §5.2), backup and restore (§8). None of them
// uses sudo.

import Foundation
import InterforceTestSupport
import Testing

@Suite struct OperationsProcedureTests {
    static let ops = Fixtures.packageRoot + "/Deploy/ops.sh"

    @Test func rotateRenewRevokeBackUpAndRestoreAsTheDocSays() throws {
        let fed = try Federation([("hampshire", ["south-east"]), ("surrey", ["south-east"])],
                                 links: [("hampshire", "surrey")])
        let surrey = fed.member("surrey"), hampshire = fed.member("hampshire")
        let env = ["INTERFORCE": fed.binary]
        _ = try fed.write("surrey", "case-file", #"{"title":"before rotation"}"#, audience: "group:south-east")
        try fed.ok("surrey", "sync")

        // §5.1 rotation: a new key, the head H, version 2 from version 1, install, switch node.key, start.
        let keys = fed.tmp.file("rotation")
        let newKey = try fed.require(fed.run(Self.ops, ["new-key", keys], extra: env)).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(newKey.count == 64)
        try expectMode(keys + "/node.key.new", 0o600)
        try fed.stop("surrey")
        let head = try #require(int((try fed.status("surrey")["head"] as? [String: Any])?["seq"]))
        try issue(fed, "v2", ["--from", fed.tmp.file("membership-v1.signed.json"),
                              "--add-key", "\(surrey.feed):\(newKey)@\(head + 1)",
                              "--revoke-key", "\(surrey.publicKey)@\(head)"])
        try fed.ok("surrey", "membership", "install", fed.tmp.file("v2.signed.json"))
        try Data(contentsOf: URL(fileURLWithPath: keys + "/node.key.new"))
            .write(to: URL(fileURLWithPath: surrey.data + "/node.key"))
        try fed.start("surrey")
        let rotated = try fed.write("surrey", "case-file", #"{"title":"after rotation"}"#, audience: "group:south-east")
        try fed.ok("hampshire", "membership", "install", fed.tmp.file("v2.signed.json"))   // "then at the other nodes"
        try fed.ok("surrey", "sync")
        let shown = try fed.cli("hampshire", "record", "show", rotated.record, "-o", "json")
        let peersNow = try fed.cli("hampshire", "peers", "status")
        #expect(shown.status == 0, "the entry signed with the new key arrived: \(shown) \(peersNow)")

        // §2 renewal and §5.2 revocation: a new certificate in a copy of the PKI directory, the old one revoked.
        let renewal = fed.tmp.file("pki-renewal")
        try fed.require(fed.run("/bin/cp", ["-a", fed.pkiDirectory, renewal]))
        try TestPKI.pki(["node", renewal, "surrey", "30"])
        let oldFingerprint = try fed.require(fed.run(Self.ops, ["fingerprint", surrey.certificate])).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(oldFingerprint.count == 64)
        try issue(fed, "v3", ["--from", fed.tmp.file("v2.signed.json"), "--revoke-cert", oldFingerprint])
        try fed.stop("surrey")
        try fed.setConfig(surrey, ["tlsCertificate": renewal + "/surrey.pem", "tlsKey": renewal + "/surrey.key"])
        try fed.ok("surrey", "membership", "install", fed.tmp.file("v3.signed.json"))
        try fed.start("surrey")
        try fed.ok("surrey", "sync")
        try waitUntil(timeout: 30, "hampshire to adopt version 3") {
            try fed.ok("hampshire", "peers", "list").stdout.contains("membership version 3 of")
        }
        let old = try fed.curl(["--cacert", fed.caCertificate, "--cert", surrey.certificate, "--key", surrey.key,
                                "-w", "%{http_code}", "-o", "/dev/null", hampshire.url + "/metrics"]).stdout
        #expect(old == "403", "the revoked certificate is refused: \(old)")

        // §8 backup while running, restore with the node stopped, audit verify, start, sync.
        let backups = fed.tmp.file("backups")
        let backup = try fed.require(fed.run(Self.ops, ["backup", hampshire.data, backups], extra: env)).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try expectMode(backup, 0o600)
        let files = try FileManager.default.contentsOfDirectory(atPath: backups)
        #expect(files.contains { $0.hasPrefix("node-") } && files.contains { $0.hasPrefix("config-") }, "\(files)")
        for file in files { try expectMode(backups + "/" + file, 0o600) }
        let refusedRunning = try fed.run(Self.ops, ["restore", hampshire.data, backup], extra: env)
        #expect(refusedRunning.status == 1 && refusedRunning.stderr.contains("stop the node first"), "\(refusedRunning)")
        try fed.stop("hampshire")
        let restored = try fed.run(Self.ops, ["restore", hampshire.data, backup], extra: env)
        #expect(restored.status == 0 && restored.stdout.hasPrefix("OK"), "\(restored)")
        try expectMode(hampshire.store, 0o600)
        try fed.start("hampshire")
        try fed.ok("hampshire", "sync")
        #expect(try fed.sameDigest(["hampshire", "surrey"]))
    }

    /// `membership create ARGS` to NAME.json and `membership sign` to NAME.signed.json, as the authority does.
    private func issue(_ fed: Federation, _ name: String, _ arguments: [String]) throws {
        try fed.require(fed.run(fed.binary, ["membership", "create"] + arguments + ["--out", fed.tmp.file("\(name).json")]))
        try fed.require(fed.run(fed.binary, ["membership", "sign", fed.tmp.file("\(name).json"), "--authority-key",
                                             fed.pkiDirectory + "/authority.key", "--out", fed.tmp.file("\(name).signed.json")]))
    }

    private func expectMode(_ path: String, _ mode: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == mode, "\(path) mode", sourceLocation: sourceLocation)
    }
}
