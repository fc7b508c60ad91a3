// A delivered batch made ready for admission before the node's lock is taken (the ingest pipeline's first stage,
// docs/ARCHITECTURE.md §Ingest pipeline).
//
// Everything about an entry that needs nothing but the entry itself — the header parsed back, both Ed25519
// signatures, the payload's hash, size, operations and natural key — is worked out here, on every core at once.
// Admission (`Node.admit`) then raises those results in exactly its fixed order, between the checks that need the
// store (duplicate, key, audience, chain), so an entry is refused for the same reason, with the same log row, as
// when it was checked alone; a bad signature in the middle of a batch still stops its feed there (the next entry of
// that feed meets a gap). Only the clock skew is checked at admission, against the clock as it is then.

import Foundation
public import InterforceCore

public struct PreparedBatch: Sendable {
    public let deliveries: [Delivery]
    /// `prepared[i]` for `deliveries[i]` when it is an entry; nil for a withheld marker.
    let prepared: [Admission.PreparedContent?]

    /// Checks the batch's entries on `cores` threads (default: every core the process may use).
    public init(_ deliveries: [Delivery], cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.deliveries = deliveries
        let count = deliveries.count
        let out = UnsafeMutableBufferPointer<Admission.PreparedContent?>.allocate(capacity: count)
        out.initialize(repeating: nil)
        defer { out.deallocate() }
        nonisolated(unsafe) let slots = out
        let threads = max(1, min(cores, count / 8))   // a handful of entries is not worth a second thread
        let slice = (count + threads - 1) / max(threads, 1)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in (t * slice)..<min((t + 1) * slice, count) {
                if case .entry(let envelope) = deliveries[i] { slots[i] = Admission.PreparedContent(envelope) }
            }
        }
        prepared = Array(out)
    }

    public init(_ envelopes: [EntryEnvelope]) { self.init(envelopes.map { Delivery.entry($0) }) }

    public var count: Int { deliveries.count }
}
