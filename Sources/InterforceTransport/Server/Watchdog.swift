// The thread behind the servers' deadlines. libmicrohttpd closes a connection only after `.CONNECTION_TIMEOUT` of
// inactivity, and every byte a client trickles resets that; so each server's connection table (`ConnectionGuard`
// for TLS, `AccountConnections` for the Unix socket) is checked five times a second by a thread of its own, which
// shuts down the sockets past their deadlines. `ConnectionTracker` is what both tables learn from the request
// callbacks (ServerCallbacks.swift).

import Foundation
import Synchronization

/// What a server's connection table is told of each request on a connection, by the connection's id.
protocol ConnectionTracker: Sendable {
    /// A request's head has been read and the gate let it proceed: its request deadline runs from now.
    func requestBegan(_ id: Int)
    /// The request's body is in, and its handler about to run.
    func bodyReceived(_ id: Int)
    /// Whether the gate or the handler is running for the connection's request (a running one is never cut).
    func handling(_ id: Int, _ running: Bool)
    /// The request is complete: answered, or ended by an error.
    func requestEnded(_ id: Int)
    func fill(_ statistics: inout ServerStatistics)
    /// Starts the table's watchdog; `stop` (after `MHD_stop_daemon`) ends it, once per `start`.
    func start()
    func stop()
}

/// Calls `check` every 0.2 s on a thread of its own, from `start` until `stop`.
final class Watchdog: Sendable {
    private let name: String
    private let stopping = Mutex(false)
    private let tick = NSCondition()
    private let finished = DispatchSemaphore(value: 0)

    init(name: String) { self.name = name }

    func start(_ check: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            while true {
                tick.lock()
                _ = tick.wait(until: Date().addingTimeInterval(0.2))
                tick.unlock()
                if stopping.withLock({ $0 }) { break }
                check()
            }
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Stops the thread and waits for it.
    func stop() {
        tick.lock()
        stopping.withLock { $0 = true }
        tick.signal()
        tick.unlock()
        finished.wait()
    }
}
