// One budget of bytes shared by every request a server has in flight, so that memory is bounded by the budget and
// not by connections × the per-request cap. A request reserves before it reads its body (the declared length times
// `ServerLimits.bodyMemoryFactor`, or chunk by chunk when no length is declared) and again for the response it
// queues, and gives everything back when MHD reports it complete. A reservation that does not fit fails at once:
// the caller answers 503 rather than wait, so a flood is turned away instead of queueing.

import Synchronization

final class MemoryBudget: Sendable {
    let capacity: Int
    private let state = Mutex<(used: Int, peak: Int)>((0, 0))

    init(capacity: Int) { self.capacity = capacity }

    /// Reserves `bytes` if they fit beside what is reserved; false (and nothing reserved) if not.
    func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        return state.withLock { state in
            guard bytes <= capacity - state.used else { return false }
            state.used += bytes
            state.peak = max(state.peak, state.used)
            return true
        }
    }

    /// Returns bytes an earlier `reserve` took.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        state.withLock { state in state.used = max(0, state.used - bytes) }
    }

    var reserved: (now: Int, peak: Int) { state.withLock { ($0.used, $0.peak) } }
}
