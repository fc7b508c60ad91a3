// What a running server has refused and what it holds, for `/metrics` and for tests: counters of connections and
// requests turned away by the connection guard and the memory budget, and gauges of what is in use. Counters are
// bumped from MHD's threads under a Mutex; `HTTPSServer.statistics` reads them together with the gauges.

import Synchronization

/// A snapshot of one server's counters (since it started) and gauges (now).
public struct ServerStatistics: Sendable, Equatable {
    /// Connections open now, and how many of them hold a stranger's slot.
    public var connections = 0
    public var strangerConnections = 0
    /// Sources that have presented a member certificate since the server started (remembered, at most 4096).
    public var memberSources = 0
    /// Connections refused on accept: their stranger source already held its ``ServerLimits/maxStrangerConnectionsPerSource``.
    public var refusedStrangerSourceFull = 0
    /// Connections refused on accept: strangers already held every slot not reserved for members.
    public var refusedStrangerSlotsFull = 0
    /// Unix socket: accounts holding a connection now, and connections shut down as they were accepted because
    /// their account already held ``ServerLimits/maxConnectionsPerAccount``.
    public var accountsConnected = 0
    public var refusedAccountFull = 0
    /// Unix socket: connections shut down as they were accepted because accounts other than the server's own held
    /// every slot not reserved for it (``ServerLimits/reservedOwnerConnections``).
    public var refusedSocketFull = 0
    /// Connections closed for not having a request admitted within ``ServerLimits/admissionDeadlineSeconds`` (on the
    /// Unix socket: a request's head and body, from its accept or last answer).
    public var closedAtAdmissionDeadline = 0
    /// Connections closed for a request not done (body, handler, response) within ``ServerLimits/requestDeadlineSeconds``.
    public var closedAtRequestDeadline = 0
    /// Requests answered by the gate without reading their body.
    public var refusedByGate = 0
    /// Requests answered 413 for a body over ``ServerLimits/maxBodyBytes``.
    public var refusedTooLarge = 0
    /// Requests answered 503 (or, mid-body, disconnected) because the memory budget was in use.
    public var refusedOverBudget = 0
    /// Bytes of the memory budget reserved now, the most ever reserved at once, and the budget.
    public var memoryReservedBytes = 0
    public var memoryReservedPeakBytes = 0
    public var memoryBudgetBytes = 0

    public init() {}
}

/// The counters behind ``ServerStatistics`` that are only ever incremented.
final class ServerCounters: Sendable {
    enum Counter: Hashable, Sendable {
        case refusedStrangerSourceFull, refusedStrangerSlotsFull, closedAtAdmissionDeadline, closedAtRequestDeadline,
             refusedByGate, refusedTooLarge, refusedOverBudget, refusedAccountFull, refusedSocketFull
    }

    private let counts = Mutex<[Counter: Int]>([:])

    func count(_ counter: Counter) { counts.withLock { $0[counter, default: 0] += 1 } }

    func fill(_ statistics: inout ServerStatistics) {
        let counts = counts.withLock { $0 }
        statistics.refusedStrangerSourceFull = counts[.refusedStrangerSourceFull] ?? 0
        statistics.refusedStrangerSlotsFull = counts[.refusedStrangerSlotsFull] ?? 0
        statistics.closedAtAdmissionDeadline = counts[.closedAtAdmissionDeadline] ?? 0
        statistics.closedAtRequestDeadline = counts[.closedAtRequestDeadline] ?? 0
        statistics.refusedByGate = counts[.refusedByGate] ?? 0
        statistics.refusedTooLarge = counts[.refusedTooLarge] ?? 0
        statistics.refusedOverBudget = counts[.refusedOverBudget] ?? 0
        statistics.refusedAccountFull = counts[.refusedAccountFull] ?? 0
        statistics.refusedSocketFull = counts[.refusedSocketFull] ?? 0
    }
}
