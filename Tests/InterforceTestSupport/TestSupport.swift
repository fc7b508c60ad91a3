// Shared fixtures for the test targets: temporary directories, a settable clock, in-memory nodes with their own
// keys, and the path of the built `interforce` executable.

import Foundation
import InterforceCore
import InterforceNode
import InterforceStore
import Synchronization

/// A directory under the system temp dir, removed when the value is deinitialised.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "interforce") {
        let base = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    public func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A clock tests set by hand.
public final class TestClock: Sendable {
    private let millis: Mutex<Int64>
    public init(_ start: Int64 = 1_790_000_000_000) { millis = Mutex(start) }
    public var now: Int64 { millis.withLock { $0 } }
    public func advance(_ by: Int64) { millis.withLock { $0 += by } }
    public var function: @Sendable () -> Int64 { { self.now } }
}

public enum Fixtures {
    /// A node over an in-memory store for `force`, with a fresh key and feed.
    public static func memoryNode(force: String, clock: TestClock, maxSkewMillis: Int64 = Admission.defaultMaxSkewMillis)
        throws -> Node {
        let config = NodeConfig(force: force, feed: Identifiers.newFeedID(force: force), maxSkewMillis: maxSkewMillis)
        return try Node(config: config, store: try Store(path: ":memory:"), secretKey: SecretKey.generate(),
                        now: clock.function)
    }

    /// Makes every node trust every other node's key.
    public static func trustAll(_ nodes: [Node]) throws {
        for a in nodes {
            for b in nodes where a !== b {
                try a.trust(b.publicKey, feed: b.config.feed, officer: "test")
            }
        }
    }

    /// The forces test nodes are made for, and an audience naming all of them.
    public static let forces = ["hampshire", "surrey", "sussex", "thames-valley", "kent"]
    public static let everyone = try! Audience(forces: forces)

    public static func imageDocument(hash: String = String(repeating: "ab", count: 32)) -> JSONValue {
        [
            "imageHash": .string(hash), "size": 123_456, "mediaType": "image/jpeg",
            "capturedAt": "2026-11-20T10:15:00Z", "capturingOfficer": "CSI 77", "storageUri": "s3://evidence/img/1.jpg",
            "kind": "footwear", "exhibitNumber": "EX-1",
        ]
    }

    public static func caseDocument(reference: String? = nil, title: String = "Burglary at Elm Road") -> JSONValue {
        var o: [String: JSONValue] = [
            "title": .string(title), "status": "open", "offence": "burglary",
            "people": [["role": "victim", "name": "Alex Smith"]], "tags": ["burglary"],
        ]
        if let reference { o["crimeReference"] = .string(reference) }
        return .object(o)
    }

    public static func noteDocument() -> JSONValue {
        ["interviewee": "Alex Smith", "interviewer": "DC 42", "intervieweeRole": "victim", "status": "in-progress",
         "paragraphs": ["Interview started."]]
    }

    /// The built `interforce` executable next to the test bundle.
    public static var executable: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("interforce").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug/interforce"
    }

    /// The package root (for Schemas/ and docs/).
    public static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }
}

/// A small deterministic generator (SplitMix64) so that a failing random schedule can be replayed from its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public enum Forge {
    /// An envelope whose header is arbitrary JSON, signed by `key` over its canonical bytes, with a consistent hash
    /// and payload hash: for building entries the model itself would never produce.
    public static func envelope(header: JSONValue, payload: JSONValue?, key: SecretKey) -> JSONValue {
        let bytes = header.canonicalBytes
        let hash = SHA256Digest.hash(bytes).hex
        let position = FeedPosition.bytes(feed: header["author"]?.string ?? "", seq: header["seq"]?.int ?? 0,
                                          hash: hash, audience: header["audience"] ?? .null)
        return [
            "hash": .string(hash), "header": header, "signature": .string(key.sign(bytes).hex),
            "position": .string(key.sign(position).hex), "payload": payload ?? .null,
        ]
    }

    /// A withheld marker for `envelope` (as `Forge.envelope` makes it), signed by `key`.
    public static func marker(for envelope: EntryEnvelope, key: SecretKey) -> WithheldMarker {
        let h = envelope.entry.header
        return WithheldMarker(author: h.author, seq: h.seq, hash: envelope.entry.hash, audience: h.audience,
                              key: key.publicKey, signature: key.sign(FeedPosition.bytes(of: envelope.entry)))
    }

    /// A valid header (as JSON) for `payload`, which callers then break one member at a time.
    public static func header(author: String, key: SecretKey, seq: Int64, prev: String?, time: Int64, tick: Int64 = 0,
                              record: String, type: String, op: String = "write", payload: JSONValue,
                              classification: String = "OFFICIAL", audience: JSONValue = Fixtures.everyone.json,
                              origin: JSONValue = .null) -> JSONValue {
        let bytes = payload.canonicalBytes
        return [
            "v": .int(EntryHeader.version), "author": .string(author), "key": .string(key.publicKey.hex),
            "seq": .int(seq), "prev": prev.map { .string($0) } ?? .null, "time": .int(time), "tick": .int(tick),
            "record": .string(record), "type": .string(type), "op": .string(op),
            "classification": .string(classification), "audience": audience, "origin": origin,
            "payload": ["sha256": .string(SHA256Digest.hash(bytes).hex), "size": .int(Int64(bytes.count))],
        ]
    }
}
