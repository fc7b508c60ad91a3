// The peer-facing HTTPS API (docs/PROTOCOL.md, Schemas/openapi.yaml). Every /v1 route requires a client
// certificate issued by the federation CA whose CN names a member force and whose fingerprint is not revoked;
// the connection is then bound to that force for audience checks and the log. /healthz is open; everything else
// needs a member certificate.
//
// The server's gate (`gate`) decides on each request's head, before its body is read: unknown routes and methods,
// clients without a member certificate, and pushes (of entries or of fork evidence) from a member whose pushes this
// minute already caused `maxRejectionRowsPerMinute` rows for items not accepted, are answered there. Refusals are counted by reason in
// /metrics and logged through a `RefusalSummary`: the first of each kind per address, route and minute in full,
// the rest as one summary row. A member's requests refused by a handler (malformed query parameters or bodies) go the
// same way, and each is charged against the member's allowance of rejection rows.
//
// Served pulls are evidence of what was sent, and a member asking for one entry at a time must not turn that into a
// row a request: the first `servedInFullPerMinute` pulls of a feed by a member in a minute are `batch-sent` rows
// each, the rest of the minute one `batch-sent` row (`mode` `pulls`) with how many pulls, how many entries in all,
// and the lowest and highest position sent.

import Foundation
public import InterforceCore
import InterforceStore
public import InterforceTransport
import Synchronization

public final class PeerAPI: Sendable {
    /// Every route the server registers: method and path. The OpenAPI test compares this list with the spec.
    public static let routes: [(method: String, path: String)] = [
        ("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/status"), ("GET", "/v1/membership"), ("GET", "/v1/feeds"),
        ("GET", "/v1/feeds/entries"), ("POST", "/v1/entries"), ("GET", "/v1/feeds/position"), ("GET", "/v1/evidence"),
        ("POST", "/v1/evidence"),
    ]
    public static let maxBatch = 500
    /// Log rows a member's pushes may cause in a minute for items that were not accepted (rejected or duplicate
    /// entries, malformed batches, batches with nothing accepted, rejected fork evidence). Past it, its pushes
    /// (`POST /v1/entries` and `POST /v1/evidence`) are refused with 429 `too-many-rejections` until the minute is
    /// over, without being read.
    public static let maxRejectionRowsPerMinute = 500
    /// Pulls of one feed by one member a minute logged as a `batch-sent` row each; the rest are summarised.
    public static let servedInFullPerMinute = 20
    /// The refusal codes of authentication, always present in /metrics.
    static let authenticationCodes = ["certificate-required", "certificate-rejected", "forbidden", "not-a-member"]

    let service: NodeService
    let onAccepted: @Sendable () -> Void
    let now: @Sendable () -> Int64
    let requests = Atomic<Int>(0)
    /// Requests refused by the gate, by code.
    let refused = Mutex<[String: Int]>([:])
    let refusals = RefusalSummary()
    let served = RefusalSummary(inFullPerKey: PeerAPI.servedInFullPerMinute)
    /// Per member, the rows its pushes caused this minute for entries not accepted.
    let rejectionRows = Mutex<(minute: Int64, rows: [String: Int])>((0, [:]))
    let transport = Mutex<(@Sendable () -> ServerStatistics?)?>(nil)

    /// `onAccepted` is called (outside the lock) after a push added entries, so they are relayed onwards.
    public init(service: NodeService, onAccepted: @escaping @Sendable () -> Void) throws {
        self.service = service
        self.onAccepted = onAccepted
        now = try service.with { $0.now }
    }

    /// Where /metrics reads the HTTPS server's own counters and gauges.
    public func observe(_ statistics: @escaping @Sendable () -> ServerStatistics?) {
        transport.withLock { $0 = statistics }
    }

