// A hostile member for the attack tests: a force that is a full member of the federation (its node was initialised,
// described and listed in the signed membership, so it has a federation certificate and a trusted feed key) but
// whose `serve` is never started. The test holds its feed key (read from its node.key) and signs its entries itself,
// choosing every header member, then pushes them with the member's own certificate, as a member gone bad would.

import Foundation
import InterforceCore
import InterforceTestSupport
import InterforceTransport
import Testing

final class HostileMember {
    let fed: Federation
    let force: String
    let feed: String
    /// The key that signs its entries (its node key; a test may switch to a rotated one).
    var key: SecretKey
    /// Its feed as signed so far, in seq order (the envelope JSON, which may be one the model would refuse).
    private(set) var feedItems: [JSONValue] = []
    var clock = HybridLogicalClock()

    init(_ fed: Federation, _ force: String) throws {
        self.fed = fed
        self.force = force
        let member = fed.member(force)
        feed = member.feed
        let seed = try String(contentsOfFile: member.data + "/node.key", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        key = try SecretKey(seed: try #require(Hex.decode(seed)))
    }

    var nextSeq: Int64 { Int64(feedItems.count + 1) }
    var headHash: String? { feedItems.last?["hash"]?.string }

    /// Signs the next entry of its feed: `header` members given override the valid ones built here.
    @discardableResult
    func sign(record: String, type: String = "case-file", op: String = "write", payload: JSONValue,
              audience: Audience = Fixtures.everyone, classification: String = "OFFICIAL",
              origin: RecordOrigin? = nil, time: Int64? = nil, tick: Int64? = nil, with signer: SecretKey? = nil,
              seq: Int64? = nil, publish: Bool = true) -> JSONValue {
        let reading = clock.tick(wallMillis: nowMillis())!
        let signer = signer ?? key
        let seq = seq ?? nextSeq
        let prev = seq == 1 ? nil : feedItems.count >= seq - 1 ? feedItems[Int(seq - 2)]["hash"]?.string : headHash
        let header = Forge.header(author: feed, key: signer, seq: seq, prev: prev, time: time ?? reading.time,
                                  tick: tick ?? reading.tick, record: record, type: type, op: op, payload: payload,
                                  classification: classification, audience: audience.json,
                                  origin: origin?.json ?? .null)
        let envelope = Forge.envelope(header: header, payload: payload, key: signer)
        if publish { feedItems.append(envelope) }
        return envelope
    }

    /// A write payload setting fields.
    static func set(_ fields: [String: JSONValue]) -> JSONValue { ["set": .object(fields)] }

    /// Its withheld marker for one of its envelopes, signed by `signer` (by default the envelope's own position).
    static func marker(of envelope: JSONValue) throws -> String {
        let parsed = try EntryEnvelope(json: envelope)
        return PositionStatement(parsed).markerJSON.canonicalText
    }

    /// A made-up marker: a random hash at `seq`, signed by `signer` for `audience`.
    func fakeMarker(seq: Int64, signer: SecretKey, audience: Audience) -> String {
        let hash = SHA256Digest.hash(Random.bytes(32))
        let signature = signer.sign(FeedPosition.bytes(feed: feed, seq: seq, hash: hash.hex, audience: audience.json))
        return PositionStatement(author: feed, seq: seq, hash: hash, audience: audience, key: signer.publicKey,
                                 signature: signature).markerJSON.canonicalText
    }

    /// Pushes items (envelope or marker JSON text) to `target` with this member's certificate; the outcomes.
    func push(_ items: [String], to target: String) throws -> [[String: Any]] {
        let (status, body) = try fed.push(items, to: target, as: force)
        try #require(status == 200, "push to \(target): \(status) \(body)")
        return try #require(body["results"] as? [[String: Any]], "\(body)")
    }

    /// Pushes one item and returns its outcome.
    func pushOne(_ item: JSONValue, to target: String) throws -> [String: Any] {
        try #require(try push([item.canonicalText], to: target).first)
    }

    /// Pushes fork evidence (`POST /v1/evidence`) to `target` with this member's certificate; the outcomes.
    func pushEvidence(_ forks: [JSONValue], to target: String) throws -> [[String: Any]] {
        let body = JSONValue.object(["forks": .array(forks)]).canonicalBytes
        let r = try fed.client(to: target, as: force).send(ClientRequest(
            method: "POST", path: "/v1/evidence", headers: [("Content-Type", "application/json")], body: body))
        let text = String(decoding: r.body, as: UTF8.self)
        try #require(r.status == 200, "evidence to \(target): \(r.status) \(text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        return try #require(json["results"] as? [[String: Any]], "\(text)")
    }

    /// Fork evidence for two envelopes signed for one position.
    static func fork(_ a: JSONValue, _ b: JSONValue) throws -> JSONValue {
        try #require(ForkEvidence(PositionStatement(try EntryEnvelope(json: a)), PositionStatement(try EntryEnvelope(json: b)))).json
    }

    /// Issues membership `version` in which this member's feed key signs positions up to `lastSeq` and `rotated`
    /// signs from `lastSeq + 1` (OPERATIONS §5.1); the signed document's path.
    func rotation(version: Int, lastSeq: Int64, to rotated: SecretKey) throws -> String {
        let memberFile = fed.tmp.file("\(force).member.json")
        var member = try #require(try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: memberFile)))).object)
        var feeds = try #require(member["feeds"]?.array)
        var feed0 = try #require(feeds[0].object)
        feed0["keys"] = .array(try #require(feed0["keys"]?.array) + [["key": .string(rotated.publicKey.hex),
                                                                       "fromSeq": .int(lastSeq + 1), "untilSeq": .null]])
        feeds[0] = .object(feed0)
        member["feeds"] = .array(feeds)
        try Data(JSONValue.object(member).prettyText().utf8).write(to: URL(fileURLWithPath: memberFile))
        return try fed.issueMembership(version: version, extra: ["--revoke-key", "\(key.publicKey.hex)@\(lastSeq)"])
    }

    /// GET `path` on `target` with this member's certificate: status and body text.
    func get(_ path: String, from target: String) throws -> (status: Int, body: String) {
        let r = try fed.client(to: target, as: force).send(ClientRequest(method: "GET", path: path))
        return (r.status, String(decoding: r.body, as: UTF8.self))
    }
}

extension Federation {
    /// The rows of `force`'s log of `kind`.
    func rows(_ force: String, kind: String) throws -> [[String: Any]] {
        try auditLog(force).filter { $0["kind"] as? String == kind }
    }

    /// Waits until every node named has the same state digest.
    func converge(_ forces: [String], timeout: Double = 30) throws {
        try waitUntil(timeout: timeout, "one state digest on \(forces)") {
            for force in forces { _ = try cli(force, "sync", "--timeout", "10") }
            return try sameDigest(forces)
        }
    }

    /// The owned record a force's `record new` created: its origin, read from the entry header.
    func origin(_ force: String, record: String) throws -> RecordOrigin {
        let line = try #require(try export(force).first { (try? Envelope.header($0)["record"]?.string) == record })
        return try RecordOrigin(json: try #require(try Envelope.header(line)["origin"]))
    }
}

/// `detail.message` of a log row.
func message(_ row: [String: Any]) -> String { (row["detail"] as? [String: Any])?["message"] as? String ?? "" }
