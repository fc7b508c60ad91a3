// A small network for the partition scenario, made of Linux network namespaces: one namespace per node, each
// joined by a veth pair to a hub namespace that routes between them. Every packet between two nodes crosses the
// hub's FORWARD chain, so iptables rules there are the network's faults: DROP on one node's link cuts it off, the
// `statistic` match drops a share of all packets, and NFQUEUE hands every packet to Tests/faults/nfqueue_delay.py,
// which holds each for a random time (delay, and reordering). The kernel here has no netem.
//
// The addresses (10.213.N.2 for node N, the hub 10.213.N.1) exist only inside these namespaces, which have no link
// to the machine's own network: nothing can leave them. Names carry this process's pid, so parallel runs do not
// meet, and namespaces left by a run that died are removed by the next. The CLI still reaches each node through
// its Unix socket (a path in the filesystem, which namespaces do not separate).

import Foundation
import InterforceTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

final class NetworkLab {
    static let ip = FaultSuite.tool("ip") ?? "/usr/sbin/ip"
    static let iptables = FaultSuite.tool("iptables") ?? "/usr/sbin/iptables"
    private static let serials = Mutex(0)

    let prefix: String
    let hub: String
    let forces: [String]
    private var created: [String] = []
    /// Each node's address.
    private(set) var addresses: [String: String] = [:]
    private var links: [String: String] = [:]

    /// Why network namespaces with iptables cannot be used here, or nil when they can.
    static let unavailable: String? = {
        guard FaultSuite.isRoot else { return "network namespaces and iptables need root" }
        guard FaultSuite.tool("ip") != nil else { return "ip (iproute2) is not installed" }
        guard FaultSuite.tool("iptables") != nil else {
            return "iptables is not installed (Deploy/debian-deps.sh --with-python installs it)"
        }
        let probe = "ifzp-\(getpid())"
        defer { _ = try? ChildProcess.run(ip, ["netns", "delete", probe]) }
        guard (try? ChildProcess.run(ip, ["netns", "add", probe]))?.status == 0 else {
            return "ip netns add is refused here (no CAP_SYS_ADMIN, or namespaces are disabled)"
        }
        let rule = try? ChildProcess.run(
            ip, ["netns", "exec", probe, iptables, "-A", "FORWARD", "-m", "statistic", "--mode", "random",
                 "--probability", "0.1", "-j", "NFQUEUE", "--queue-num", "1", "--queue-bypass"])
        guard rule?.status == 0 else {
            return "iptables cannot add a statistic/NFQUEUE rule in a namespace: \(rule?.stderr.prefix(200) ?? "")"
        }
        return nil
    }()

    init(_ forces: [String]) throws {
        Self.removeStale()
        let serial = Self.serials.withLock { $0 += 1; return $0 }
        prefix = "ifz-\(getpid())-\(serial)"
        hub = prefix + "-hub"
        self.forces = forces
        do {
            try add(hub)
            try Self.ipIn(hub, ["link", "set", "lo", "up"])
            try FaultSuite.must(Self.ip, ["netns", "exec", hub, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
            for (i, force) in forces.enumerated() {
                let ns = prefix + "-\(i + 1)"
                try add(ns)
                let link = "v\(getpid() % 100_000)x\(serial)n\(i + 1)"  // at most 15 characters
                links[force] = link
                try FaultSuite.must(Self.ip, ["link", "add", link, "netns", hub, "type", "veth", "peer", "name",
                                              "eth0", "netns", ns])
                try Self.ipIn(hub, ["addr", "add", "10.213.\(i + 1).1/24", "dev", link])
                try Self.ipIn(hub, ["link", "set", link, "up"])
                try Self.ipIn(ns, ["addr", "add", "10.213.\(i + 1).2/24", "dev", "eth0"])
                try Self.ipIn(ns, ["link", "set", "eth0", "up"])
                try Self.ipIn(ns, ["link", "set", "lo", "up"])
                try Self.ipIn(ns, ["route", "add", "default", "via", "10.213.\(i + 1).1"])
                addresses[force] = "10.213.\(i + 1).2"
            }
        } catch {
            removeAll()
            throw error
        }
    }

    deinit { removeAll() }

    /// The command prefix that runs a program inside `force`'s namespace.
    func wrapper(_ force: String) -> [String] { [Self.ip, "netns", "exec", prefix + "-\(forces.firstIndex(of: force)! + 1)"] }

    /// The command prefix that runs a program inside the hub.
    var hubWrapper: [String] { [Self.ip, "netns", "exec", hub] }

    /// Drops every packet to and from `force`: it is cut off from the others.
    func cut(_ force: String) throws {
        try hubIptables(["-I", "FORWARD", "-i", links[force]!, "-j", "DROP"])
        try hubIptables(["-I", "FORWARD", "-o", links[force]!, "-j", "DROP"])
    }

    func heal(_ force: String) throws {
        try hubIptables(["-D", "FORWARD", "-i", links[force]!, "-j", "DROP"])
        try hubIptables(["-D", "FORWARD", "-o", links[force]!, "-j", "DROP"])
    }

    /// Drops `lossPercent` of all packets between nodes and queues the rest to NFQUEUE `queue` (bypassed while
    /// no program reads it).
    func degrade(lossPercent: Int, queue: Int) throws {
        try hubIptables(["-A", "FORWARD", "-m", "statistic", "--mode", "random", "--probability",
                         String(Double(lossPercent) / 100), "-j", "DROP"])
        try hubIptables(["-A", "FORWARD", "-j", "NFQUEUE", "--queue-num", String(queue), "--queue-bypass"])
    }

    /// Removes every rule: a clean network again.
    func restore() throws { try hubIptables(["-F", "FORWARD"]) }

    private func hubIptables(_ arguments: [String]) throws {
        try FaultSuite.must(Self.ip, ["netns", "exec", hub, Self.iptables] + arguments)
    }

    private func add(_ ns: String) throws {
        try FaultSuite.must(Self.ip, ["netns", "add", ns])
        created.append(ns)
    }

    private static func ipIn(_ ns: String, _ arguments: [String]) throws {
        try FaultSuite.must(ip, ["-n", ns] + arguments)
    }

    private func removeAll() {
        for ns in created.reversed() { _ = try? ChildProcess.run(Self.ip, ["netns", "delete", ns]) }
        created = []
    }

    /// Deletes namespaces named for a process that no longer runs.
    private static func removeStale() {
        // No list (ip failed): nothing stale can be found, and the namespaces this run creates are checked as made.
        for line in (try? ChildProcess.run(ip, ["netns", "list"]))?.lines ?? [] {
            let name = String(line.split(separator: " ").first ?? "")
            let parts = name.split(separator: "-")
            guard parts.count >= 3, parts[0] == "ifz" || parts[0] == "ifzp", let pid = Int32(parts[1]),
                  kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            _ = try? ChildProcess.run(ip, ["netns", "delete", name])
        }
    }
}
