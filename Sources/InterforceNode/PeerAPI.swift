// The peer-facing HTTPS API (docs/PROTOCOL.md, Schemas/openapi.yaml). Every /v1 route requires a client
// certificate issued by the federation CA whose CN names a member force and whose fingerprint is not revoked;
// the connection is then bound to that force for audience checks and the log. Refusals are logged with the
// reason. /healthz is open; everything else needs a member certificate.

import Foundation
public import InterforceCore
import InterforceStore
public import InterforceTransport
import Synchronization

public final class PeerAPI: Sendable {
    /// Every route the server registers: method and path. The OpenAPI test compares this list with the spec.
    public static let routes: [(method: String, path: String)] = [
        ("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/v1/membership"), ("GET", "/v1/feeds"),
        ("GET", "/v1/feeds/entries"), ("POST", "/v1/entries"), ("GET", "/v1/feeds/position"), ("GET", "/v1/evidence"),
        ("POST", "/v1/evidence"),
    ]
    public static let maxBatch = 500

    let service: NodeService
    let onAccepted: @Sendable () -> Void
    let requests = Atomic<Int>(0)
    let refused = Atomic<Int>(0)

    /// `onAccepted` is called (outside the lock) after a push added entries, so they are relayed onwards.
    public init(service: NodeService, onAccepted: @escaping @Sendable () -> Void) {
        self.service = service
        self.onAccepted = onAccepted
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        requests.add(1, ordering: .relaxed)
        do {
            return try route(request)
        } catch let error as Rejection {
            return Self.error(400, error.code.rawValue, error.message)
        } catch {
            return Self.error(500, "internal", "\(error)")
        }
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        .json(status, JSONValue.object(["error": .string(code), "message": .string(message)]).canonicalBytes)
    }

    static func ok(_ json: JSONValue) -> HTTPResponse { .json(200, json.canonicalBytes) }

    private func route(_ request: HTTPRequest) throws -> HTTPResponse {
        let known = Self.routes.filter { $0.path == request.path }
        guard !known.isEmpty else { return Self.error(404, "not-found", "no route \(request.path)") }
        guard known.contains(where: { $0.method == request.method }) else {
            return Self.error(405, "method-not-allowed", "\(request.method) not allowed on \(request.path)")
        }
        if request.path == "/healthz" { return .text(200, "ok\n") }
        let peer: String
        switch try authenticate(request) {
        case .success(let force): peer = force
        case .failure(let response): return response
        }
        switch request.path {
        case "/metrics": return try metrics()
        case "/v1/membership":
            guard let signed = try service.with({ try $0.signedMembership() }) else {
                return Self.error(404, "no-membership", "no membership installed")
            }
            return Self.ok(signed.json)
        case "/v1/feeds":
            return Self.ok(try service.with { try $0.feedsSummary() })
        case "/v1/feeds/entries":
            guard let feed = request.query["feed"], Identifiers.isFeedID(feed) else {
                return try malformed("query 'feed' must be a feed id", peer: peer)
            }
            // Bounded before any arithmetic: `after + 1` must not overflow (2^63 - 1 used to kill the node).
            guard let after = Int64(request.query["after"] ?? "0"), (0...Limits.maxSeq).contains(after),
                  let limit = Int(request.query["limit"] ?? "200"), (1...Self.maxBatch).contains(limit)
            else {
                return try malformed("'after' must be an integer 0...\(Limits.maxSeq) and 'limit' 1...\(Self.maxBatch)",
                                     peer: peer)
            }
            let body = try service.with { node in
                let (items, body) = Replicator.batch(try node.deliveries(for: peer, author: feed, after: after, limit: limit))
                try node.logServed(peer: peer, feed: feed, count: items.count)
                return body
            }
            return .json(200, body)
        case "/v1/entries":
            return try receive(request, from: peer)
        case "/v1/feeds/position":
            return try position(request, from: peer)
        case "/v1/evidence":
            return request.method == "GET" ? try evidence(request, from: peer) : try receiveEvidence(request, from: peer)
        default:
            return Self.error(404, "not-found", "no route \(request.path)")
        }
    }

