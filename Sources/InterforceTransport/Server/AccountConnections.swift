// Connection slots of the local socket, per Unix account. Every account in the socket's group may connect, and
// libmicrohttpd bounds only the total (`ServerLimits.maxConnections`), so one account — registered as an officer or
// not — could hold every slot with idle connections and keep every officer out until the inactivity timeout. The
// kernel tells who connected (`SO_PEERCRED`); as MHD reports each new connection (`MHD_OPTION_NOTIFY_CONNECTION`,
// called before the connection's thread reads anything), one whose uid already holds
// `ServerLimits.maxConnectionsPerAccount` is shut down at once — its client reads end-of-file without an answer —
// and reported to the server's `onAccountRefused`, so the application can log it. The server's own account (the
// node's, which owns the data directory anyway) has no limit. A connection whose credentials cannot be read is not
// counted here; the handler refuses its requests.

import Foundation
import Synchronization
#if canImport(Glibc)
internal import Glibc
#endif

final class AccountConnections: Sendable {
    struct State {
        var nextID = 1
        var open: [Int: UInt32] = [:]
        var perUID: [UInt32: Int] = [:]
    }

    private let limit: Int
    private let exempt: UInt32
    private let state = Mutex(State())

    init(limit: Int, exempt: UInt32 = geteuid()) {
        self.limit = limit
        self.exempt = exempt
    }

    /// Counts a new connection of `uid`: its id (never 0), or nil when `uid` already holds its limit.
    func opened(uid: UInt32) -> Int? {
        state.withLock { s in
            guard uid == exempt || s.perUID[uid, default: 0] < limit else { return nil }
            let id = s.nextID
            s.nextID += 1
            s.open[id] = uid
            s.perUID[uid, default: 0] += 1
            return id
        }
    }

    func closed(_ id: Int) {
        state.withLock { s in
            guard let uid = s.open.removeValue(forKey: id) else { return }
            let left = s.perUID[uid, default: 1] - 1
            s.perUID[uid] = left > 0 ? left : nil
        }
    }

    func fill(_ statistics: inout ServerStatistics) {
        state.withLock { s in
            statistics.connections = s.open.count
            statistics.accountsConnected = s.perUID.count
        }
    }
}