    /// The server's gate: routes, body-less GETs, the client certificate and the member's rejection budget are
    /// checked on the request's head, so a refused request's body is never read.
    public func gate(_ head: HTTPRequest) -> GateDecision {
        requests.add(1, ordering: .relaxed)
        do {
            try logEndedMinutes(before: now())
            if let refusal = Self.unroutable(head) {
                count(refusal.code)
                return .refuse(refusal.response)
            }
            if head.method == "GET", head.headers["transfer-encoding"] != nil
                || (head.headers["content-length"].map { $0.trimmingCharacters(in: .whitespaces) != "0" } ?? false) {
                count("malformed")
                return .refuse(Self.error(400, "malformed", "GET \(head.path) takes no body"))
            }
            if head.path == "/healthz" || Self.isLocalStatus(head) { return .proceed }
            switch try authenticate(head) {
            case .failure(let response):
                return .refuse(response)
            case .success(let force):
                if head.method == "POST", let (rows, wait) = throttled(force) {
                    let message = "\(force)'s pushes caused \(rows) log rows for items not accepted this minute "
                        + "(at most \(Self.maxRejectionRowsPerMinute)); pushes are refused for \(wait) s"
                    var response = try refuse(head, 429, "too-many-rejections", message, peer: force)
                    response.headers.append(("Retry-After", String(wait)))
                    return .refuse(response)
                }
                return .member
            }
        } catch {
            return .refuse(failure(error))
        }
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        do {
            return try route(request)
        } catch let error as Rejection {
            return Self.error(400, error.code.rawValue, error.message)
        } catch {
            return failure(error)
        }
    }

    /// 503 `disk-full` when the store's disk is full (the request's log row could not be written, so nothing was
    /// done or served); 500 `internal` for anything else.
    private func failure(_ error: any Error) -> HTTPResponse {
        guard let e = error as? SQLiteError, e.isDiskFull else { return Self.error(500, "internal", "\(error)") }
        let message = (try? service.with { $0.diskFullMessage(read: false) }) ?? "the disk is full"
        return Self.error(503, "disk-full", message)
    }

    /// Writes the summaries of every refusal still only counted: when `serve` stops.
    public func flush() throws { try logEndedMinutes(before: .max) }

    static func error(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        .json(status, JSONValue.object(["error": .string(code), "message": .string(message)]).canonicalBytes)
    }

    static func ok(_ json: JSONValue) -> HTTPResponse { .json(200, json.canonicalBytes) }

    /// 404 for a path that is no route, 405 for a method the route does not take.
    static func unroutable(_ request: HTTPRequest) -> (code: String, response: HTTPResponse)? {
        let known = Self.routes.filter { $0.path == request.path }
        guard !known.isEmpty else { return ("not-found", Self.error(404, "not-found", "no route \(request.path)")) }
        guard known.contains(where: { $0.method == request.method }) else {
            return ("method-not-allowed",
                    Self.error(405, "method-not-allowed", "\(request.method) not allowed on \(request.path)"))
        }
        return nil
    }

