// Fault suite, disk full (issue 9, fault 3): one node's data directory on a 24 MiB tmpfs (mounted here, so the
// test needs root), a second node beside it on the normal disk. The filesystem is filled in two steps by a ballast
// file: below the warning threshold, then to the last byte. What an operator and an officer must see:
// - low: `status` and `/healthz` warn, naming the free space and the threshold (`diskWarningMegabytes`);
// - full: writes and reads are refused with the message saying why (a read for its audit row), nothing is
//   stored, `/healthz` says degraded, `/metrics` reports it, the peer's pushes are answered 503 `disk-full`;
//   `serve` stops cleanly on SIGTERM and starts again on the full disk, in the same degraded mode;
// - freed: writes work again and the two nodes converge, and the audit log verifies.

import Foundation
import InterforceTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Why a tmpfs cannot be mounted here, or nil when it can.
let tmpfsUnavailable: String? = {
    guard FaultSuite.isRoot else { return "mounting a tmpfs needs root" }
    guard FaultSuite.tool("mount") != nil, FaultSuite.tool("umount") != nil else { return "mount is not installed" }
    return nil
}()

@Suite(.serialized, .enabled(if: tmpfsUnavailable == nil, "\(tmpfsUnavailable ?? "")"))
struct DiskFullTests {
    static let document = #"{"title": "Disk test", "summary": "written while the disk fills"}"#

