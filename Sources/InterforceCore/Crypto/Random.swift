// Random: unpredictable bytes for nonces, identifiers and test keys.
//
// libsodium's `randombytes_buf` (https://doc.libsodium.org/generating_random_data) reads the kernel CSPRNG
// (getrandom on Linux) and never fails once `sodium_init` has run, so there is no error to handle and no
// reason for a second random source in the code base.

internal import CSodium

/// Cryptographically secure random bytes.
public enum Random {
    /// `count` bytes from `randombytes_buf`. `count` must not be negative.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "Random.bytes: negative count")
        Sodium.ensureInitialized()
        guard count > 0 else { return [] }
        var output = [UInt8](repeating: 0, count: count)
        output.withUnsafeMutableBytes { buffer in
            randombytes_buf(buffer.baseAddress!, buffer.count)  // non-empty, so baseAddress exists
        }
        return output
    }
}