    private func route(_ request: HTTPRequest) throws -> HTTPResponse {
        if let refusal = Self.unroutable(request) { return refusal.response }
        if request.path == "/healthz" { return .text(200, try service.with { try $0.healthText() }) }
        if Self.isLocalStatus(request) { return try statusPage() }
        let peer: String
        switch try authenticate(request) {
        case .success(let force): peer = force
        case .failure(let response): return response
        }
        switch request.path {
        case "/metrics": return try metrics()
        case "/status": return try statusPage()
        case "/v1/membership":
            guard let signed = try service.with({ try $0.signedMembership() }) else {
                return Self.error(404, "no-membership", "no membership installed")
            }
            return Self.ok(signed.json)
        case "/v1/feeds":
            return Self.ok(try service.with { try $0.feedsSummary() })
        case "/v1/feeds/entries":
            guard let feed = request.query["feed"], Identifiers.isFeedID(feed) else {
                return try malformed(request, "query 'feed' must be a feed id", peer: peer)
            }
            // Bounded before any arithmetic: `after + 1` must not overflow (2^63 - 1 used to kill the node).
            guard let after = Int64(request.query["after"] ?? "0"), (0...Limits.maxSeq).contains(after),
                  let limit = Int(request.query["limit"] ?? "200"), (1...Self.maxBatch).contains(limit)
            else {
                return try malformed(request,
                                     "'after' must be an integer 0...\(Limits.maxSeq) and 'limit' 1...\(Self.maxBatch)",
                                     peer: peer)
            }
            let body = try service.with { node in
                let (items, body) = Replicator.batch(try node.deliveries(for: peer, author: feed, after: after, limit: limit))
                if let first = items.first?.seq, let last = items.last?.seq {
                    let key = RefusalSummary.Key(remote: request.remoteAddress, path: request.path, code: "served",
                                                 peer: peer, feed: feed)
                    let (inFull, ended) = served.note(key, at: now(), items: Int64(items.count), positions: first...last)
                    try node.logServedSummaries(ended)
                    try node.logServed(peer: peer, feed: feed, count: items.count, inFull: inFull)
                }
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

    /// A 400 `malformed` answer to a member's bad request (query parameters, or a body that is not the route's
    /// message): counted, logged through the summary (the first of the member's route this minute a `reject` row,
    /// reason `malformed`), and charged against the member's allowance of rejection rows.
    func malformed(_ request: HTTPRequest, _ message: String, peer: String) throws -> HTTPResponse {
        charge(peer, rows: 1)
        return try refuse(request, 400, "malformed", message, peer: peer)
    }

    enum Authentication { case success(String), failure(HTTPResponse) }

    private func authenticate(_ request: HTTPRequest) throws -> Authentication {
        func refuse(_ status: Int, _ code: String, _ reason: String, named: String? = nil) throws -> Authentication {
            .failure(try self.refuse(request, status, code, reason, named: named))
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
            if let verdict {
                return try refuse(403, "not-a-member", verdict,
                                  named: certificate.commonName.flatMap { Identifiers.isSlug($0) ? $0 : nil })
            }
            return .success(certificate.commonName!)
        }
    }

    /// Counts a refusal by `code`, logs it through the summary, and builds its answer.
    func refuse(_ request: HTTPRequest, _ status: Int, _ code: String, _ message: String,
                peer: String? = nil, named: String? = nil) throws -> HTTPResponse {
        count(code)
        let key = RefusalSummary.Key(remote: request.remoteAddress, path: request.path, code: code, peer: peer,
                                     certificateForce: named)
        let (inFull, ended) = refusals.note(key, at: now())
        if inFull || !ended.isEmpty {
            try service.with { node in
                try node.logRefusalSummaries(ended)
                if inFull { try node.logRefusal(key, message: message) }
            }
        }
        return Self.error(status, code, message)
    }

    private func count(_ code: String) { refused.withLock { $0[code, default: 0] += 1 } }

    private func logEndedMinutes(before now: Int64) throws {
        let ended = refusals.ended(before: now), pulls = served.ended(before: now)
        if !ended.isEmpty || !pulls.isEmpty {
            try service.with { node in
                try node.logRefusalSummaries(ended)
                try node.logServedSummaries(pulls)
            }
        }
    }

    /// The rows `peer`'s pushes caused this minute and the seconds to the next minute, once at the limit; else nil.
    private func throttled(_ peer: String) -> (rows: Int, wait: Int)? {
        let at = now(), minute = RefusalSummary.minute(at)
        return rejectionRows.withLock { state in
            if state.minute != minute { state = (minute, [:]) }
            let rows = state.rows[peer, default: 0]
            guard rows >= Self.maxRejectionRowsPerMinute else { return nil }
            return (rows, Int(((minute + 1) * 60_000 - at + 999) / 1000))
        }
    }

    /// Counts rows a push by `peer` caused for items not accepted.
    func charge(_ peer: String, rows: Int) {
        let minute = RefusalSummary.minute(now())
        rejectionRows.withLock { state in
            if state.minute != minute { state = (minute, [:]) }
            state.rows[peer, default: 0] += rows
        }
    }

    private func receive(_ request: HTTPRequest, from peer: String) throws -> HTTPResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        let body: JSONValue
        do {
            body = try JSONValue(parsing: request.body)
        } catch {
            return try malformed(request, "batch is not valid JSON: \(error)", peer: peer)
        }
        guard let items = body["items"]?.array, body.object?.count == 1 else {
            return try malformed(request, "batch must be {\"items\": [...]}", peer: peer)
        }
        guard items.count <= Self.maxBatch else {
            return try malformed(
                request, "batch of \(items.count) items exceeds \(Self.maxBatch); at most \(Self.maxBatch) items per batch",
                peer: peer)
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
        let batch = PreparedBatch(parsed)   // signatures checked on every core, before the node's lock
        let (outcomes, accepted) = try service.with { node -> ([IngestOutcome], Int) in
            for failure in parseFailures { try node.logRejection(failure, peer: peer) }
            let outcomes = try node.ingest(batch, peer: peer)
            let accepted = outcomes.filter { if case .accepted = $0 { true } else { false } }.count
            try node.logBatch("batch-received", peer: peer, count: items.count, accepted: accepted,
                              bytes: request.body.count,
                              micros: Int64((DispatchTime.now().uptimeNanoseconds - started) / 1000))
            return (outcomes, accepted)
        }
        for (position, outcome) in zip(positions, outcomes) { results[position] = outcome.json }
        let refusedItems = parseFailures.count + outcomes.filter {
            switch $0 { case .rejected, .duplicate: true; case .accepted, .withheld: false }
        }.count
        charge(peer, rows: refusedItems + (accepted == 0 ? 1 : 0))
        if accepted > 0 { onAccepted() }
        return Self.ok(["results": .array(results.map { $0 ?? .null })])
    }

    /// `GET /status` from the node's own host: served without a client certificate (StatusPage.swift).
    static func isLocalStatus(_ request: HTTPRequest) -> Bool {
        request.path == "/status" && ["127.0.0.1", "::1", "::ffff:127.0.0.1"].contains(request.remoteAddress)
    }

    private func statusPage() throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8"),
                                            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
                                            ("Cache-Control", "no-store")],
                     body: Array(try service.with { try $0.statusPage() }.utf8))
    }

