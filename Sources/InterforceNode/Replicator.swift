// Replication: push on commit plus anti-entropy pull (decision 5 of the brief).
//
// One worker thread per configured peer, so a peer that is down delays nobody else. A cycle asks the peer for
// its version vector, pushes what it lacks (in batches, entries it is entitled to, markers for the rest), then
// pulls what we lack. Both directions are derived from durable state on each side, never from an in-memory queue,
// so either side may restart at any point: the next cycle resends only what is still missing, and ingest is
// idempotent. A cycle runs when a local write or an accepted push wakes the workers, and every interval anyway.

import Foundation
import InterforceCore
import InterforceStore
public import InterforceTransport
import Synchronization

public struct PeerEndpoint: Sendable {
    public let force: String
    public let baseURL: String
    public init(force: String, baseURL: String) {
        self.force = force
        self.baseURL = baseURL
    }
}

public final class Replicator: Sendable {
    public static let batchSize = 200

    let service: NodeService
    let workers: [Worker]

    public init(service: NodeService, peers: [PeerEndpoint], tls: TLSClientConfig, intervalSeconds: Int64,
                policy: ClientPolicy = Replicator.defaultPolicy) throws {
        self.service = service
        self.workers = try peers.map { peer in
            // The peer's certificate must name its force (DNS:<force>.node.interforce), whatever address it is at.
            var bound = tls
            bound.expectedServerName = Replicator.serverName(of: peer.force)
            return Worker(peer: peer, client: try PeerClient(baseURL: peer.baseURL, tls: bound, policy: policy),
                   service: service, interval: Double(intervalSeconds))
        }
    }

    /// Short timeouts and one retry: the next cycle is the real retry, and a dead peer must not hold a worker long.
    public static var defaultPolicy: ClientPolicy {
        var p = ClientPolicy()
        p.connectTimeoutMilliseconds = 1500
        p.totalTimeoutMilliseconds = 20_000
        p.retries = 1
        p.backoffBaseMilliseconds = 100
        p.backoffMaxMilliseconds = 1000
        return p
    }

    /// Largest batch body sent or served, well under the peer's 8 MiB request limit (one entry is at most 1 MiB of
    /// payload plus its header, so a batch always holds at least one).
    public static let maxBatchBytes = 4 << 20

