// Who may hold a TLS server's connection slots, and for how long. libmicrohttpd limits connections in total and per
// address; that alone lets a stranger without a certificate hold every slot by opening connections and dripping the
// TLS handshake or the headers a byte at a time, each byte resetting MHD's inactivity timeout. The guard adds three
// rules (values in `ServerLimits`):
//
// - every connection must have a request admitted as a member's (`GateDecision.member`) within
//   `admissionDeadlineSeconds` of being accepted, or a watchdog thread shuts its socket down, however slowly it
//   trickles; a connection whose gate or handler is running is left alone, so a member's request whose head is in
//   is not cut while the gate waits for the node (busy with a long local read, say);
// - every request, a member's too, must be done — body received, handler run, response sent — within
//   `requestDeadlineSeconds` of its head, so that no one holds memory reserved for it by sending its body, or
//   reading its response, a byte at a time (a running handler is again left alone);
// - a *stranger* source — an IPv4 address, or an IPv6 /64, from which no request has been admitted as a member's
//   since the server started — may hold at most `maxStrangerConnectionsPerSource` connections;
// - strangers together may hold at most `maxConnections - reservedMemberConnections`; the rest wait for members.
//
// MHD asks `mayAccept` (its accept-policy callback) before it takes a connection, and reports each connection's
// start and end (`MHD_OPTION_NOTIFY_CONNECTION`); the connection's id travels in MHD's per-connection
// `socket_context`. The table, the counts and the watchdog share one Mutex. A socket is shut down only while its
// connection is in the table (MHD's "closed" notification, which removes it, comes before MHD closes the
// descriptor), and only if the descriptor is still connected to the address recorded when it was accepted.
// With thread-per-connection MHD accepts on one thread, so `mayAccept` and `opened` do not interleave; in thread-pool
// mode the limits may be overshot by up to the pool size.

import Foundation
import Synchronization
#if canImport(Glibc)
internal import Glibc
#endif

final class ConnectionGuard: ConnectionTracker {
    /// Member sources remembered; the one admitted longest ago is forgotten first.
    static let maxMemberSources = 4096

    struct Connection {
        let source: String
        let peer: SocketPeer?
        let descriptor: Int32
        let accepted: UInt64
        var stranger: Bool
        var admitted = false
        var handling = false
        /// When the head of the request in progress arrived; nil between requests.
        var requestSince: UInt64?
        var cut = false
    }

    struct State {
        var nextID = 1
        var open: [Int: Connection] = [:]
        var strangers: [String: Int] = [:]
        var strangerTotal = 0
        var members: [String: UInt64] = [:]
    }

    private let perSource: Int
    private let strangerSlots: Int
    private let deadlineNanos: UInt64
    private let requestDeadlineNanos: UInt64
    private let counters: ServerCounters
    private let state = Mutex(State())
    private let watchdog = Watchdog(name: "interforce-connection-guard")

    init(limits: ServerLimits, counters: ServerCounters) {
        perSource = limits.maxStrangerConnectionsPerSource
        strangerSlots = limits.maxConnections - limits.reservedMemberConnections
        deadlineNanos = UInt64(limits.admissionDeadlineSeconds) * 1_000_000_000
        requestDeadlineNanos = UInt64(limits.requestDeadlineSeconds) * 1_000_000_000
        self.counters = counters
    }

    /// The accept-policy decision for a connection from `address`, before MHD takes it.
    func mayAccept(_ address: UnsafePointer<sockaddr>) -> Bool {
        let source = sourceKey(address)
        return state.withLock { s in
            if s.members[source] != nil { return true }
            if s.strangers[source, default: 0] >= perSource {
                counters.count(.refusedStrangerSourceFull)
                return false
            }
            if s.strangerTotal >= strangerSlots {
                counters.count(.refusedStrangerSlotsFull)
                return false
            }
            return true
        }
    }

    /// Records a connection MHD has taken; returns its id (never 0).
    func opened(descriptor: Int32, address: UnsafePointer<sockaddr>?) -> Int {
        let source = address.map(sourceKey) ?? "unknown"
        let peer = address.flatMap(SocketPeer.init)
        let now = DispatchTime.now().uptimeNanoseconds
        return state.withLock { s in
            let id = s.nextID
            s.nextID += 1
            let stranger = s.members[source] == nil
            s.open[id] = Connection(source: source, peer: peer, descriptor: descriptor, accepted: now,
                                    stranger: stranger)
            if stranger {
                s.strangers[source, default: 0] += 1
                s.strangerTotal += 1
            }
            return id
        }
    }

