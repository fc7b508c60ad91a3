// Fault suite, crash (issue 9): three real nodes on loopback, one CLI writer per node writing records for all
// three without pause, and a random node killed with SIGKILL at a random moment and restarted, round after round.
// Then, once the writers have stopped and the nodes converged: every acknowledged write is present at every node
// exactly once, every feed runs 1...head with no repeats, the state digests are equal, `PRAGMA integrity_check` is
// ok and `audit verify` passes everywhere. It prints a table of rounds, writes, lost, doubled, diverged and
// corrupted.
//
// A writer does what the CLI's messages tell an officer: when `record new` exits 75 (the node stopped while
// answering; the outcome is unknown) it runs the same command again with the `--request-id` the message names,
// until it gets an answer. The write is acknowledged when a run exits 0.
//
// INTERFORCE_CRASH_ROUNDS sets the rounds (`make test`: 3; `make soak`: 100), INTERFORCE_CRASH_SEED the schedule
// (printed, so a failing run can be replayed), and INTERFORCE_CRASH_BINARY another build of `interforce` to drive:
// the one built from before the fix (commit f0f2dbc) takes a lost reply for a stopped node and does the write again
// against the store, which this test reports as doubled.

import Foundation
import InterforceTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct CrashTests {
    static let forces = ["avon", "bedford", "cheshire"]

    /// One attempted write: its marker (the document's unique title) and how it ended.
    struct Write: Sendable {
        let force: String
        let marker: String
        /// The record id a successful run printed; nil when no run succeeded.
        let record: String?
        /// Runs that ended with exit 75 (outcome unknown) before the last.
        let unknown: Int
        /// The last run's stderr, when it failed.
        let error: String?
    }

    /// A CLI writer at one node, on its own thread, until told to stop.
    final class Writer: Sendable {
        let force: String
        let binary: String
        let environment: [String: String]
        let stopping = Atomic<Bool>(false)
        let done = DispatchSemaphore(value: 0)
        let writes = Mutex<[Write]>([])

        init(force: String, binary: String, environment: [String: String]) {
            self.force = force
            self.binary = binary
            self.environment = environment
        }

        func start() {
            Thread { [self] in
                var n = 0
                while !stopping.load(ordering: .relaxed) {
                    n += 1
                    let write = attempt("crash-\(force)-\(n)")
                    writes.withLock { $0.append(write) }
                }
                done.signal()
            }.start()
        }

        func stop() -> [Write] {
            stopping.store(true, ordering: .relaxed)
            done.wait()
            return writes.withLock { $0 }
        }

        private func attempt(_ marker: String) -> Write {
            let document = #"{"title": "\#(marker)", "summary": "acknowledged writes must be held exactly once"}"#
            let args = ["record", "new", "case-file", "--json", document, "--audience", "group:crash", "-o", "json"]
            var unknown = 0
            var result = try? ChildProcess.run(binary, args, environment: environment, timeout: 120)
            // Exit 75: the CLI cannot tell whether the node did it, and names the request id to ask again with.
            while let r = result, r.status == 75,
                  let id = r.stderr.firstMatch(of: /--request-id ([0-9A-Za-z-]{16,64})/).map({ String($0.1) }) {
                unknown += 1
                Thread.sleep(forTimeInterval: 0.2)
                result = try? ChildProcess.run(binary, args + ["--request-id", id], environment: environment,
                                               timeout: 120)
            }
            guard let r = result, r.status == 0,
                  let object = try? r.object(), let record = object["record"] as? String
            else {
                return Write(force: force, marker: marker, record: nil, unknown: unknown,
                             error: result.map { "exit \($0.status): \($0.stderr.prefix(300))" } ?? "could not run")
            }
            return Write(force: force, marker: marker, record: record, unknown: unknown, error: nil)
        }
    }

    /// What the checks found, for the table.
    struct Tally {
        var rounds = 0
        var writes = 0
        var lost = 0
        var doubled = 0
        var diverged = 0
        var corrupted = 0
        var unknown = 0
        var refused = 0
        var refusedButStored = 0
        var convergeSeconds = 0.0

        var table: String {
            let header = ["rounds", "writes", "lost", "doubled", "diverged", "corrupted"]
            let values = [rounds, writes, lost, doubled, diverged, corrupted].map(String.init)
            let widths = zip(header, values).map { max($0.count, $1.count) }
            func row(_ cells: [String]) -> String {
                "| " + zip(cells, widths).map { String(repeating: " ", count: $1 - $0.count) + $0 }
                    .joined(separator: " | ") + " |"
            }
            return [row(header), "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|",
                    row(values)].joined(separator: "\n")
        }
    }

    @Test func killedNodesLoseNothingAndDoNothingTwice() throws {
        let rounds = FaultSuite.setting("INTERFORCE_CRASH_ROUNDS", 3, 1...10_000)
        let binary = ProcessInfo.processInfo.environment["INTERFORCE_CRASH_BINARY"] ?? Fixtures.executable
        let seed = UInt64(FaultSuite.setting("INTERFORCE_CRASH_SEED", Int.random(in: 1...999_999), 1...Int.max))
        var random = SeededRandom(seed: seed)
        let fed = try Federation(Self.forces.map { ($0, ["crash"]) },
                                 links: [("avon", "bedford"), ("bedford", "cheshire"), ("avon", "cheshire")],
                                 syncIntervalSeconds: 1, binary: binary)
        print("crash: \(rounds) rounds, seed \(seed), binary \(binary)\(fed.legacyCLI ? " (pre-issue-9 CLI)" : "")")

        let writers = Self.forces.map { Writer(force: $0, binary: binary, environment: fed.cliEnvironment($0)) }
        writers.forEach { $0.start() }
        var tally = Tally()
        for round in 1...rounds {
            Thread.sleep(forTimeInterval: Double.random(in: 0.3...1.5, using: &random))
            let victim = Self.forces.randomElement(using: &random)!
            try fed.crash(victim)
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.5, using: &random))
            try fed.start(victim)
            tally.rounds = round
        }
        Thread.sleep(forTimeInterval: 0.5)
        let writes = writers.flatMap { $0.stop() }

        // Convergence: every node exchanges until all hold the same entries.
        let started = Date()
        do {
            try waitUntil(timeout: 180, "the three nodes to converge") {
                for force in Self.forces { _ = try fed.cli(force, ["sync", "--timeout", "20"], timeout: 60) }
                let states = try Self.forces.map { force -> String in
                    let s = try fed.status(force)
                    return "\(s["digest"] as? String ?? "")|\(intMap(s["versionVector"]).sorted { $0.key < $1.key })"
                }
                return Set(states).count == 1
            }
        } catch {
            for force in Self.forces {
                print("crash: \(force) did not converge:\n\(try fed.cli(force, "status"))\n\(try fed.cli(force, "peers", "status"))")
            }
            throw error
        }
        tally.convergeSeconds = Date().timeIntervalSince(started)

        // What each node holds: for every marker, how many write entries carry it; every feed's positions.
        let acked = writes.filter { $0.record != nil }
        tally.writes = acked.count
        tally.unknown = writes.reduce(0) { $0 + $1.unknown }
        tally.refused = writes.count - acked.count
        var lostMarkers = Set<String>(), doubledMarkers = Set<String>(), refusedStored = Set<String>()
        var digests: [String: String] = [:]
        for force in Self.forces {
            var held: [String: Int] = [:]
            var positions: [String: [Int]] = [:]
            let exported = try fed.ok(force, ["entries", "export"], timeout: 300)
            for line in try exported.jsonLines() {
                let header = line["header"] as? [String: Any] ?? [:]
                positions[header["author"] as? String ?? "?", default: []].append(int(header["seq"]) ?? 0)
                // A new record's payload is its operations: {"set": {"title": ..., ...}}.
                let set = (line["payload"] as? [String: Any])?["set"] as? [String: Any]
                if header["op"] as? String == "write", let title = set?["title"] as? String {
                    held[title, default: 0] += 1
                }
            }
            for write in acked {
                switch held[write.marker] ?? 0 {
                case 0: lostMarkers.insert(write.marker)
                case 1: break
                default: doubledMarkers.insert(write.marker)
                }
            }
            for write in writes where write.record == nil && (held[write.marker] ?? 0) > 0 {
                refusedStored.insert(write.marker)
            }
            for (feed, seqs) in positions {
                #expect(seqs.sorted() == Array(1...(seqs.max() ?? 0)), "\(force): feed \(feed) is not 1...head once each")
            }
            digests[force] = try fed.digest(force)
            let integrity = try fed.sqlite(force, "PRAGMA integrity_check")
            let verify = try fed.cli(force, ["audit", "verify"], timeout: 300)
            if integrity != "ok" || verify.status != 0 {
                tally.corrupted += 1
                Issue.record("\(force): integrity_check \(integrity.prefix(200)); audit verify\n\(verify)")
            }
        }
        tally.lost = lostMarkers.count
        tally.doubled = doubledMarkers.count
        tally.refusedButStored = refusedStored.count
        let majority = Dictionary(grouping: digests.values, by: { $0 }).max { $0.value.count < $1.value.count }?.key
        tally.diverged = digests.values.filter { $0 != majority }.count

        print("crash: converged in \(String(format: "%.1f", tally.convergeSeconds)) s after the last round")
        print(tally.table)
        print("crash: \(tally.unknown) answers lost to a kill were asked again by request id; \(tally.refused) writes "
              + "refused (\(tally.refusedButStored) of them stored all the same)")
        for write in writes.filter({ $0.record == nil }).prefix(5) {
            print("crash: refused \(write.marker): \(write.error ?? "")")
        }
        if !doubledMarkers.isEmpty { print("crash: doubled: \(doubledMarkers.sorted().prefix(20).joined(separator: ", "))") }
        if !lostMarkers.isEmpty { print("crash: lost: \(lostMarkers.sorted().prefix(20).joined(separator: ", "))") }
        FaultSuite.report("crash", "ran \(tally.rounds) rounds of SIGKILL, \(tally.writes) acknowledged writes, "
                          + "\(tally.lost) lost, \(tally.doubled) doubled")

        #expect(tally.writes > 0, "the writers wrote nothing")
        #expect(tally.lost == 0, "acknowledged writes missing at some node")
        #expect(tally.doubled == 0, "acknowledged writes held more than once")
        #expect(tally.refusedButStored == 0, "writes the CLI reported as failed were stored")
        #expect(tally.diverged == 0, "state digests differ: \(digests)")
        #expect(tally.corrupted == 0)
    }
}
