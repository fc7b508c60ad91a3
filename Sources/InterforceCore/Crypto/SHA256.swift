// SHA256: content addresses for canonical documents.
//
// An entry's identity is the SHA-256 of its canonical bytes (RFC 8785), so two nodes name the same record the same
// way without coordinating. We use libsodium's `crypto_hash_sha256`
// (https://doc.libsodium.org/advanced/sha-2_hash_function) rather than a Swift implementation so that hashing and
// signing come from one audited library. SHA-256 is not secret, so the digest is an ordinary printable value.

internal import CSodium

/// A SHA-256 digest: exactly 32 bytes, printed as 64 lowercase hex digits.
public struct SHA256Digest: Sendable, Hashable, CustomStringConvertible {
    /// The digest length in bytes (`crypto_hash_sha256_BYTES`).
    public static let byteCount = 32

    /// The 32 digest bytes.
    public let bytes: [UInt8]

    /// `nil` unless `bytes` has exactly 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// `nil` unless `hex` is 64 hex digits (either case).
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// 64 lowercase hex digits.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    /// The SHA-256 of `bytes`, via `crypto_hash_sha256`
    /// ([libsodium: SHA-2](https://doc.libsodium.org/advanced/sha-2_hash_function)).
    public static func hash(_ bytes: [UInt8]) -> SHA256Digest {
        Sodium.ensureInitialized()
        var digest = [UInt8](repeating: 0, count: byteCount)
        let result = digest.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                // `out` is 32 bytes so has a base address; an empty input may pass NULL.
                crypto_hash_sha256(out.baseAddress!, input.baseAddress, UInt64(input.count))
            }
        }
        Sodium.mustSucceed(result, "crypto_hash_sha256")
        return SHA256Digest(uncheckedBytes: digest)
    }

    /// The SHA-256 of the UTF-8 encoding of `text`.
    public static func hash(_ text: String) -> SHA256Digest {
        hash(Array(text.utf8))
    }

    private init(uncheckedBytes: [UInt8]) {
        self.bytes = uncheckedBytes
    }
}