    func closed(_ id: Int) {
        state.withLock { s in
            guard let connection = s.open.removeValue(forKey: id) else { return }
            if connection.stranger { Self.releaseStrangerSlot(&s, connection.source) }
        }
    }

    /// A request on connection `id` was admitted as a member's: the connection is exempt from the deadline and no
    /// longer holds a stranger's slot, and its source is a member source from now on.
    func admitted(_ id: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { s in
            guard var connection = s.open[id] else { return }
            connection.admitted = true
            if connection.stranger {
                connection.stranger = false
                Self.releaseStrangerSlot(&s, connection.source)
            }
            s.open[id] = connection
            if s.members[connection.source] == nil, s.members.count >= Self.maxMemberSources,
               let oldest = s.members.min(by: { $0.value < $1.value })?.key {
                s.members.removeValue(forKey: oldest)
            }
            s.members[connection.source] = now
        }
    }

    func requestBegan(_ id: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { s in s.open[id]?.requestSince = now }
    }

    func bodyReceived(_ id: Int) {}

    func handling(_ id: Int, _ running: Bool) {
        state.withLock { s in s.open[id]?.handling = running }
    }

    func requestEnded(_ id: Int) {
        state.withLock { s in
            s.open[id]?.requestSince = nil
            s.open[id]?.handling = false
        }
    }

    func fill(_ statistics: inout ServerStatistics) {
        state.withLock { s in
            statistics.connections = s.open.count
            statistics.strangerConnections = s.strangerTotal
            statistics.memberSources = s.members.count
        }
    }

    private static func releaseStrangerSlot(_ s: inout State, _ source: String) {
        s.strangerTotal -= 1
        let left = s.strangers[source, default: 1] - 1
        s.strangers[source] = left > 0 ? left : nil
    }

    // MARK: The watchdog

    /// Starts the thread that closes connections past their admission or request deadline.
    func start() { watchdog.start { [self] in cutOverdue() } }

    func stop() { watchdog.stop() }

    private func cutOverdue() {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { s in
            for (id, c) in s.open where !c.handling && !c.cut {
                if !c.admitted && now &- c.accepted > deadlineNanos {
                    counters.count(.closedAtAdmissionDeadline)
                } else if let since = c.requestSince, now &- since > requestDeadlineNanos {
                    counters.count(.closedAtRequestDeadline)
                } else {
                    continue
                }
                s.open[id]?.cut = true
                // Still the socket MHD accepted (not a descriptor number reused since): make its thread see EOF.
                if let peer = c.peer, SocketPeer(descriptor: c.descriptor) == peer {
                    _ = shutdown(c.descriptor, Int32(SHUT_RDWR))
                }
            }
        }
    }
}

/// The remote end of a TCP socket: family, address bytes and port.
struct SocketPeer: Equatable, Sendable {
    let family: Int32
    let address: [UInt8]
    let port: UInt16

    init?(_ address: UnsafePointer<sockaddr>) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let v4 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
            family = AF_INET
            self.address = withUnsafeBytes(of: v4.sin_addr) { Array($0) }
            port = UInt16(bigEndian: v4.sin_port)
        case AF_INET6:
            let v6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self)
            family = AF_INET6
            self.address = withUnsafeBytes(of: v6.sin6_addr) { Array($0) }
            port = UInt16(bigEndian: v6.sin6_port)
        default:
            return nil
        }
    }

    /// The peer of a connected socket (`getpeername`), or nil.
    init?(descriptor: Int32) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let found = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> SocketPeer? in
                guard getpeername(descriptor, pointer, &length) == 0 else { return nil }
                return SocketPeer(UnsafePointer(pointer))
            }
        }
        guard let found else { return nil }
        self = found
    }
}

/// The source a connection counts against: the IPv4 address ("192.0.2.7"), an IPv4-mapped IPv6 address as IPv4, or
/// the /64 of an IPv6 address ("2001:db8:1:2::/64"), since one site commonly holds a whole /64.
func sourceKey(_ address: UnsafePointer<sockaddr>) -> String {
    guard Int32(address.pointee.sa_family) == AF_INET6 else { return describePeer(address) }
    let bytes = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self).sin6_addr
    let raw = withUnsafeBytes(of: bytes) { Array($0) }
    if raw[0..<10].allSatisfy({ $0 == 0 }) && raw[10] == 0xff && raw[11] == 0xff {
        return raw[12..<16].map(String.init).joined(separator: ".")
    }
    let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1]), radix: 16) }
    return groups.joined(separator: ":") + "::/64"
}