    /// Writes zeros to `path` until `leave` bytes are left on its filesystem (0: until it is full).
    static func fill(_ path: String, leaving leave: Int64, of mount: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) ?? {
            FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { throw HarnessError("cannot open \(path)") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        let chunk = Data(count: 64 << 10)
        while true {
            var info = statvfs()
            guard statvfs(mount, &info) == 0 else { throw HarnessError("statvfs \(mount) failed") }
            let free = Int64(info.f_bavail) * Int64(info.f_frsize)
            if free <= leave { return }
            let size = Int(min(Int64(chunk.count), free - leave))
            do { try handle.write(contentsOf: chunk.prefix(max(size, 4096))) } catch { return }  // ENOSPC: full
        }
    }

    @Test func aFullDiskRefusesWithReasonsStartsDegradedAndRecovers() throws {
        FaultSuite.report("disk full", "ran on a 24 MiB tmpfs")
        let scratch = TemporaryDirectory("ifdisk")
        let mount = scratch.file("mnt")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        try FaultSuite.must("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", mount])
        var fed: Federation?
        defer {
            fed?.shutdown()
            _ = try? ChildProcess.run("/usr/bin/umount", ["-l", mount])
        }
        let f = try Federation([("hull", ["humber"]), ("kent", ["humber"])], links: [("hull", "kent")],
                               syncIntervalSeconds: 1, dataDirectories: ["hull": mount + "/hull"],
                               settings: ["diskWarningMegabytes": 16])
        fed = f
        let store = f.member("hull").store
        let first = try f.write("hull", "case-file", Self.document, audience: "group:humber")
        try waitUntil(timeout: 30, "kent to hold hull's record") { try f.show("kent", first.record) != nil }
        #expect(try f.status("hull")["warnings"] as? [String] == [], "plenty of room at first")

        // Low: 8 MiB left, below the 16 MiB threshold.
        let ballast = mount + "/ballast"
        try Self.fill(ballast, leaving: 8 << 20, of: mount)
        let low = try f.ok("hull", "status").stdout
        #expect(low.contains(/disk     [78]\.\d MiB free of 24\.0 MiB \(low; warning below 16\.0 MiB\)/), "\(low)")
        #expect(low.contains(/WARNING: disk space is low: [78]\.\d MiB free of 24\.0 MiB on the filesystem holding \S+store\.db, below the warning threshold of 16\.0 MiB \(diskWarningMegabytes\)/), "\(low)")
        let lowHealth = try f.curl(["--cacert", f.caCertificate, f.member("hull").url + "/healthz"]).stdout
        #expect(lowHealth.hasPrefix("warning\n") && lowHealth.contains("(low; warning below 16.0 MiB)"), "\(lowHealth)")

        // Full.
        try Self.fill(ballast, leaving: 0, of: mount)
        let before = try f.status("hull")
        #expect((before["disk"] as? [String: Any])?["state"] as? String == "full", "\(before)")
        let write = try f.cli("hull", ["record", "new", "case-file", "--json", Self.document])
        #expect(write.status == 1, "\(write)")
        #expect(write.stderr.contains(/the disk holding \S+\/hull\/store\.db is full \(\d+(\.\d)? (B|KiB) free of 24\.0 MiB\): nothing was stored; free space on that filesystem/), "\(write)")
        let read = try f.cli("hull", ["record", "show", first.record])
        #expect(read.status == 1, "\(read)")
        #expect(read.stderr.contains("is full") && read.stderr.contains(
            "reads are refused because their audit row cannot be written, and nothing was shown"), "\(read)")
        #expect(!read.stdout.contains("Disk test"), "no data without its audit row")
        #expect(int(try f.status("hull")["entries"]) == int(before["entries"]), "nothing stored")
        let status = try f.ok("hull", "status").stdout
        #expect(status.contains("WARNING: the disk holding ") && status.contains(
            "is full (") && status.contains("the node refuses writes, reads (their audit row cannot be written) "
                                             + "and replication until space is freed"), "\(status)")
        let health = try f.curl(["--cacert", f.caCertificate, f.member("hull").url + "/healthz"]).stdout
        #expect(health.hasPrefix("degraded\n") && health.contains("(full; warning below 16.0 MiB)"), "\(health)")
        let hull = f.member("hull")
        let metrics = try f.curl(["--cacert", f.caCertificate, "--cert", hull.certificate, "--key", hull.key,
                                  hull.url + "/metrics"]).stdout
        #expect(metrics.contains("interforce_disk_full 1") && metrics.contains("interforce_disk_warning_bytes 16777216"),
                "\(metrics)")
        // kent's write cannot reach hull: its push is answered 503 disk-full, and kent's peer status says so.
        let second = try f.write("kent", "case-file", Self.document, audience: "group:humber")
        try waitUntil(timeout: 30, "kent to report hull's full disk: \((try? f.ok("kent", "peers", "status").stdout) ?? "")") {
            let peers = try f.ok("kent", "peers", "status", "-o", "json").array()
            return peers.contains { ($0["lastError"] as? String)?.contains(#"HTTP 503 after 2 attempts: {"error":"disk-full""#) == true
                && ($0["lastError"] as? String)?.contains("is full") == true }
        }

        // Stopped and started again on the full disk: degraded, not dead.
        try f.stop("hull")
        #expect(f.serveLog("hull").contains("the serve-stop row could not be logged"), "\(f.serveLog("hull"))")
        try f.start("hull")
        #expect(f.serveLog("hull").contains("serving in degraded mode"), "\(f.serveLog("hull"))")
        #expect(try f.cli("hull", ["record", "new", "case-file", "--json", Self.document]).stderr.contains(
            "nothing was stored; free space on that filesystem"))
        #expect(((try f.status("hull")["disk"] as? [String: Any])?["state"] as? String) == "full")

        // Freed: writes work again, and the nodes converge.
        try FileManager.default.removeItem(atPath: ballast)
        let third = try f.write("hull", "case-file", Self.document, audience: "group:humber")
        try waitUntil(timeout: 60, "hull and kent to converge") {
            try f.show("hull", second.record) != nil && f.show("kent", third.record) != nil && f.sameDigest(["hull", "kent"])
        }
        #expect(try f.sqlite("hull", "PRAGMA integrity_check") == "ok")
        #expect(FileManager.default.fileExists(atPath: store + "-shm"), "the store keeps its -shm file")
        for force in ["hull", "kent"] { #expect(try f.cli(force, "audit", "verify").status == 0) }
    }
}
