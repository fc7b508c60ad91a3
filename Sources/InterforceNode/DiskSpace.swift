// Free space on the filesystem that holds the store (issue 9): measured, reported, and named in every refusal a
// full disk causes.
//
// Every change the node makes appends an audit row in the same transaction, and so does every read (the row is
// written before the data is returned). On a full disk SQLite answers SQLITE_FULL and the transaction is rolled
// back whole, so nothing half-done is stored, but nothing can be done that needs a row either: writes, reads,
// ingest, serving pulls (each logged as `batch-sent`). What needs no row still works: `status`, `peers status`,
// `/healthz`, `/metrics`, `GET /v1/feeds`. The store keeps its -wal and -shm files across restarts (persistent WAL,
// Database.configureForStore), so a node stopped on a full disk opens it again and serves in that degraded mode.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Free and total bytes of the filesystem holding a path, against the warning threshold.
public struct DiskSpace: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// At or above the warning threshold.
        case ok
        /// Below the warning threshold (`diskWarningMegabytes`).
        case low
        /// Less than ``DiskSpace/fullBelowBytes`` left: the store cannot take a transaction.
        case full
    }

    /// Below this many bytes available the disk counts as full (SQLite needs whole pages, in the WAL and the file).
    public static let fullBelowBytes: Int64 = 1 << 20

    /// The path measured (the store file).
    public let path: String
    /// Bytes available to the node's account (`f_bavail`, which leaves out blocks reserved for root).
    public let freeBytes: Int64
    public let totalBytes: Int64
    public let warningBytes: Int64

    public init(path: String, freeBytes: Int64, totalBytes: Int64, warningBytes: Int64) {
        self.path = path
        self.freeBytes = freeBytes
        self.totalBytes = totalBytes
        self.warningBytes = warningBytes
    }

    public var state: State {
        if freeBytes < Self.fullBelowBytes { return .full }
        return freeBytes < warningBytes ? .low : .ok
    }

    /// The filesystem holding `path` (statvfs(3)), or nil when it cannot be measured (an in-memory store).
    public static func measure(_ path: String, warningBytes: Int64) -> DiskSpace? {
        var info = statvfs()
        guard path != ":memory:", statvfs(path, &info) == 0 else { return nil }
        let unit = Int64(clamping: UInt64(info.f_frsize))
        func bytes(_ blocks: UInt) -> Int64 {
            let (product, overflow) = Int64(clamping: UInt64(blocks)).multipliedReportingOverflow(by: unit)
            return overflow ? .max : product
        }
        return DiskSpace(path: path, freeBytes: bytes(info.f_bavail), totalBytes: bytes(info.f_blocks),
                         warningBytes: warningBytes)
    }

    /// `12.3 MiB free of 16.0 MiB`.
    public var summary: String { "\(Self.format(freeBytes)) free of \(Self.format(totalBytes))" }

    /// Bytes in the largest binary unit that keeps a whole part: `512 B`, `3.2 MiB`, `1.0 GiB`.
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var unit = 0
        var scaled = Double(max(0, bytes))
        while scaled >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", scaled) + " " + units[unit]
    }
}
