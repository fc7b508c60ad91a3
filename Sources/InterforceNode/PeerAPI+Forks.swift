// The peer routes that find forks wherever they are (docs/PROTOCOL.md §5.7-5.9): a node's statement for one feed
// position, so a peer whose head hash differs can build the proof itself; and fork evidence, served per feed and
// accepted from any member, each statement checked by the receiver against the author's keys.

import InterforceCore
import InterforceStore
import InterforceTransport

extension PeerAPI {
    /// At most this many forks in one `POST /v1/evidence`.
    public static let maxEvidence = 16

    /// `GET /v1/feeds/position?feed=F&seq=N`: `{"statement": {...}}` for the position held, else 404 `not-held`.
    func position(_ request: HTTPRequest, from peer: String) throws -> HTTPResponse {
        guard let feed = request.query["feed"], Identifiers.isFeedID(feed),
              let seq = Int64(request.query["seq"] ?? ""), Limits.isSeq(seq)
        else {
            return try malformed(request, "query 'feed' must be a feed id and 'seq' an integer 1...\(Limits.maxSeq)",
                                 peer: peer)
        }
        guard let statement = try service.with({ try $0.heldStatement(feed: feed, seq: seq) }) else {
            return Self.error(404, "not-held", "no position \(seq) of \(feed) is held here")
        }
        return Self.ok(["statement": statement.json])
    }

    /// `GET /v1/evidence?feed=F`: `{"forks": [...]}`, the fork evidence held for feed F (at most
    /// ``Node/maxForksPerFeed``).
    func evidence(_ request: HTTPRequest, from peer: String) throws -> HTTPResponse {
        guard let feed = request.query["feed"], Identifiers.isFeedID(feed) else {
            return try malformed(request, "query 'feed' must be a feed id", peer: peer)
        }
        let forks = try service.with { try $0.forks(feed: feed) }
        return Self.ok(["forks": .array(forks.map(\.json))])
    }

    /// `POST /v1/evidence` with `{"forks": [...]}` (at most ``maxEvidence``): each fork checked and kept.
    /// `{"results": [{"outcome": "recorded" | "duplicate"} | {"outcome": "rejected", "reason", "message"}]}`.
    /// Every row a refusal here writes counts against the member's allowance of rejection rows, as for entries.
    func receiveEvidence(_ request: HTTPRequest, from peer: String) throws -> HTTPResponse {
        func refused(_ message: String) throws -> HTTPResponse { try malformed(request, message, peer: peer) }
        guard let body = try? JSONValue(parsing: request.body), body.object?.count == 1, let items = body["forks"]?.array
        else { return try refused("evidence must be {\"forks\": [...]}") }
        guard items.count <= Self.maxEvidence else { return try refused("at most \(Self.maxEvidence) forks per request") }
        var results = [JSONValue?](repeating: nil, count: items.count)
        var parsed: [(Int, ForkEvidence)] = []
        for (i, item) in items.enumerated() {
            do { parsed.append((i, try ForkEvidence(json: item))) } catch {
                try service.with { try $0.logRejection(error, peer: peer) }
                results[i] = ["outcome": "rejected", "reason": .string(error.code.rawValue), "message": .string(error.message)]
            }
        }
        let outcomes = try service.with { try $0.admitForks(parsed.map(\.1), peer: peer, source: "peer") }
        for ((i, _), outcome) in zip(parsed, outcomes) {
            switch outcome {
            case .success(let new): results[i] = ["outcome": .string(new ? "recorded" : "duplicate")]
            case .failure(let r):
                results[i] = ["outcome": "rejected", "reason": .string(r.code.rawValue), "message": .string(r.message)]
            }
        }
        charge(peer, rows: results.filter { $0?["outcome"] == "rejected" }.count)
        return Self.ok(["results": .array(results.map { $0 ?? .null })])
    }
}

extension Node {
    /// `GET /v1/feeds`: every feed's head seq and hash, the feeds this node holds fork evidence for with a digest
    /// of the forks held for each (``forkDigests()``), the installed membership version, and this node's clock (`now`, Unix milliseconds) for the peer's estimate of
    /// the offset between them (ClockOffsets.swift).
    public func feedsSummary() throws -> JSONValue {
        let heads = try store.feedHeads()
        return [
            "feeds": .object(heads.mapValues { .int($0.seq) }),
            "heads": .object(heads.mapValues { .string($0.hash.hex) }),
            "forkDigests": .object(try forkDigests().mapValues { .string($0.hex) }),
            "membershipVersion": .int(membership?.version ?? 0),
            "now": .int(now()),
        ]
    }
}