    /// A 400 `malformed` answer to a member's bad request, logged as a `reject` row naming the member.
    func malformed(_ message: String, peer: String) throws -> HTTPResponse {
        try service.with { try $0.logRejection(Rejection(.malformed, message), peer: peer) }
        return Self.error(400, "malformed", message)
    }

    enum Authentication { case success(String), failure(HTTPResponse) }

    private func authenticate(_ request: HTTPRequest) throws -> Authentication {
        func refuse(_ status: Int, _ code: String, _ reason: String) throws -> Authentication {
            refused.add(1, ordering: .relaxed)
            try service.with { node in
                try node.logRefusedConnection(remote: request.remoteAddress, path: request.path, reason: reason)
            }
            return .failure(Self.error(status, code, reason))
        }
        switch request.client {
        case .missing:
            return try refuse(401, "certificate-required", "no client certificate presented")
        case .rejected(let reason):
            return try refuse(401, "certificate-rejected", "client certificate refused: \(reason)")
        case .local:
            return try refuse(403, "forbidden", "peer routes are not served on the local socket")
        case .verified(let certificate):
            let verdict = try service.with { node -> String? in
                guard let membership = node.membership else { return "this node has no membership installed" }
                guard let force = certificate.commonName, membership.member(force) != nil else {
                    return "certificate CN '\(certificate.commonName ?? "")' is not a member force"
                }
                if membership.revokedCertificates.contains(certificate.fingerprintSHA256) {
                    return "certificate \(certificate.fingerprintSHA256.prefix(16))... of \(force) is revoked"
                }
                return nil
            }
            if let verdict { return try refuse(403, "not-a-member", verdict) }
            return .success(certificate.commonName!)
        }
    }

