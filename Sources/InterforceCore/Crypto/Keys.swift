// Keys: Ed25519 identities — who wrote an entry, and the proof that they did.
//
// Every entry is signed with its author node's Ed25519 key over its canonical bytes, using libsodium's detached
// signatures (https://doc.libsodium.org/public-key_cryptography/public-key_signatures). Following swift-sodium but
// going further, keys are types rather than byte arrays: a `PublicKey` or `Signature` cannot exist with the wrong
// length, because the initialiser checks it and throws a `CryptoError` that says what was wrong. Verification
// returns `Bool`: a bad signature is an expected outcome for data from the network, not an exception.
//
// `SecretKey` owns libsodium's 64-byte secret key (seed followed by public key) in memory from `sodium_malloc`
// (https://doc.libsodium.org/memory_management): guarded pages, locked against swapping where the system allows,
// made read-only once written, and wiped with `sodium_memzero` before `sodium_free` when the key is released. The
// secret never sits in a Swift array (which could be copied or left behind) except when the caller explicitly
// asks for the seed to write a key file. It prints as `SecretKey(<redacted>)`, shows no children to `dump` or a
// debugger's mirror, and is deliberately not `Codable`.

internal import CSodium

/// A key, signature or key file was malformed. The message names what was wrong, never the secret.
public struct CryptoError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}

// MARK: - PublicKey

/// An Ed25519 public key: exactly 32 bytes (`crypto_sign_PUBLICKEYBYTES`).
///
/// Only the length is checked at `init`; whether the bytes are a usable curve point is decided by
/// ``verify(_:for:)``, which returns `false` for keys that are not canonical points of large order.
public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
    /// `crypto_sign_PUBLICKEYBYTES`.
    public static let byteCount = 32

    /// The 32 key bytes.
    public let bytes: [UInt8]

    /// - Throws: ``CryptoError`` `"public key must be 32 bytes, got N"`.
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw CryptoError(message: "public key must be \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// - Throws: ``CryptoError`` if `hex` is not hex, or does not decode to 32 bytes.
    public init(hex: String) throws(CryptoError) {
        guard let bytes = Hex.decode(hex) else {
            throw CryptoError(message: "public key is not valid hex")
        }
        try self.init(bytes: bytes)
    }

    /// 64 lowercase hex digits.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key, via
    /// `crypto_sign_verify_detached` (libsodium, detached mode:
    /// https://doc.libsodium.org/public-key_cryptography/public-key_signatures#detached-mode).
    ///
    /// Never throws: an invalid signature, or a key that is not a valid point, is simply `false`.
    public func verify(_ signature: Signature, for message: [UInt8]) -> Bool {
        Sodium.ensureInitialized()
        let result = signature.bytes.withUnsafeBufferPointer { signatureBytes in
            message.withUnsafeBufferPointer { messageBytes in
                bytes.withUnsafeBufferPointer { keyBytes in
                    // Key and signature have their validated, non-zero lengths, so their base addresses exist;
                    // the message may be empty, and libsodium accepts NULL for it.
                    crypto_sign_verify_detached(
                        signatureBytes.baseAddress!, messageBytes.baseAddress, UInt64(messageBytes.count),
                        keyBytes.baseAddress!)
                }
            }
        }
        return result == 0
    }
}

// MARK: - Signature

/// An Ed25519 detached signature: exactly 64 bytes (`crypto_sign_BYTES`).
public struct Signature: Sendable, Hashable, CustomStringConvertible {
    /// `crypto_sign_BYTES`.
    public static let byteCount = 64

    /// The 64 signature bytes.
    public let bytes: [UInt8]

    /// - Throws: ``CryptoError`` `"signature must be 64 bytes, got N"`.
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw CryptoError(message: "signature must be \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// - Throws: ``CryptoError`` if `hex` is not hex, or does not decode to 64 bytes.
    public init(hex: String) throws(CryptoError) {
        guard let bytes = Hex.decode(hex) else {
            throw CryptoError(message: "signature is not valid hex")
        }
        try self.init(bytes: bytes)
    }

    /// 128 lowercase hex digits.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    fileprivate init(uncheckedBytes: [UInt8]) {
        self.bytes = uncheckedBytes
    }
}

// MARK: - SecretKey

