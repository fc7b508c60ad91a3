// Sodium: the single place libsodium is initialised.
//
// libsodium must be initialised with `sodium_init()` before any other call
// (https://doc.libsodium.org/usage): it selects the fastest implementations for the CPU and sets up the random
// number generator. `sodium_init()` is itself safe to call more than once and from several threads, but we still
// call it exactly once, through a lazily initialised static `let` — Swift runs such initialisers once, atomically
// (`swift_once`) — and every wrapper in this module calls `Sodium.ensureInitialized()` before its first C call.
// Unlike swift-sodium, the failure case is not a `nil` to be checked at every call site: if libsodium cannot start,
// no signature can be made or checked, and the process stops with a clear message.

internal import CSodium

enum Sodium {
    /// Evaluated once, on first use, by any thread. Touch it (`Sodium.ensureInitialized()`) before calling libsodium.
    private static let ready: Void = {
        // 0: initialised now; 1: already initialised (e.g. by another library in the process); -1: failure.
        if sodium_init() == -1 {
            fatalError("libsodium failed to initialise (sodium_init returned -1)")
        }
    }()

    /// Makes sure `sodium_init()` has run. Cheap after the first call.
    @inline(__always)
    static func ensureInitialized() {
        ready
    }

    /// The one place libsodium return codes are checked. The calls routed here (hashing, key derivation, signing)
    /// cannot fail for the fixed-size arguments our types guarantee, so a non-zero result means a broken library
    /// or a bug of ours, and traps. Calls whose failure is an expected outcome, like signature verification, do
    /// not come here: they return `Bool`.
    static func mustSucceed(_ result: Int32, _ function: StaticString) {
        if result != 0 {
            fatalError("libsodium \(function) failed unexpectedly (returned \(result))")
        }
    }
}
