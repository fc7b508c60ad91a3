// Replication: push on commit plus anti-entropy pull (decision 5 of the brief).
//
// One worker thread per configured peer, so a peer that is down delays nobody else. A cycle asks the peer for
// its version vector, pushes what it lacks (in batches, entries it is entitled to, markers for the rest), then
// pulls what we lack. Both directions are derived from durable state on each side, never from an in-memory queue,
// so either side may restart at any point: the next cycle resends only what is still missing, and ingest is
// idempotent. A cycle runs when a local write or an accepted push wakes the workers, and every interval anyway.
// Each cycle also compares feed heads by hash, not only by seq, and exchanges fork evidence (Node+Forks.swift), so
// an author that showed two versions of a position to two sides of the federation is found out by both.

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
    let tls: TLSClientConfig
    let interval: Double
    let policy: ClientPolicy
    /// One worker per active peer (Node+Peers.swift), by force.
    let workers = Mutex<[String: Worker]>([:])
    let started = Mutex(false)
    /// Where workers ask for `reconcile` after adopting a membership: not on their own thread, which holds the node
    /// and may be one of the workers to stop.
    let reconciler = DispatchQueue(label: "interforce.replicator.reconcile")

    /// Workers for the node's active peers; none runs until ``start()``.
    public init(service: NodeService, tls: TLSClientConfig, intervalSeconds: Int64,
                policy: ClientPolicy = Replicator.defaultPolicy) throws {
        self.service = service
        self.tls = tls
        self.interval = Double(intervalSeconds)
        self.policy = policy
        try reconcile()
    }

    /// Makes the workers follow the node's active peers: a worker for a force no longer a peer or a member is
    /// stopped (after its current exchange), one whose endpoint changed is replaced, and new peers get one
    /// (started at once if the replicator runs). Call without holding the node.
    public func reconcile() throws {
        let wanted = try service.with { $0.activePeers() }
        let current = workers.withLock { $0 }
        let stale = current.values.filter { w in !wanted.contains { $0.force == w.peer.force && $0.baseURL == w.peer.baseURL } }
        var fresh: [Worker] = []
        for peer in wanted where current[peer.force].map({ $0.peer.baseURL != peer.baseURL }) ?? true {
            // The peer's certificate must name its force (DNS:<force>.node.interforce), whatever address it is at.
            var bound = tls
            bound.expectedServerName = Replicator.serverName(of: peer.force)
            fresh.append(Worker(peer: peer, client: try PeerClient(baseURL: peer.baseURL, tls: bound, policy: policy),
                                service: service, interval: interval,
                                membershipChanged: { [weak self] in self?.reconcileLater() }))
        }
        workers.withLock { all in
            for w in stale { all[w.peer.force] = nil }
            for w in fresh { all[w.peer.force] = w }
        }
        for w in stale { w.stop() }
        if started.withLock({ $0 }) { fresh.forEach { $0.start() } }
    }

    /// ``reconcile()`` on the reconciler's queue.
    func reconcileLater() { reconciler.async { [self] in try? reconcile() } }

    /// The forces with a worker now.
    public var peers: [String] { workers.withLock { $0.keys.sorted() } }

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

    public func start() {
        started.withLock { $0 = true }
        workers.withLock { Array($0.values) }.forEach { $0.start() }
    }

    /// Wakes every worker for an immediate cycle (after a local write, or entries accepted from a peer).
    public func notify() { workers.withLock { Array($0.values) }.forEach { $0.wake() } }

    /// Runs one cycle with every peer now and waits for all of them (at most `timeoutSeconds`); returns per-peer errors.
    public func syncNow(timeoutSeconds: Double = 30) -> [String: String] {
        // A cycle that began before this call may have missed the newest writes: wait for one that begins after.
        let workers = self.workers.withLock { $0.values.sorted { $0.peer.force < $1.peer.force } }
        let targets = workers.map { $0.startedCycles + 1 }
        notify()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        for (worker, target) in zip(workers, targets) {
            while worker.completedCycles < target, !worker.isStopping, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        var errors: [String: String] = [:]
        for (worker, target) in zip(workers, targets) where !worker.isStopping {
            if worker.completedCycles < target {
                errors[worker.peer.force] = "no exchange completed within \(timeoutSeconds) s"
            } else if let e = worker.lastError {
                errors[worker.peer.force] = e
            }
        }
        return errors
    }

    public func stop() {
        started.withLock { $0 = false }
        reconciler.sync {}   // a reconcile under way finishes first
        workers.withLock { Array($0.values) }.forEach { $0.stop() }
    }

    /// The fork evidence the node holds (for `sync`, which runs outside the node's lock).
    public func forks() throws -> [ForkEvidence] { try service.with { try $0.forks() } }

    final class Worker: Sendable {
        let peer: PeerEndpoint
        let client: PeerClient
        let service: NodeService
        let interval: Double
        /// Called after the worker installed a membership a peer handed on.
        let membershipChanged: @Sendable () -> Void
        let condition = NSCondition()
        let state = Mutex(WorkerState())
        let finished = DispatchSemaphore(value: 0)
        /// Per feed, the two fork digests (ours/theirs) at its last evidence exchange with this peer.
        let exchanged = Mutex<[String: String]>([:])

        struct WorkerState {
            var wakeups = 0
            var stopping = false
            var started = false
            var begun = 0
            var cycles = 0
            var lastError: String?
        }

        init(peer: PeerEndpoint, client: PeerClient, service: NodeService, interval: Double,
             membershipChanged: @escaping @Sendable () -> Void) {
            self.peer = peer
            self.client = client
            self.service = service
            self.interval = interval
            self.membershipChanged = membershipChanged
        }

        var isStopping: Bool { state.withLock { $0.stopping } }

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
                let summary = try fetchSummary()
                let theirs = summary.vector
                try adoptNewerMembership(summary.membershipVersion)
                try service.with { node in try node.store.notePeerVector(peer.force, theirs) }
                // Rejections stop only their feed; the heads are compared and evidence exchanged regardless, since a
                // fork is what makes a feed stall.
                let failures = try push(theirs) + pull(theirs)
                try compareHeads(summary)
                try exchangeEvidence(theirs: summary.forkDigests)
                if !failures.isEmpty { throw NodeError(failures.joined(separator: "; ")) }
                try service.with { node in try node.store.transaction { try node.store.notePeerSuccess(peer.force, at: node.now()) } }
                return nil
            } catch {
                let message = (try? service.with { $0.replicationMessage(error) }) ?? "\(error)"
                try? service.with { node in try node.notePeerFailure(peer.force, message) }
                return message
            }
        }

        struct Summary {
            var vector: [String: Int64] = [:]
            var heads: [String: SHA256Digest] = [:]
            var forkDigests: [String: String] = [:]
            var membershipVersion: Int64 = 0
        }

        /// `GET /v1/feeds`, every value checked: feed ids, seqs 1...maxSeq, head hashes, fork digests. Its `now`
        /// is a sample of the peer's clock (ClockOffsets.swift).
        private func fetchSummary() throws -> Summary {
            let clock = try service.with { $0.now }
            let sent = clock()
            let body = try call(ClientRequest(method: "GET", path: "/v1/feeds")).json
            let received = clock()
            if let peerNow = body["now"]?.int {
                try service.with { $0.noteClock(peer: peer.force, peerNow: peerNow, sent: sent, received: received) }
            }
            let bad = NodeError("peer \(peer.force): malformed /v1/feeds")
            guard let feeds = body["feeds"]?.object, let heads = body["heads"]?.object,
                  let digests = body["forkDigests"]?.object, let version = body["membershipVersion"]?.int, version >= 0
            else { throw bad }
            var summary = Summary(membershipVersion: version)
            for (feed, value) in feeds {
                guard Identifiers.isFeedID(feed), let seq = value.int, Limits.isSeq(seq),
                      let hex = heads[feed]?.string, let hash = SHA256Digest(hex: hex)
                else { throw bad }
                summary.vector[feed] = seq
                summary.heads[feed] = hash
            }
            for (feed, value) in digests {
                guard Identifiers.isFeedID(feed), let hex = value.string, let digest = SHA256Digest(hex: hex) else { throw bad }
                summary.forkDigests[feed] = digest.hex
            }
            return summary
        }

        /// Compares the peer's head of every feed both hold with ours at the same position; where the hashes
        /// differ, fetches the peer's signed statement for that position and keeps the fork. Where we are still
        /// behind after the pull, the peer's statement for our head is needed: fetched likewise.
        private func compareHeads(_ summary: Summary) throws {
            for (feed, theirSeq) in summary.vector.sorted(by: { $0.key < $1.key }) {
                let (mine, ours) = try service.with { node -> (Int64, String?) in
                    let seq = try node.store.feedHead(feed)?.seq ?? 0
                    return (seq, try node.store.hashAt(author: feed, seq: min(seq, theirSeq)))
                }
                guard mine > 0 else { continue }
                let at = min(mine, theirSeq)
                if at == theirSeq, ours == summary.heads[feed]?.hex { continue }
                let path = "/v1/feeds/position?feed=\(feed.replacingOccurrences(of: "/", with: "%2F"))&seq=\(at)"
                guard let json = try? call(ClientRequest(method: "GET", path: path)).json["statement"],
                      let statement = try? PositionStatement(json: json), statement.author == feed, statement.seq == at
                else { continue }
                if statement.hash.hex != ours { _ = try service.with { try $0.compare(statement, peer: peer.force) } }
            }
        }

        /// Exchanges fork evidence by fork, not by feed: for each feed whose fork digest differs between the two
        /// sides, ours is pushed and theirs fetched (only for feeds this node holds: a peer cannot make it fetch, and
        /// log, without end). A feed is exchanged again only once either digest has changed since its last exchange
        /// with this peer, so evidence one side keeps refusing is not refused (and logged) every cycle. At most 16
        /// feeds per cycle.
        private func exchangeEvidence(theirs: [String: String]) throws {
            let (ours, held) = try service.with { node in
                (try node.forkDigests().mapValues(\.hex), Set(try node.store.versionVector().keys))
            }
            let differing = Set(ours.keys).union(theirs.keys).filter { feed in
                ours[feed] != theirs[feed] && exchanged.withLock { $0[feed] } != "\(ours[feed] ?? "")/\(theirs[feed] ?? "")"
            }
            for feed in differing.sorted().prefix(16) {
                exchanged.withLock { $0[feed] = "\(ours[feed] ?? "")/\(theirs[feed] ?? "")" }
                if ours[feed] != nil {
                    let forks = try service.with { try $0.forks(feed: feed) }
                    let body = JSONValue.object(["forks": .array(forks.prefix(PeerAPI.maxEvidence).map(\.json))])
                    _ = try call(ClientRequest(method: "POST", path: "/v1/evidence",
                                               headers: [("Content-Type", "application/json")], body: body.canonicalBytes))
                }
                if theirs[feed] != nil, held.contains(feed) {
                    let path = "/v1/evidence?feed=\(feed.replacingOccurrences(of: "/", with: "%2F"))"
                    let items = try call(ClientRequest(method: "GET", path: path)).json["forks"]?.array ?? []
                    let forks = items.prefix(Int(Node.maxForksPerFeed)).compactMap { try? ForkEvidence(json: $0) }
                        .filter { $0.feed == feed }
                    _ = try service.with { try $0.admitForks(forks, peer: peer.force, source: "peer") }
                }
            }
        }

        /// A peer with a newer membership version hands it on; it is installed only if the authority signed it and
        /// it undoes no revocation of the installed one. A version refused (and logged) once is not fetched again
        /// from that peer, and does not stop the exchange: the node warns about it instead (`status`, /healthz).
        private func adoptNewerMembership(_ version: Int64) throws {
            let refused = try service.with { node -> Bool in
                guard version > (node.membership?.version ?? 0) else {
                    node.refusedMemberships[peer.force] = nil
                    return true
                }
                return node.refusedMemberships[peer.force]?.version == version
            }
            if refused { return }
            let signed = try SignedMembership(json: try call(ClientRequest(method: "GET", path: "/v1/membership")).json)
            try service.with { node in
                do {
                    if try node.installMembership(signed, source: peer.force, officer: nil) { membershipChanged() }
                } catch let e as NodeError {
                    node.refusedMemberships[peer.force] = (signed.membership.version, e.message)
                }
            }
        }

        /// Pushes feed by feed. A rejected item stops that feed for this cycle (what follows it would only be a
        /// gap); other feeds go on, and the rejections are returned together.
        private func push(_ theirs: [String: Int64]) throws -> [String] {
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
            return failures
        }

        /// Pulls feed by feed; a feed that makes no progress (its next position was rejected) stops, the others go
        /// on. Stalled feeds are tried again (up to three passes) while other feeds progressed: a write whose erase is
        /// in another feed admits once that feed has caught up. The failures left are returned together.
        private func pull(_ theirs: [String: Int64]) throws -> [String] {
            var pending = theirs.sorted(by: { $0.key < $1.key })
            var failures: [String] = []
            for _ in 0..<3 {
                var stalled: [(String, Int64)] = [], progressed = false
                for (feed, seq) in pending {
                    switch try pull(feed, upTo: seq) {
                    case .done: progressed = true
                    case .stalled(let moved): stalled.append((feed, seq)); progressed = progressed || moved
                    }
                }
                failures = stalled.map { "pull of \($0.0) from \(peer.force) made no progress" }
                guard !stalled.isEmpty, progressed else { break }
                pending = stalled
            }
            return failures
        }

        enum PullResult { case done, stalled(moved: Bool) }

        /// Pulls one feed up to `seq` (or as far as the peer serves it).
        private func pull(_ feed: String, upTo seq: Int64) throws -> PullResult {
            var moved = false
            while true {
                let mine = try service.with { try $0.store.feedHead(feed)?.seq ?? 0 }
                guard mine < seq else { return .done }
                let started = DispatchTime.now().uptimeNanoseconds
                let path = "/v1/feeds/entries?feed=\(feed.replacingOccurrences(of: "/", with: "%2F"))"
                    + "&after=\(mine)&limit=\(Replicator.batchSize)"
                let (reply, size) = try call(ClientRequest(method: "GET", path: path))
                let items = reply["items"]?.array ?? []
                guard !items.isEmpty else { return .done }   // the peer cannot serve us further positions
                var deliveries: [Delivery] = []
                for item in items { deliveries.append(try Delivery(json: item)) }
                let batch = PreparedBatch(deliveries)   // signatures checked on every core, before the node's lock
                try service.with { node in
                    let outcomes = try node.ingest(batch, peer: peer.force)
                    let accepted = outcomes.filter { if case .accepted = $0 { true } else { false } }.count
                    try node.logBatch("batch-received", peer: peer.force, count: items.count, accepted: accepted,
                                      bytes: size, micros: Int64((DispatchTime.now().uptimeNanoseconds - started) / 1000))
                }
                guard try service.with({ try $0.store.feedHead(feed)?.seq ?? 0 }) > mine else { return .stalled(moved: moved) }
                moved = true
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