    /// The longest prefix of `items` whose batch `{"items": [...]}` fits in `maxBatchBytes` (at least one item),
    /// and that batch's canonical bytes, built as the items are measured so each is serialised once.
    public static func batch(_ items: [Delivery]) -> (items: [Delivery], body: [UInt8]) {
        var body = Array(#"{"items":["#.utf8)
        var count = 0
        for item in items {
            let bytes = item.json.canonicalBytes
            if count > 0 && body.count + bytes.count + 3 > maxBatchBytes { break }
            if count > 0 { body.append(UInt8(ascii: ",")) }
            body += bytes
            count += 1
        }
        body += Array("]}".utf8)
        return (Array(items.prefix(count)), body)
    }

    /// The certificate name a force's node is verified by (Deploy/pki.sh puts it in every node certificate).
    public static func serverName(of force: String) -> String { "\(force).node.interforce" }

    public func start() { workers.forEach { $0.start() } }

    /// Wakes every worker for an immediate cycle (after a local write, or entries accepted from a peer).
    public func notify() { workers.forEach { $0.wake() } }

    /// Runs one cycle with every peer now and waits for all of them (at most `timeoutSeconds`); returns per-peer errors.
    public func syncNow(timeoutSeconds: Double = 30) -> [String: String] {
        // A cycle that began before this call may have missed the newest writes: wait for one that begins after.
        let targets = workers.map { $0.startedCycles + 1 }
        notify()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        for (worker, target) in zip(workers, targets) {
            while worker.completedCycles < target, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        }
        var errors: [String: String] = [:]
        for (worker, target) in zip(workers, targets) {
            if worker.completedCycles < target {
                errors[worker.peer.force] = "no exchange completed within \(timeoutSeconds) s"
            } else if let e = worker.lastError {
                errors[worker.peer.force] = e
            }
        }
        return errors
    }

    public func stop() { workers.forEach { $0.stop() } }

    final class Worker: Sendable {
        let peer: PeerEndpoint
        let client: PeerClient
        let service: NodeService
        let interval: Double
        let condition = NSCondition()
        let state = Mutex(WorkerState())
        let finished = DispatchSemaphore(value: 0)

        struct WorkerState {
            var wakeups = 0
            var stopping = false
            var started = false
            var begun = 0
            var cycles = 0
            var lastError: String?
        }

        init(peer: PeerEndpoint, client: PeerClient, service: NodeService, interval: Double) {
            self.peer = peer
            self.client = client
            self.service = service
            self.interval = interval
        }

        var completedCycles: Int { state.withLock { $0.cycles } }
        var startedCycles: Int { state.withLock { $0.begun } }
        var lastError: String? { state.withLock { $0.lastError } }

        func start() {
            state.withLock { $0.started = true }
            let thread = Thread { [self] in run() }
            thread.name = "replicate-\(peer.force)"
            thread.start()
        }

        func wake() {
            condition.lock()
            state.withLock { $0.wakeups += 1 }
            condition.signal()
            condition.unlock()
        }

        func stop() {
            let started = state.withLock { s -> Bool in
                s.stopping = true
                return s.started
            }
            wake()
            if started { finished.wait() }
        }

        private func run() {
            while !state.withLock({ $0.stopping }) {
                state.withLock {
                    $0.begun += 1
                    $0.wakeups = 0
                }
                let error = cycle()
                state.withLock {
                    $0.cycles += 1
                    $0.lastError = error
                }
                condition.lock()
                let deadline = Date().addingTimeInterval(interval)
                while state.withLock({ $0.wakeups == 0 && !$0.stopping }), Date() < deadline {
                    _ = condition.wait(until: deadline)
                }
                condition.unlock()
            }
            finished.signal()
        }

        /// One push-and-pull exchange; returns the error message, or nil.
        private func cycle() -> String? {
            do {
                let (theirs, theirMembership) = try fetchVector()
                try adoptNewerMembership(theirMembership)
                try service.with { node in try node.store.notePeerVector(peer.force, theirs) }
                try push(theirs)
                try pull(theirs)
                try service.with { node in try node.store.transaction { try node.store.notePeerSuccess(peer.force, at: node.now()) } }
                return nil
            } catch {
                let message = "\(error)"
                try? service.with { node in try node.notePeerFailure(peer.force, message) }
                return message
            }
        }

        private func fetchVector() throws -> ([String: Int64], Int64) {
            let body = try call(ClientRequest(method: "GET", path: "/v1/feeds")).json
            guard let feeds = body["feeds"]?.object else { throw NodeError("peer \(peer.force): malformed /v1/feeds") }
            return (feeds.compactMapValues(\.int), body["membershipVersion"]?.int ?? 0)
        }

        /// A peer with a newer membership version hands it on; it is installed only if the authority signed it.
        private func adoptNewerMembership(_ version: Int64) throws {
            guard version > (try service.with { $0.membership?.version ?? 0 }) else { return }
            let signed = try SignedMembership(json: try call(ClientRequest(method: "GET", path: "/v1/membership")).json)
            _ = try service.with { try $0.installMembership(signed, source: peer.force, officer: nil) }
        }

        /// Pushes feed by feed. A rejected item stops that feed for this cycle (what follows it would only be a
        /// gap); other feeds go on, and the rejections are reported together at the end.
        private func push(_ theirs: [String: Int64]) throws {
            let mine = try service.with { try $0.store.versionVector() }
            var failures: [String] = []
            feeds: for (feed, seq) in mine.sorted(by: { $0.key < $1.key }) {
                var after = theirs[feed] ?? 0
                while after < seq {
                    let (items, bytes) = Replicator.batch(try service.with {
                        try $0.deliveries(for: peer.force, author: feed, after: after, limit: Replicator.batchSize)
                    })
                    guard !items.isEmpty else { break }
                    let started = DispatchTime.now().uptimeNanoseconds
                    let reply = try call(ClientRequest(method: "POST", path: "/v1/entries",
                                                       headers: [("Content-Type", "application/json")], body: bytes)).json
                    let results = reply["results"]?.array ?? []
                    let accepted = results.filter { $0["outcome"]?.string == "accepted" }.count
                    try service.with { node in
                        try node.logBatch("batch-sent", peer: peer.force, count: items.count, accepted: accepted,
                                          bytes: bytes.count,
                                          micros: Int64((DispatchTime.now().uptimeNanoseconds - started) / 1000))
                        try node.store.transaction {
                            try node.store.notePeerSuccess(peer.force, at: node.now(), sent: Int64(items.count))
                        }
                    }
                    // A rejected item stops this feed for this cycle: what follows it would only be a gap.
                    if let firstRejected = results.firstIndex(where: { $0["outcome"]?.string == "rejected" }) {
                        failures.append("peer \(peer.force) rejected \(feed) seq \(after + Int64(firstRejected) + 1): "
                                        + (results[firstRejected]["message"]?.string ?? "?"))
                        continue feeds
                    }
                    // All duplicates: the peer got these by pulling meanwhile; its next vector tells where it is.
                    if !results.isEmpty, results.allSatisfy({ $0["outcome"]?.string == "duplicate" }) { continue feeds }
                    after = items.last!.seq
                }
            }
            if !failures.isEmpty { throw NodeError(failures.joined(separator: "; ")) }
        }

        private func pull(_ theirs: [String: Int64]) throws {
            for (feed, seq) in theirs.sorted(by: { $0.key < $1.key }) {
                while true {
                    let mine = try service.with { try $0.store.feedHead(feed)?.seq ?? 0 }
                    guard mine < seq else { break }
                    let started = DispatchTime.now().uptimeNanoseconds
                    let path = "/v1/feeds/entries?feed=\(feed.replacingOccurrences(of: "/", with: "%2F"))"
                        + "&after=\(mine)&limit=\(Replicator.batchSize)"
                    let (reply, size) = try call(ClientRequest(method: "GET", path: path))
                    let items = reply["items"]?.array ?? []
                    guard !items.isEmpty else { break }   // the peer cannot serve us further positions
                    var deliveries: [Delivery] = []
                    for item in items { deliveries.append(try Delivery(json: item)) }
                    try service.with { node in
                        let outcomes = try node.ingest(deliveries, peer: peer.force)
                        let accepted = outcomes.filter { if case .accepted = $0 { true } else { false } }.count
                        try node.logBatch("batch-received", peer: peer.force, count: items.count, accepted: accepted,
                                          bytes: size, micros: Int64((DispatchTime.now().uptimeNanoseconds - started) / 1000))
                    }
                    let progressed = try service.with { try $0.store.feedHead(feed)?.seq ?? 0 } > mine
                    if !progressed { throw NodeError("pull of \(feed) from \(peer.force) made no progress") }
                }
            }
        }

        private func call(_ request: ClientRequest) throws -> (json: JSONValue, bytes: Int) {
            let response = try client.send(request)
            guard response.status == 200 else {
                let message = (try? JSONValue(parsing: response.body))?["message"]?.string ?? ""
                throw NodeError("peer \(peer.force) answered \(response.status) to \(request.method) "
                                + "\(request.path.prefix { $0 != "?" }): \(message)")
            }
            do { return (try JSONValue(parsing: response.body), response.body.count) } catch {
                throw NodeError("peer \(peer.force) sent invalid JSON: \(error)")
            }
        }
    }
}

extension Node {
    /// Records a peer error; logs it only when it differs from the last one, so a dead peer does not flood the log.
    func notePeerFailure(_ peer: String, _ message: String) throws {
        let previous = try store.peerRecords().first { $0.peer == peer }
        // Log when the error is new, or when the peer had recovered since the last one.
        let recovered = (previous?.lastSuccess ?? 0) > (previous?.lastErrorAt ?? 0)
        try store.transaction {
            try store.notePeerError(peer, message, at: now())
            if previous?.lastError != message || recovered {
                try store.appendLog(LogEvent(kind: "peer-error", peer: peer, reason: "transport",
                                             detail: ["message": .string(message)]), at: now())
            }
        }
    }
}