    private func metrics() throws -> HTTPResponse {
        let (status, peers, clock, disk, federation) = try service.with { node in
            (try node.status(), try node.store.peerRecords().map { ($0, node.peerClock($0.peer)) }, try node.clockView(),
             node.disk(), try node.federationMetrics())
        }
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
            "# HELP interforce_http_refused_total Requests refused, by reason (all but malformed ones on their head).",
            "# TYPE interforce_http_refused_total counter",
        ]
        let refused = refused.withLock { $0 }.merging(Self.authenticationCodes.map { ($0, 0) }) { n, _ in n }
        for (code, n) in refused.sorted(by: { $0.key < $1.key }) {
            lines.append("interforce_http_refused_total{reason=\"\(code)\"} \(n)")
        }
        if let server = transport.withLock({ $0 })?() { lines += Self.metrics(server) }
        lines += [
            "# HELP interforce_peer_last_success_seconds Unix time of the last successful sync per peer.",
            "# TYPE interforce_peer_last_success_seconds gauge",
        ]
        for (p, _) in peers {
            lines.append("interforce_peer_last_success_seconds{peer=\"\(p.peer)\"} \((p.lastSuccess ?? 0) / 1000)")
        }
        lines.append("# HELP interforce_peer_entries_sent_total Entries sent per peer.")
        lines.append("# TYPE interforce_peer_entries_sent_total counter")
        for (p, _) in peers { lines.append("interforce_peer_entries_sent_total{peer=\"\(p.peer)\"} \(p.entriesSent)") }
        lines += Self.metrics(clock, peers: peers.map { ($0.0.peer, $0.1.offset, $0.1.refusal != nil) }, disk: disk)
        lines += federation
        return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")],
                            body: Array((lines.joined(separator: "\n") + "\n").utf8))
    }
}