/// An Ed25519 signing key held in libsodium secure memory.
///
/// `@unchecked Sendable` is sound because the object is immutable after `init`: the secure buffer is written once
/// by `crypto_sign_seed_keypair`/`crypto_sign_keypair` and then made read-only with `sodium_mprotect_readonly`, so
/// any number of threads may read it concurrently through ``sign(_:)`` and ``seedBytes()`` (libsodium's signing
/// functions keep no shared mutable state); `publicKey` is an immutable value; and `deinit`, the only other
/// access, runs when no reference — and so no thread — remains.
///
/// Each key costs a few pages of locked memory (`sodium_malloc` adds guard pages), so hold a handful of long-lived
/// keys, not thousands.
public final class SecretKey: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// `crypto_sign_SEEDBYTES`.
    public static let seedByteCount = 32
    /// `crypto_sign_SECRETKEYBYTES`: seed followed by public key.
    private static let secretKeyByteCount = 64

    /// The public half, for verification and for naming the author.
    public let publicKey: PublicKey

    /// 64 bytes from `sodium_malloc`, read-only after `init`.
    private let secret: UnsafeMutableRawPointer

    /// A new random key from libsodium's CSPRNG (`crypto_sign_keypair`); the secret is generated straight into
    /// secure memory.
    public static func generate() -> SecretKey {
        SecretKey(using: "crypto_sign_keypair") { publicKey, secretKey in crypto_sign_keypair(publicKey, secretKey) }
    }

    /// The key deterministically derived from a 32-byte seed (`crypto_sign_seed_keypair`), e.g. read from a key
    /// file. The caller should wipe its copy of `seed` when done with it.
    ///
    /// - Throws: ``CryptoError`` `"secret key seed must be 32 bytes, got N"`.
    public convenience init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == Self.seedByteCount else {
            throw CryptoError(message: "secret key seed must be \(Self.seedByteCount) bytes, got \(seed.count)")
        }
        self.init(using: "crypto_sign_seed_keypair") { publicKey, secretKey in
            seed.withUnsafeBufferPointer { seedBytes in
                crypto_sign_seed_keypair(publicKey, secretKey, seedBytes.baseAddress!)
            }
        }
    }

    /// Allocates secure memory and fills it and a public key with `makeKeyPair(publicKey, secretKey)`, the libsodium
    /// call named `function`.
    private init(
        using function: StaticString,
        _ makeKeyPair: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>) -> Int32
    ) {
        Sodium.ensureInitialized()
        // sodium_malloc: guard pages around the region, mlock()ed where RLIMIT_MEMLOCK allows, NULL only when out
        // of memory — which, as for any Swift allocation, we do not try to survive.
        guard let secret = sodium_malloc(Self.secretKeyByteCount) else {
            fatalError("sodium_malloc failed: out of memory for a secret key")
        }
        let secretBytes = secret.bindMemory(to: UInt8.self, capacity: Self.secretKeyByteCount)
        var publicBytes = [UInt8](repeating: 0, count: PublicKey.byteCount)
        let result = publicBytes.withUnsafeMutableBufferPointer { publicBuffer in
            makeKeyPair(publicBuffer.baseAddress!, secretBytes)
        }
        Sodium.mustSucceed(result, function)
        _ = sodium_mprotect_readonly(secret)
        self.secret = secret
        self.publicKey = PublicKey(uncheckedBytes: publicBytes)
    }

    deinit {
        _ = sodium_mprotect_readwrite(secret)
        sodium_memzero(secret, Self.secretKeyByteCount)
        sodium_free(secret)
    }

    /// The Ed25519 signature of `message`, via `crypto_sign_detached` (libsodium, detached mode:
    /// https://doc.libsodium.org/public-key_cryptography/public-key_signatures#detached-mode).
    /// Deterministic: the same key and message always give the same signature.
    public func sign(_ message: [UInt8]) -> Signature {
        var signature = [UInt8](repeating: 0, count: Signature.byteCount)
        let secretBytes = secret.assumingMemoryBound(to: UInt8.self)
        let result = signature.withUnsafeMutableBufferPointer { signatureBuffer in
            message.withUnsafeBufferPointer { messageBytes in
                crypto_sign_detached(
                    signatureBuffer.baseAddress!, nil, messageBytes.baseAddress, UInt64(messageBytes.count),
                    secretBytes)
            }
        }
        Sodium.mustSucceed(result, "crypto_sign_detached")
        return Signature(uncheckedBytes: signature)
    }

    /// The 32-byte seed this key derives from (`crypto_sign_ed25519_sk_to_seed`), for writing the key file.
    ///
    /// This copies the secret into ordinary memory. The caller must write it only to a file with owner-only
    /// permissions, never log or print it, and overwrite the array (e.g. with zeros) as soon as it is written.
    public func seedBytes() -> [UInt8] {
        var seed = [UInt8](repeating: 0, count: Self.seedByteCount)
        let secretBytes = secret.assumingMemoryBound(to: UInt8.self)
        let result = seed.withUnsafeMutableBufferPointer { seedBuffer in
            crypto_sign_ed25519_sk_to_seed(seedBuffer.baseAddress!, secretBytes)
        }
        Sodium.mustSucceed(result, "crypto_sign_ed25519_sk_to_seed")
        return seed
    }

    /// Always `"SecretKey(<redacted>)"`.
    public var description: String { "SecretKey(<redacted>)" }

    /// Always `"SecretKey(<redacted>)"`.
    public var debugDescription: String { "SecretKey(<redacted>)" }

    /// No children, so `dump` and debuggers show nothing but the redacted description.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}

extension PublicKey {
    fileprivate init(uncheckedBytes: [UInt8]) {
        self.bytes = uncheckedBytes
    }
}
