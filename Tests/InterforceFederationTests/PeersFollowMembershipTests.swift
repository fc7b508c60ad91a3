// Peers follow the membership (issue 13, point 3). Before, a membership without Sussex left Hampshire with a worker
// for it until restarted ("1 peer(s) failed" on every sync), and then Hampshire refused to start (`peer 'sussex' …
// is not in membership version 2`): a restart loop under systemd, which a version handed on by a peer could cause
// with no admin action. Now a removed force stops being a peer at once, a configured peer that is not a member is a
// warning, and `peers add|remove` change the configuration with the node running.

import Foundation
import InterforceTestSupport
import Testing

@Suite struct PeersFollowMembershipTests {
    @Test func removingAForceLeavesEveryNodeRunningAndRestartable() throws {
        let fed = try Federation([("hampshire", ["south-east"]), ("surrey", ["south-east"]), ("sussex", ["south-east"])],
                                 links: [("hampshire", "surrey"), ("hampshire", "sussex"), ("surrey", "sussex")])
        try fed.ok("hampshire", "sync")

        // The authority issues version 2 without Sussex; only Hampshire installs it: Surrey adopts it from Hampshire.
        let unsigned = fed.tmp.file("v2.json"), signed = fed.tmp.file("v2.signed.json")
        try fed.require(fed.run(fed.binary, ["membership", "create", "--from", fed.tmp.file("membership-v1.signed.json"),
                                             "--remove", "sussex", "--out", unsigned]))
        try fed.require(fed.run(fed.binary, ["membership", "sign", unsigned, "--authority-key",
                                             fed.pkiDirectory + "/authority.key", "--out", signed]))
        try fed.ok("hampshire", "membership", "install", signed)

        // At once: no worker for Sussex, so sync succeeds, and the configured peer is a warning.
        let sync = try fed.cli("hampshire", "sync")
        #expect(sync.status == 0 && !sync.stdout.contains("failed"), "\(sync)")
        let warning = "peer 'sussex' in config.json is not in membership version 2: there is no replication with it"
        #expect((try fed.status("hampshire")["warnings"] as? [String] ?? []).contains { $0.hasPrefix(warning) })
        let peersStatus = try fed.ok("hampshire", "peers", "status").stdout
        #expect(peersStatus.contains("WARNING: " + warning), "\(peersStatus)")

        try waitUntil(timeout: 30, "surrey to adopt version 2 from hampshire") {
            try fed.ok("surrey", "peers", "list").stdout.contains("membership version 2 of")
        }
        try waitUntil(timeout: 30, "surrey's worker for sussex to stop") { try fed.cli("surrey", "sync").status == 0 }

        // Every node restarts: the two that hold version 2 with a warning on stderr, Sussex as before.
        for force in ["hampshire", "surrey", "sussex"] {
            try fed.stop(force)
            try fed.start(force)
            #expect(fed.isRunning(force))
        }
        #expect(fed.serveLog("hampshire").contains("warning: " + warning), "\(fed.serveLog("hampshire"))")
        #expect(fed.serveLog("hampshire").contains("peers: surrey"), "\(fed.serveLog("hampshire"))")
        try fed.ok("hampshire", "sync")
        try fed.ok("surrey", "sync")

        // The admin removes Sussex from the peers with the node running: the warning goes, config.json follows.
        let removed = try fed.ok("hampshire", "peers", "remove", "sussex")
        #expect(removed.stdout.contains("removed peer sussex; peers: surrey; replicating with: surrey"), "\(removed)")
        #expect((try fed.status("hampshire")["warnings"] as? [String] ?? []).allSatisfy { !$0.contains("sussex") })
        let config = try String(contentsOfFile: fed.member("hampshire").data + "/config.json", encoding: .utf8)
        #expect(!config.contains("sussex"), "\(config)")
        let attributes = try FileManager.default.attributesOfItem(atPath: fed.member("hampshire").data + "/config.json")
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "config.json stays 0600")
        #expect(try fed.auditLog("hampshire").contains { $0["kind"] as? String == "peers-changed" && $0["peer"] as? String == "sussex" })

        // Adding a force that is not a member is allowed, with the warning; adding it twice is refused.
        let added = try fed.ok("hampshire", "peers", "add", "sussex")
        #expect(added.stderr.contains("WARNING: " + warning), "\(added)")
        let twice = try fed.cli("hampshire", "peers", "add", "sussex")
        #expect(twice.status == 1 && twice.stderr.contains("sussex is already a peer"), "\(twice)")
        let own = try fed.cli("hampshire", "peers", "add", "hampshire")
        #expect(own.status == 1 && own.stderr.contains("hampshire is this node's own force, not a peer"), "\(own)")
        try fed.ok("hampshire", "peers", "remove", "sussex")
        try fed.stop("hampshire")
        // With the node stopped, the CLI changes the file itself.
        try fed.ok("hampshire", "peers", "add", "sussex")
        try fed.start("hampshire")
        try fed.ok("hampshire", "sync")

        // Sussex, still on version 1, keeps calling: its refusals name the force its certificate claims.
        try waitUntil(timeout: 30, "a tls-refused row at hampshire naming sussex") {
            try fed.auditLog("hampshire").contains {
                $0["kind"] as? String == "tls-refused" && $0["peer"] as? String == "sussex"
                    && ($0["detail"] as? [String: Any])?["force"] as? String == "sussex"
            }
        }
        #expect(fed.isRunning("sussex"))
    }
}
