// Tests for the libsodium wrappers: RFC 8032 Ed25519 vectors, SHA-256, hex, key validation and redaction.

import Testing

import InterforceCore

@Suite("Ed25519")
struct Ed25519Tests {
    @Test("RFC 8032 vectors", arguments: Ed25519Tests.rfc8032Vectors)
    func vector(_ vector: Ed25519Vector) throws {
        let seed = try #require(Hex.decode(vector.seed))
        let message = try #require(Hex.decode(vector.message))
        let key = try SecretKey(seed: seed)
        #expect(key.publicKey.hex == vector.publicKey)
        #expect(key.publicKey == (try PublicKey(hex: vector.publicKey)))
        let signature = key.sign(message)
        #expect(signature.hex == vector.signature)
        #expect(key.publicKey.verify(signature, for: message))
        #expect(key.seedBytes() == seed)
    }

    @Test("tampering is detected", arguments: Ed25519Tests.rfc8032Vectors)
    func tampering(_ vector: Ed25519Vector) throws {
        let publicKey = try PublicKey(hex: vector.publicKey)
        let signature = try Signature(hex: vector.signature)
        let message = try #require(Hex.decode(vector.message))
        #expect(publicKey.verify(signature, for: message))

        var flippedSignature = signature.bytes
        flippedSignature[10] ^= 0x01
        #expect(!publicKey.verify(try Signature(bytes: flippedSignature), for: message))

        #expect(!publicKey.verify(signature, for: message + [0x00]))
        if !message.isEmpty {
            var flippedMessage = message
            flippedMessage[0] ^= 0x80
            #expect(!publicKey.verify(signature, for: flippedMessage))
        }

        var flippedKey = publicKey.bytes
        flippedKey[0] ^= 0x01
        #expect(!(try PublicKey(bytes: flippedKey)).verify(signature, for: message))
    }

    @Test func generatedKeysSignAndVerify() throws {
        let key = SecretKey.generate()
        let other = SecretKey.generate()
        #expect(key.publicKey != other.publicKey)
        let message = Array("canonical bytes".utf8)
        let signature = key.sign(message)
        #expect(key.sign(message) == signature)  // Ed25519 is deterministic
        #expect(key.publicKey.verify(signature, for: message))
        #expect(!other.publicKey.verify(signature, for: message))
        let restored = try SecretKey(seed: key.seedBytes())
        #expect(restored.publicKey == key.publicKey)
        #expect(restored.sign(message) == signature)
    }

    @Test func signsConcurrently() async throws {
        let key = SecretKey.generate()
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let message = Array("message \(index)".utf8)
                    return key.publicKey.verify(key.sign(message), for: message)
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64)
        #expect(results.allSatisfy { $0 })
    }

    @Test func lengthsAreValidated() throws {
        let keyError = try #require(throws: CryptoError.self) { try PublicKey(bytes: [UInt8](repeating: 1, count: 31)) }
        #expect(keyError.message == "public key must be 32 bytes, got 31")
        #expect(keyError.description == "public key must be 32 bytes, got 31")
        #expect(throws: CryptoError.self) { try PublicKey(bytes: [UInt8](repeating: 1, count: 33)) }
        let signatureError = try #require(throws: CryptoError.self) {
            try Signature(bytes: [UInt8](repeating: 1, count: 63))
        }
        #expect(signatureError.message == "signature must be 64 bytes, got 63")
        let seedError = try #require(throws: CryptoError.self) { try SecretKey(seed: [UInt8](repeating: 1, count: 31)) }
        #expect(seedError.message == "secret key seed must be 32 bytes, got 31")
        let hexError = try #require(throws: CryptoError.self) { try PublicKey(hex: "zz") }
        #expect(hexError.message == "public key is not valid hex")
        let shortHex = try #require(throws: CryptoError.self) { try Signature(hex: "abcd") }
        #expect(shortHex.message == "signature must be 64 bytes, got 2")
    }

    @Test func secretKeyNeverPrintsItsBytes() throws {
        let seed = try #require(Hex.decode(Self.rfc8032Vectors[0].seed))
        let key = try SecretKey(seed: seed)
        let seedHex = Hex.encode(seed)
        let fragment = String(seedHex.prefix(16))
        var dumped = ""
        dump(key, to: &dumped)
        let renderings = [
            String(describing: key), String(reflecting: key), "\(key)", dumped, String(describing: [key]),
            String(describing: Optional(key)),
        ]
        for rendering in renderings {
            #expect(!rendering.contains(fragment))
            #expect(rendering.contains("SecretKey(<redacted>)"))
        }
        #expect(key.description == "SecretKey(<redacted>)")
        #expect(key.debugDescription == "SecretKey(<redacted>)")
    }

    @Test func publicValuesPrintAsHex() throws {
        let publicKey = try PublicKey(hex: Self.rfc8032Vectors[0].publicKey)
        #expect(publicKey.description == Self.rfc8032Vectors[0].publicKey)
        let signature = try Signature(hex: Self.rfc8032Vectors[0].signature.uppercased())
        #expect("\(signature)" == Self.rfc8032Vectors[0].signature)
    }
}

// MARK: - Fixtures

extension Ed25519Tests {
    struct Ed25519Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let seed: String
        let publicKey: String
        let message: String
        let signature: String
        var testDescription: String { name }
    }

    /// RFC 8032 §7.1, TEST 1 and TEST 2.
    static let rfc8032Vectors: [Ed25519Vector] = [
        Ed25519Vector(
            name: "RFC 8032 TEST 1 (empty message)",
            seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            message: "",
            signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        Ed25519Vector(
            name: "RFC 8032 TEST 2 (one byte)",
            seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            message: "72",
            signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ]
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test func knownDigests() {
        #expect(SHA256Digest.hash("abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hash("").hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hash([]) == SHA256Digest.hash(""))
        #expect(SHA256Digest.hash(Array("abc".utf8)) == SHA256Digest.hash("abc"))
        // FIPS 180-2 two-block message.
        #expect(
            SHA256Digest.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func construction() throws {
        let digest = SHA256Digest.hash("abc")
        #expect(digest.bytes.count == 32)
        #expect(SHA256Digest(hex: digest.hex) == digest)
        #expect(SHA256Digest(bytes: digest.bytes) == digest)
        #expect(SHA256Digest(bytes: [UInt8](repeating: 0, count: 31)) == nil)
        #expect(SHA256Digest(hex: "abc") == nil)
        #expect(SHA256Digest(hex: String(repeating: "0", count: 62)) == nil)
        #expect("\(digest)" == digest.hex)
    }
}

@Suite("Hex and Random")
struct HexTests {
    @Test func roundTrip() {
        let bytes: [UInt8] = Array(0...255)
        let text = Hex.encode(bytes)
        #expect(text.count == 512)
        #expect(text.hasPrefix("000102"))
        #expect(text.hasSuffix("fdfeff"))
        #expect(Hex.decode(text) == bytes)
        #expect(Hex.decode(text.uppercased()) == bytes)
        #expect(Hex.encode([]) == "")
        #expect(Hex.decode("") == [])
    }

    @Test(arguments: ["abc", "zz", "0g", " 00", "00 ", "0x00", "é0"])
    func rejects(_ text: String) {
        #expect(Hex.decode(text) == nil)
    }

    @Test func randomBytes() {
        #expect(Random.bytes(0) == [])
        let first = Random.bytes(32)
        let second = Random.bytes(32)
        #expect(first.count == 32)
        #expect(first != second)
    }
}