extension PeerAPI {
    /// The clock and disk figures (Node+Health.swift), in Prometheus text lines. A value not yet measured is left
    /// out, not given as 0.
    static func metrics(_ clock: ClockView, peers: [(peer: String, offset: Int64?, refused: Bool)], disk: DiskSpace?)
        -> [String] {
        var lines = [
            "# HELP interforce_clock_offset_seconds This node's clock minus the median of its peers'.",
            "# TYPE interforce_clock_offset_seconds gauge",
        ]
        if let offset = clock.offsetMillis { lines.append("interforce_clock_offset_seconds \(Double(offset) / 1000)") }
        lines += [
            "# HELP interforce_clock_writes_refused 1 while the clock is too far from the peers' to write.",
            "# TYPE interforce_clock_writes_refused gauge",
            "interforce_clock_writes_refused \(clock.writesRefused ? 1 : 0)",
            "# HELP interforce_feed_head_ahead_seconds How far this node's feed head is ahead of its clock.",
            "# TYPE interforce_feed_head_ahead_seconds gauge",
            "interforce_feed_head_ahead_seconds \(Double(clock.headAheadMillis) / 1000)",
            "# HELP interforce_peer_clock_offset_seconds A peer's clock minus this node's.",
            "# TYPE interforce_peer_clock_offset_seconds gauge",
        ]
        for p in peers { if let o = p.offset { lines.append("interforce_peer_clock_offset_seconds{peer=\"\(p.peer)\"} \(Double(o) / 1000)") } }
        lines += [
            "# HELP interforce_peer_future_clock 1 while entries from the peer are refused as future-clock.",
            "# TYPE interforce_peer_future_clock gauge",
        ]
        for p in peers { lines.append("interforce_peer_future_clock{peer=\"\(p.peer)\"} \(p.refused ? 1 : 0)") }
        guard let disk else { return lines }
        return lines + [
            "# HELP interforce_disk_free_bytes Bytes free for the node on the store's filesystem.",
            "# TYPE interforce_disk_free_bytes gauge", "interforce_disk_free_bytes \(disk.freeBytes)",
            "# HELP interforce_disk_total_bytes Size of the store's filesystem.",
            "# TYPE interforce_disk_total_bytes gauge", "interforce_disk_total_bytes \(disk.totalBytes)",
            "# HELP interforce_disk_warning_bytes Free space below which the node warns (diskWarningMegabytes).",
            "# TYPE interforce_disk_warning_bytes gauge", "interforce_disk_warning_bytes \(disk.warningBytes)",
            "# HELP interforce_disk_full 1 while the disk is full: writes and reads are refused.",
            "# TYPE interforce_disk_full gauge", "interforce_disk_full \(disk.state == .full ? 1 : 0)",
        ]
    }

