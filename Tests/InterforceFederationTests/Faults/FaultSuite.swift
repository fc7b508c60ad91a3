// The fault suite (issue 9): real nodes that are killed, cut off, given a wrong clock or a full disk, and what
// each fault must not do: lose or repeat a write, keep nodes apart once the fault is over, or leave an operator
// without a reason. Four scenarios, each a suite of this folder:
//
//   crash      CrashTests.swift      SIGKILL at random moments while CLI writers run; INTERFORCE_CRASH_ROUNDS
//   partition  PartitionTests.swift  a node cut off and healed, and a lossy, slow, reordering network
//   clock      ClockTests.swift      nodes 10 minutes fast and slow (faketime)
//   disk full  DiskFullTests.swift   the store's filesystem a small tmpfs that fills up
//
// Each scenario needs something of the machine (root, network namespaces, iptables, faketime, a tmpfs mount);
// where that is missing it is skipped with the reason, and every scenario prints one `fault suite:` line saying
// whether it ran and how, so a run's output tells which faults were really exercised. Deploy/debian-deps.sh
// --with-python installs the tools; `make test` runs the short versions and `make soak` the long crash run.

import Foundation
import InterforceTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

enum FaultSuite {
    /// One line per scenario, to stdout, whatever the outcome.
    static func report(_ scenario: String, _ how: String) {
        print("fault suite: \(scenario): \(how)")
    }

    /// A whole number from the environment, within `range`, or `fallback`.
    static func setting(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) -> Int {
        guard let text = ProcessInfo.processInfo.environment[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            Issue.record("\(name)=\(text) is not a whole number in \(range); using \(fallback)")
            return fallback
        }
        return value
    }

    static var isRoot: Bool { geteuid() == 0 }

    /// The path of a tool, or nil when it is not installed.
    static func tool(_ name: String) -> String? {
        ["/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"].map { $0 + name }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a tool that must succeed (setting up a fault); throws with its output otherwise.
    @discardableResult
    static func must(_ executable: String, _ arguments: [String]) throws -> RunResult {
        let r = try ChildProcess.run(executable, arguments, timeout: 60)
        guard r.status == 0 else { throw HarnessError("fault set-up failed\n\(r)") }
        return r
    }

    /// Debian's libfaketime for multithreaded programs (package libfaketime, which `faketime` depends on).
    static let libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

    /// A command prefix that runs a program with its wall clock shifted by `offset` (`+10m`, `-1h`): `env` with
    /// libfaketime preloaded, so the program itself is the process (it gets the signals sent to it, as `serve`
    /// under systemd would), which under the `faketime` wrapper, a parent that waits and forwards no signal, it is
    /// not. FAKETIME_SHARED names no shared state that exists: without it, libfaketime 0.9.10 creates its own at
    /// start-up, and a Swift program started so loses its arguments.
    static func faketime(_ offset: String) -> [String] {
        ["/usr/bin/env", "LD_PRELOAD=" + libfaketime, "FAKETIME=" + offset, "FAKETIME_SHARED=/none /none",
         "FAKETIME_DONT_FAKE_MONOTONIC=1"]
    }

    /// Why libfaketime cannot shift a program's clock here, or nil when it can.
    static let faketimeUnavailable: String? = {
        guard FileManager.default.fileExists(atPath: libfaketime) else {
            return "libfaketime is not installed (Deploy/debian-deps.sh --with-python installs faketime)"
        }
        let command = faketime("+10m") + ["/bin/date", "+%s"]
        guard let r = try? ChildProcess.run(command[0], Array(command.dropFirst())),
              let shifted = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return "a program under libfaketime does not run" }
        let drift = shifted - Int(Date().timeIntervalSince1970)
        return (590...610).contains(drift) ? nil : "libfaketime with FAKETIME=+10m shifted the clock by \(drift) s, not 600 s"
    }()
}
