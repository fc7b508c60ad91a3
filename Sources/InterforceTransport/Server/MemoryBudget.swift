// One budget of bytes shared by every request a server has in flight, so that memory is bounded by the budget and
// not by connections × the per-request cap. A request reserves before it reads its body (the declared length times
// `ServerLimits.bodyMemoryFactor`, or chunk by chunk when no length is declared) and again for the response it
// queues, and gives everything back when MHD reports it complete. A reservation that does not fit fails at once:
// the caller answers 503 rather than wait, so a flood is turned away instead of queueing.

import Synchronization
internal import CMicroHTTPD

final class MemoryBudget: Sendable {
    /// The budget bounds what requests hold, and glibc must give memory back once they let go of it. By default
    /// glibc raises its mmap and trim thresholds (up to 32 and 64 MiB) each time a large block is freed, after which
    /// freed bodies and parse trees stay resident in the arena of whichever connection thread used them — and with a
    /// thread per connection there is an arena per core×8. Fixed thresholds (which turn that adjustment off) send
    /// blocks of 1 MiB or more straight to mmap and trim freed heap tops above 1 MiB, so resident memory follows the
    /// budget. Process-wide; set once, when the first server starts.
    static let allocatorTuned: Bool = {
        mallopt(M_MMAP_THRESHOLD, 1 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 20) == 1
    }()

    /// A request that reserved at least this much hands freed memory back when it completes.
    static let trimAfterBytes = 16 << 20

    /// Trimming reaches only the top of a heap: a parse tree freed below a block still in use stays resident, and
    /// the next parse, on another thread, takes fresh memory. `malloc_trim` also releases free pages inside every
    /// arena (`MADV_DONTNEED`).
    static func returnFreedMemory() { _ = malloc_trim(0) }

    let capacity: Int
    private let state = Mutex<(used: Int, peak: Int)>((0, 0))

    init(capacity: Int) {
        self.capacity = capacity
        _ = Self.allocatorTuned
    }

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
