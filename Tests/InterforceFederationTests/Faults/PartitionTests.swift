// Fault suite, partition (issue 9): three nodes, fully linked. One is cut off while writes go on at all three,
// then healed; then the whole network turns bad (10% of packets lost, each of the rest held 20-80 ms, so they
// arrive out of order) while writes go on. After each fault every node holds every write exactly once, with equal
// digests; the time to converge is printed.
//
// With root, iproute2 and iptables the nodes run in network namespaces joined through a hub (NetworkLab.swift)
// and the faults are iptables rules in the hub. Without them the test says why and runs a stand-in on loopback:
// the cut-off node is frozen with SIGSTOP (and its writes wait), and the bad network is nodes frozen in turn for
// 150 ms at a time (INTERFORCE_FAULT_NO_NAMESPACES=1 runs the stand-in anyway). The `fault suite:` line says
// which ran.

import Foundation
import InterforceTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct PartitionTests {
    static let forces = ["lincoln", "norfolk", "suffolk"]
    static let links = [("lincoln", "norfolk"), ("norfolk", "suffolk"), ("lincoln", "suffolk")]

    /// One record written at each of `forces`; their ids.
    static func writeRound(_ fed: Federation, _ label: String, _ forces: [String] = forces) throws -> [String] {
        try forces.map { force in
            try fed.write(force, "case-file", #"{"title": "\#(label) at \#(force)", "summary": "partition test"}"#,
                          audience: "group:anglia").record
        }
    }

    /// Waits until every node holds the same entries and state; returns how long that took.
    static func converge(_ fed: Federation, _ forces: [String] = forces, timeout: Double) throws -> Double {
        let started = Date()
        try waitUntil(timeout: timeout, "\(forces.joined(separator: ", ")) to converge") {
            let states = try forces.map { force -> String in
                let s = try fed.status(force)
                return "\(s["digest"] as? String ?? "")|\(intMap(s["versionVector"]).sorted { $0.key < $1.key })"
            }
            return Set(states).count == 1
        }
        return Date().timeIntervalSince(started)
    }

    /// Every node holds each written record once: its entry count is the number of writes, and it shows each.
    static func checkExactlyOnce(_ fed: Federation, _ written: [String]) throws {
        for force in forces {
            #expect(int(try fed.status(force)["entries"]) == written.count, "\(force) holds each write once")
            for record in [written.first!, written.last!] { #expect(try fed.show(force, record) != nil) }
            #expect(try fed.cli(force, "audit", "verify").status == 0)
        }
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }

    @Test func aNodeCutOffAndABadNetworkLoseNothingAndConverge() throws {
        let forced = ProcessInfo.processInfo.environment["INTERFORCE_FAULT_NO_NAMESPACES"] == "1"
            ? "INTERFORCE_FAULT_NO_NAMESPACES=1 asks for the stand-in" : nil
        if let reason = forced ?? NetworkLab.unavailable {
            try stoppedProcesses(because: reason)
        } else {
            try namespaces()
        }
    }

    private func namespaces() throws {
        let lab = try NetworkLab(Self.forces)
        let fed = try Federation(Self.forces.map { ($0, ["anglia"]) }, links: Self.links, syncIntervalSeconds: 1,
                                 start: false, hosts: lab.addresses)
        defer { fed.shutdown() }
        for force in Self.forces { try fed.start(force, wrapper: lab.wrapper(force)) }
        var written = try Self.writeRound(fed, "before")
        _ = try Self.converge(fed, timeout: 60)

        // suffolk cut off; writes go on at all three.
        try lab.cut("suffolk")
        let cutAt = Date()
        for round in 1...3 {
            written += try Self.writeRound(fed, "cut \(round)")
            Thread.sleep(forTimeInterval: 2)  // several sync intervals: exchanges with suffolk time out meanwhile
        }
        _ = try Self.converge(fed, ["lincoln", "norfolk"], timeout: 60)
        #expect(try fed.show("suffolk", written[written.count - 3]) == nil, "suffolk is cut off from lincoln")
        #expect(try fed.show("lincoln", written.last!) == nil, "lincoln is cut off from suffolk")
        try lab.heal("suffolk")
        let cutFor = Date().timeIntervalSince(cutAt)
        let healed = try Self.converge(fed, timeout: 120)
        print("partition: suffolk cut off for \(Self.seconds(cutFor)) with writes on both sides; all three converged "
              + "\(Self.seconds(healed)) after the link was healed")

        // A bad network: loss, delay, reordering; writes go on.
        try lab.degrade(lossPercent: 10, queue: 7)
        let delayer = lab.hubWrapper + ["/usr/bin/python3", Fixtures.packageRoot + "/Tests/faults/nfqueue_delay.py",
                                        "--queue", "7", "--delay-ms", "20", "--jitter-ms", "60", "--seconds", "300"]
        let delay = try fed.launch(delayer[0], Array(delayer.dropFirst()), label: "nfqueue-delay")
        try waitUntil(timeout: 20, "the delay program to bind its queue") {
            guard delay.isRunning else { throw HarnessError("nfqueue_delay.py exited: \(fed.output("nfqueue-delay"))") }
            return fed.output("nfqueue-delay").stdout.contains("ready")
        }
        let badFrom = Date()
        for round in 1...4 {
            written += try Self.writeRound(fed, "bad network \(round)")
            Thread.sleep(forTimeInterval: 1)  // a sync interval: exchanges run through the bad network meanwhile
        }
        let wrote = Date().timeIntervalSince(badFrom)
        let converged = try Self.converge(fed, timeout: 180)
        delay.terminate()
        fed.wait(delay, seconds: 10)
        try lab.restore()
        let (stats, errors) = fed.output("nfqueue-delay")
        let counts = stats.firstMatch(of: /delayed (\d+) packets, (\d+) overtook/).map { (Int($0.1)!, Int($0.2)!) }
        #expect((counts?.0 ?? 0) > 0 && (counts?.1 ?? 0) > 0, "packets were delayed and reordered: \(stats)\(errors)")
        print("partition: bad network (10% loss, 20-80 ms delay, \(counts?.1 ?? 0) of \(counts?.0 ?? 0) packets "
              + "overtaken): 12 writes took \(Self.seconds(wrote)); converged \(Self.seconds(converged)) later")
        try Self.checkExactlyOnce(fed, written)
        FaultSuite.report("partition", "ran with network namespaces + iptables (statistic loss, NFQUEUE delay and "
                          + "reordering): healed cut-off converged in \(Self.seconds(healed)), bad network in "
                          + Self.seconds(converged))
    }

    /// The stand-in without namespaces: SIGSTOP for the cut-off node, nodes frozen in turn for the bad network.
    private func stoppedProcesses(because reason: String) throws {
        let fed = try Federation(Self.forces.map { ($0, ["anglia"]) }, links: Self.links, syncIntervalSeconds: 1)
        var written = try Self.writeRound(fed, "before")
        _ = try Self.converge(fed, timeout: 60)

        fed.signal("suffolk", SIGSTOP)
        for round in 1...3 { written += try Self.writeRound(fed, "cut \(round)", ["lincoln", "norfolk"]) }
        _ = try Self.converge(fed, ["lincoln", "norfolk"], timeout: 60)
        fed.signal("suffolk", SIGCONT)
        let healed = try Self.converge(fed, timeout: 120)
        print("partition: suffolk stopped with writes at the others; converged \(Self.seconds(healed)) after SIGCONT")

        let pids = Self.forces.compactMap { fed.pid($0) }
        let flapping = Atomic<Bool>(true)
        let done = DispatchSemaphore(value: 0)
        Thread {
            var random = SystemRandomNumberGenerator()
            while flapping.load(ordering: .relaxed) {
                let pid = pids.randomElement(using: &random)!
                kill(pid, SIGSTOP)
                Thread.sleep(forTimeInterval: 0.15)
                kill(pid, SIGCONT)
                Thread.sleep(forTimeInterval: 0.05)
            }
            done.signal()
        }.start()
        for round in 1...4 { written += try Self.writeRound(fed, "flapping \(round)") }
        flapping.store(false, ordering: .relaxed)
        done.wait()
        let converged = try Self.converge(fed, timeout: 180)
        try Self.checkExactlyOnce(fed, written)
        FaultSuite.report("partition", "ran with SIGSTOP/SIGCONT, not network namespaces (\(reason)): stopped node "
                          + "converged in \(Self.seconds(healed)), nodes frozen in turn in \(Self.seconds(converged))")
    }
}
