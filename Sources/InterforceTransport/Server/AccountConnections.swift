// Connection slots of the local socket, per Unix account, and how long a connection may hold one. Every account in
// the socket's group may connect, and libmicrohttpd bounds only the total (`ServerLimits.maxConnections`), so
// accounts — registered as officers or not — could hold every slot with idle connections, or with request heads
// trickled a byte at a time (each byte resets MHD's inactivity timeout), and keep everyone out, the node's own
// account too. The kernel tells who connected (`SO_PEERCRED`); MHD reports each new connection
// (`MHD_OPTION_NOTIFY_CONNECTION`, called before the connection's thread reads anything), and one is shut down at
// once — its client reads end-of-file without an answer — and reported to the server's `onAccountRefused` when:
//
// - its uid already holds `ServerLimits.maxConnectionsPerAccount` (`too-many-connections`); or
// - accounts other than the server's own already hold `maxConnections - reservedOwnerConnections` between them
//   (`socket-full`): the rest are the server's own account's (the node's, which owns the data directory anyway),
//   which has no per-account limit, so the node's administrator always gets in.
//
// A watchdog (Watchdog.swift) then shuts down, and reports, a connection that has not delivered a request's head and
// body within `admissionDeadlineSeconds` of being accepted or of its last answer (`head-deadline`), or whose request
// is not done — handler run, answer read — within `requestDeadlineSeconds` of its head (`request-deadline`); one whose
// handler is running (a watch's long poll) is left alone. A connection whose credentials cannot be read is not
// counted here; the handler refuses its requests.

import Foundation
import Synchronization
#if canImport(Glibc)
internal import Glibc
#endif

/// Why the local socket shut a connection down.
public enum LocalRefusal: String, Sendable, CaseIterable {
    case tooManyConnections = "too-many-connections"
    case socketFull = "socket-full"
    case headDeadline = "head-deadline"
    case requestDeadline = "request-deadline"
}

final class AccountConnections: ConnectionTracker {
    struct Connection {
        let peer: LocalPeer
        let descriptor: Int32
        /// Since when it has been waiting for a request's head and body (accepted, or last answered); nil once the
        /// handler has its request.
        var waitingSince: UInt64?
        /// When the head of the request in progress arrived; nil between requests.
        var requestSince: UInt64?
        var handling = false
        var cut = false
    }

    struct State {
        var nextID = 1
        var open: [Int: Connection] = [:]
        var perUID: [UInt32: Int] = [:]
        /// Connections of accounts other than the exempt one.
        var others = 0
    }

    private let perAccount: Int
    private let sharedSlots: Int
    private let headNanos: UInt64
    private let requestNanos: UInt64
    private let exempt: UInt32
    private let counters: ServerCounters
    private let onRefused: (@Sendable (LocalPeer, LocalRefusal) -> Void)?
    private let state = Mutex(State())
    private let watchdog = Watchdog(name: "interforce-local-connections")

    init(limits: ServerLimits, counters: ServerCounters, exempt: UInt32 = geteuid(),
         onRefused: (@Sendable (LocalPeer, LocalRefusal) -> Void)?) {
        perAccount = limits.maxConnectionsPerAccount
        sharedSlots = limits.maxConnections - limits.reservedOwnerConnections
        headNanos = UInt64(limits.admissionDeadlineSeconds) * 1_000_000_000
        requestNanos = UInt64(limits.requestDeadlineSeconds) * 1_000_000_000
        self.exempt = exempt
        self.counters = counters
        self.onRefused = onRefused
    }

    /// Counts a new connection of `peer` on `descriptor`: its id (never 0); or nil when it is refused, its socket
    /// shut down and the refusal reported.
    func opened(peer: LocalPeer, descriptor: Int32) -> Int? {
        let now = DispatchTime.now().uptimeNanoseconds
        let (id, refusal): (Int?, LocalRefusal?) = state.withLock { s in
            if peer.uid != exempt {
                if s.perUID[peer.uid, default: 0] >= perAccount { return (nil, .tooManyConnections) }
                if s.others >= sharedSlots { return (nil, .socketFull) }
                s.others += 1
            }
            let id = s.nextID
            s.nextID += 1
            s.open[id] = Connection(peer: peer, descriptor: descriptor, waitingSince: now)
            s.perUID[peer.uid, default: 0] += 1
            return (id, nil)
        }
        if let refusal {
            counters.count(refusal == .tooManyConnections ? .refusedAccountFull : .refusedSocketFull)
            _ = shutdown(descriptor, Int32(SHUT_RDWR))  // nothing of it has been read: its thread sees end-of-file
            onRefused?(peer, refusal)
        }
        return id
    }

    func closed(_ id: Int) {
        state.withLock { s in
            guard let connection = s.open.removeValue(forKey: id) else { return }
            let uid = connection.peer.uid
            let left = s.perUID[uid, default: 1] - 1
            s.perUID[uid] = left > 0 ? left : nil
            if uid != exempt { s.others -= 1 }
        }
    }

    func requestBegan(_ id: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { $0.open[id]?.requestSince = now }
    }

    func bodyReceived(_ id: Int) {
        state.withLock { $0.open[id]?.waitingSince = nil }
    }

    func handling(_ id: Int, _ running: Bool) {
        state.withLock { $0.open[id]?.handling = running }
    }

    func requestEnded(_ id: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { s in
            s.open[id]?.requestSince = nil
            s.open[id]?.handling = false
            if s.open[id] != nil { s.open[id]?.waitingSince = now }
        }
    }

    func fill(_ statistics: inout ServerStatistics) {
        state.withLock { s in
            statistics.connections = s.open.count
            statistics.accountsConnected = s.perUID.count
        }
    }

    func start() { watchdog.start { [self] in cutOverdue() } }

    func stop() { watchdog.stop() }

    private func cutOverdue() {
        let now = DispatchTime.now().uptimeNanoseconds
        let cut: [(LocalPeer, LocalRefusal)] = state.withLock { s in
            var cut: [(LocalPeer, LocalRefusal)] = []
            for (id, c) in s.open where !c.handling && !c.cut {
                let refusal: LocalRefusal
                if let since = c.waitingSince, now &- since > headNanos {
                    refusal = .headDeadline
                    counters.count(.closedAtAdmissionDeadline)
                } else if let since = c.requestSince, now &- since > requestNanos {
                    refusal = .requestDeadline
                    counters.count(.closedAtRequestDeadline)
                } else {
                    continue
                }
                s.open[id]?.cut = true
                // Still the connection MHD accepted (its descriptor is closed only after MHD reports it closed, which
                // removes it from the table): make its thread see end-of-file.
                if peerCredentials(c.descriptor) == c.peer { _ = shutdown(c.descriptor, Int32(SHUT_RDWR)) }
                cut.append((c.peer, refusal))
            }
            return cut
        }
        for (peer, refusal) in cut { onRefused?(peer, refusal) }
    }
}
