// Lookups by id of records the caller does not get to see, as evidence that costs the same either way. A record's id
// can be computed (a crime reference gives its case file's id), so an officer could probe for which sensitive records
// exist: the node answers a record that is not held here and one the caller may not see alike (``Unseen``), logs
// them alike, and bounds what that logging costs.
//
// How long a lookup takes still differs: a record held is read and judged, and a row costs a commit. So the answer
// to either is held back (outside the node's lock) until 10 ms after the request reached the session, longer than
// either takes unless the node is loaded. Measured over the socket (300 `record-show` of each, interleaved), the
// medians were 0.47 ms (held, not seen) and 0.36 ms (not held) without a row, 0.90 and 0.75 ms with one; held
// back, 10.81 and 10.80 ms (10th percentiles 10.64 and 10.64).
//
// Per account and minute of the node's clock, through a `RefusalSummary` that logs the first 20 of a key in full:
// each of an account's first 20 such lookups is one row — `deny` (reason `need-to-know`) for a record held that the
// caller may not see, `not-found` for one not held — each written and committed the same way, so neither the answer
// nor the time it takes tells them apart; the rest of that minute are only counted, the two kinds together, and one
// `unseen-summary` row says how many more there were, between which times, once the minute is over (noticed on the
// next request to the node, or when `serve` stops). So probing costs an account at most 21 rows a minute, and the
// log still names who probed, which records first, and how often.

import InterforceCore
import InterforceStore

extension LocalNode {
    /// Nanoseconds from a request reaching the session to the answer of a lookup of a record not seen.
    static let unseenAnswerNanoseconds: UInt64 = 10_000_000
}

extension RefusalSummary.Key {
    /// The key of `account`'s lookups of records not seen.
    static func unseen(_ account: String) -> Self {
        RefusalSummary.Key(remote: "local", path: "record", code: "unseen", peer: nil, account: account)
    }

    /// Whether this is the key of an account's lookups of records not seen (or of accounts counted together).
    var isUnseenLookup: Bool { remote == "local" && path == "record" && code == "unseen" }
}

extension Node {
    /// Counts `unseen`, a lookup by `caller` (the store's actor) for `operation`, and logs it in full if it is
    /// among the account's first of the minute; logs the summaries of minutes that have ended.
    func logUnseen(
        _ unseen: Unseen, _ caller: Caller, _ operation: LocalOperation, purpose: Purpose?,
        in summary: RefusalSummary
    ) throws {
        let (inFull, ended) = summary.note(.unseen(caller.account), at: now())
        try logLocalSummaries(ended)
        guard inFull else { return }
        if let refusal = unseen.refusal {
            try logDeny(
                Denial(reason: "need-to-know", message: refusal, operation: operation, purpose: purpose,
                       record: unseen.record))
            return
        }
        try store.transaction {
            try store.appendLog(
                LogEvent(
                    kind: "not-found", purpose: purpose?.logged, record: unseen.record,
                    detail: ["operation": .string(operation.rawValue)]), at: now())
        }
    }
}