    private func receive(_ request: HTTPRequest, from peer: String) throws -> HTTPResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        let body: JSONValue
        do {
            body = try JSONValue(parsing: request.body)
        } catch {
            try service.with { try $0.logRejection(Rejection(.malformed, "batch is not valid JSON: \(error)"), peer: peer) }
            return Self.error(400, "malformed", "batch is not valid JSON: \(error)")
        }
        guard let items = body["items"]?.array, body.object?.count == 1 else {
            try service.with { try $0.logRejection(Rejection(.malformed, "batch must be {\"items\": [...]}"), peer: peer) }
            return Self.error(400, "malformed", "batch must be {\"items\": [...]}")
        }
        guard items.count <= Self.maxBatch else {
            try service.with { try $0.logRejection(Rejection(.malformed, "batch of \(items.count) items exceeds \(Self.maxBatch)"), peer: peer) }
            return Self.error(400, "malformed", "at most \(Self.maxBatch) items per batch")
        }
        var parsed: [Delivery] = [], results = [JSONValue?](repeating: nil, count: items.count)
        var positions: [Int] = []
        var parseFailures: [Rejection] = []
        for (i, item) in items.enumerated() {
            do {
                parsed.append(try Delivery(json: item))
                positions.append(i)
            } catch {
                parseFailures.append(error)
                results[i] = ["outcome": "rejected", "reason": .string(error.code.rawValue), "message": .string(error.message)]
            }
        }
        let (outcomes, accepted) = try service.with { node -> ([IngestOutcome], Int) in
            for failure in parseFailures { try node.logRejection(failure, peer: peer) }
            let outcomes = try node.ingest(parsed, peer: peer)
            let accepted = outcomes.filter { if case .accepted = $0 { true } else { false } }.count
            try node.logBatch("batch-received", peer: peer, count: items.count, accepted: accepted,
                              bytes: request.body.count,
                              micros: Int64((DispatchTime.now().uptimeNanoseconds - started) / 1000))
            return (outcomes, accepted)
        }
        for (position, outcome) in zip(positions, outcomes) { results[position] = outcome.json }
        if accepted > 0 { onAccepted() }
        return Self.ok(["results": .array(results.map { $0 ?? .null })])
    }

    private func metrics() throws -> HTTPResponse {
        let (status, peers) = try service.with { node in (try node.status(), try node.store.peerRecords()) }
        var lines = [
            "# HELP interforce_entries Entries held.", "# TYPE interforce_entries gauge",
            "interforce_entries \(status.counts.entries)",
            "# HELP interforce_records Records held.", "# TYPE interforce_records gauge",
            "interforce_records \(status.counts.records)",
            "# HELP interforce_log_rows Audit log rows.", "# TYPE interforce_log_rows gauge",
            "interforce_log_rows \(status.counts.logRows)",
            "# HELP interforce_feeds Feeds held.", "# TYPE interforce_feeds gauge",
            "interforce_feeds \(status.counts.feeds)",
            "# HELP interforce_http_requests_total Peer API requests.", "# TYPE interforce_http_requests_total counter",
            "interforce_http_requests_total \(requests.load(ordering: .relaxed))",
            "# HELP interforce_http_refused_total Requests refused for their client certificate.",
            "# TYPE interforce_http_refused_total counter",
            "interforce_http_refused_total \(refused.load(ordering: .relaxed))",
            "# HELP interforce_peer_last_success_seconds Unix time of the last successful sync per peer.",
            "# TYPE interforce_peer_last_success_seconds gauge",
        ]
        for p in peers {
            lines.append("interforce_peer_last_success_seconds{peer=\"\(p.peer)\"} \((p.lastSuccess ?? 0) / 1000)")
        }
        lines.append("# HELP interforce_peer_entries_sent_total Entries sent per peer.")
        lines.append("# TYPE interforce_peer_entries_sent_total counter")
        for p in peers { lines.append("interforce_peer_entries_sent_total{peer=\"\(p.peer)\"} \(p.entriesSent)") }
        return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")],
                            body: Array((lines.joined(separator: "\n") + "\n").utf8))
    }
}

extension IngestOutcome {
    public var json: JSONValue {
        switch self {
        case .accepted(let e): ["outcome": "accepted", "entry": .string(e.hash.hex)]
        case .duplicate(let h): ["outcome": "duplicate", "entry": .string(h.hex)]
        case .withheld(let w): ["outcome": "withheld", "entry": .string(w.hash.hex)]
        case .rejected(let r): ["outcome": "rejected", "reason": .string(r.code.rawValue), "message": .string(r.message)]
        }
    }
}

extension Node {
    func logRefusedConnection(remote: String, path: String, reason: String) throws {
        try store.transaction {
            try store.appendLog(LogEvent(kind: "tls-refused", reason: "certificate",
                                         detail: ["remote": .string(remote), "path": .string(path),
                                                  "message": .string(reason)]), at: now())
        }
    }

    func logServed(peer: String, feed: String, count: Int) throws {
        guard count > 0 else { return }
        try store.transaction {
            try store.appendLog(LogEvent(kind: "batch-sent", peer: peer, author: feed,
                                         detail: ["count": .int(Int64(count)), "mode": "pull"]), at: now())
            try store.notePeerSuccess(peer, at: now(), sent: Int64(count))
        }
    }

    public func logBatch(_ kind: String, peer: String, count: Int, accepted: Int, bytes: Int, micros: Int64) throws {
        try store.transaction {
            try store.appendLog(LogEvent(kind: kind, peer: peer,
                                         detail: ["count": .int(Int64(count)), "accepted": .int(Int64(accepted)),
                                                  "bytes": .int(Int64(bytes)), "micros": .int(micros)]), at: now())
            if kind == "batch-received" { try store.notePeerSuccess(peer, at: now(), received: Int64(accepted)) }
        }
    }
}