    /// The HTTPS server's connection and memory figures, in Prometheus text lines.
    static func metrics(_ s: ServerStatistics) -> [String] {
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int)]) -> [String] {
            ["# HELP \(name) \(help)", "# TYPE \(name) \(type)"]
                + samples.map { label, value in "\(name)\(label.isEmpty ? "" : "{reason=\"\(label)\"}") \(value)" }
        }
        return family("interforce_connections", "gauge", "Peer connections open now.", [("", s.connections)])
            + family("interforce_connections_stranger", "gauge",
                     "Open connections from sources that have not presented a member certificate.",
                     [("", s.strangerConnections)])
            + family("interforce_connections_refused_total", "counter", "Connections refused as they were accepted.",
                     [("stranger-source-full", s.refusedStrangerSourceFull),
                      ("stranger-slots-full", s.refusedStrangerSlotsFull)])
            + family("interforce_connections_closed_total", "counter",
                     "Connections closed for having no request admitted, or a request not done, in time.",
                     [("admission-deadline", s.closedAtAdmissionDeadline),
                      ("request-deadline", s.closedAtRequestDeadline)])
            + family("interforce_http_limited_total", "counter", "Requests refused for their size or for memory.",
                     [("too-large", s.refusedTooLarge), ("over-budget", s.refusedOverBudget)])
            + family("interforce_memory_reserved_bytes", "gauge", "Bytes reserved by requests in flight.",
                     [("", s.memoryReservedBytes)])
            + family("interforce_memory_reserved_peak_bytes", "gauge", "Most bytes ever reserved at once.",
                     [("", s.memoryReservedPeakBytes)])
            + family("interforce_memory_budget_bytes", "gauge", "The budget requests in flight share.",
                     [("", s.memoryBudgetBytes)])
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
    /// The log reason of a peer API refusal: `certificate` for a client without a member certificate; for a member,
    /// `throttled` (a push refused unread) or the refusal's code (`malformed`).
    static func refusalReason(_ key: RefusalSummary.Key) -> String {
        guard key.peer != nil else { return "certificate" }
        return key.code == "too-many-rejections" ? "throttled" : key.code
    }

    /// The first refusal of its kind this minute, in full: `tls-refused` for a client without a member certificate,
    /// `reject` (reason `throttled` or `malformed`) for a member's request.
    func logRefusal(_ key: RefusalSummary.Key, message: String) throws {
        let detail: JSONValue = ["remote": .string(key.remote), "path": .string(key.path), "code": .string(key.code),
                                 "message": .string(message)]
        try store.transaction {
            if let peer = key.peer {
                try store.appendLog(LogEvent(kind: "reject", peer: peer, reason: Self.refusalReason(key), detail: detail),
                                    at: now())
            } else {
                var named = detail
                if let force = key.certificateForce, case .object(var o) = detail {
                    o["force"] = .string(force)
                    named = .object(o)
                }
                try store.appendLog(LogEvent(kind: "tls-refused", peer: key.certificateForce, reason: "certificate",
                                             detail: named), at: now())
            }
        }
    }

    /// One `refused-summary` row per key of an ended minute: how many more refusals there were, and when.
    func logRefusalSummaries(_ ended: [(RefusalSummary.Key, RefusalSummary.Tally)]) throws {
        guard !ended.isEmpty else { return }
        try store.transaction {
            for (key, tally) in ended {
                try store.appendLog(LogEvent(kind: "refused-summary", peer: key.peer, reason: Self.refusalReason(key),
                                             detail: ["remote": .string(key.remote), "path": .string(key.path),
                                                      "code": .string(key.code), "count": .int(Int64(tally.count)),
                                                      "from": .int(tally.from), "until": .int(tally.until),
                                                      "force": key.certificateForce.map { .string($0) } ?? .null]),
                                    at: now())
            }
        }
    }

    /// A served pull of `count` entries: its `batch-sent` row when it is logged in full (else it is counted in the
    /// minute's summary), and the peer's figures either way.
    func logServed(peer: String, feed: String, count: Int, inFull: Bool = true) throws {
        guard count > 0 else { return }
        try store.transaction {
            if inFull {
                try store.appendLog(LogEvent(kind: "batch-sent", peer: peer, author: feed,
                                             detail: ["count": .int(Int64(count)), "mode": "pull"]), at: now())
            }
            try store.notePeerSuccess(peer, at: now(), sent: Int64(count))
        }
    }

    /// One `batch-sent` row (`mode` `pulls`) per member and feed of an ended minute: the pulls not logged one by one,
    /// the entries they sent, the lowest and highest position among them, and the times of the first and last.
    func logServedSummaries(_ ended: [(RefusalSummary.Key, RefusalSummary.Tally)]) throws {
        guard !ended.isEmpty else { return }
        try store.transaction {
            for (key, tally) in ended {
                try store.appendLog(LogEvent(kind: "batch-sent", peer: key.peer, author: key.feed,
                                             detail: ["count": .int(tally.items), "mode": "pulls",
                                                      "pulls": .int(Int64(tally.count)),
                                                      "fromSeq": tally.positions.map { .int($0.lowerBound) } ?? .null,
                                                      "toSeq": tally.positions.map { .int($0.upperBound) } ?? .null,
                                                      "from": .int(tally.from), "until": .int(tally.until)]),
                                    at: now())
            }
        }
    }

    public func logBatch(_ kind: String, peer: String, count: Int, accepted: Int, bytes: Int, micros: Int64) throws {
        batchLatency.record(kind, micros: micros)
        try store.transaction {
            try store.appendLog(LogEvent(kind: kind, peer: peer,
                                         detail: ["count": .int(Int64(count)), "accepted": .int(Int64(accepted)),
                                                  "bytes": .int(Int64(bytes)), "micros": .int(micros)]), at: now())
            if kind == "batch-received" { try store.notePeerSuccess(peer, at: now(), received: Int64(accepted)) }
        }
    }
}
