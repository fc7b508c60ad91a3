// Requests the policy refuses, as evidence that a flood of them cannot turn into a flood of rows. Every refusal is a
// ``Denial`` thrown to the session, which logs it through a `RefusalSummary` keyed by account and reason: each of an
// account's first 20 denials of one reason in a minute of the node's clock is a `deny` row in full (operation,
// message, purpose, record); the rest of that minute are only counted, and one `refused-summary` row (remote `local`,
// path `policy`, the reason as code) says how many more there were, between which times, once the minute is over
// (noticed on the next request to the node, or when `serve` stops). So an account in the officers' group asking
// again and again — registered or not — costs at most 21 rows a minute per reason, and the log still names it, what
// it asked first, and how often. Lookups of records not seen are counted by the same summary, under keys of their own
// (UnseenLookups.swift), and summarised in `unseen-summary` rows.

import InterforceCore
import InterforceStore

/// A request the policy refused: `reason` is the policy's (`not-registered`, `role`, `need-to-know`, ...).
struct Denial: Error {
    let reason: String
    let message: String
    let operation: LocalOperation
    let purpose: Purpose?
    let record: String?
}

extension LocalNode {
    /// Rows logged in full per account and minute — `deny` rows per reason, and lookups of records not seen —
    /// before the rest are counted.
    static let inFullPerMinute = 20
}

extension RefusalSummary.Key {
    /// The key of `account`'s denials for `reason`.
    static func denial(_ account: String, _ reason: String) -> Self {
        RefusalSummary.Key(remote: "local", path: "policy", code: reason, peer: nil, account: account)
    }
}

extension Node {
    /// Counts `denial` of `caller` (the store's actor), and logs it in full if it is among the account's first of
    /// the minute for its reason; logs the summaries of minutes that have ended.
    func logDenial(_ denial: Denial, _ caller: Caller, in summary: RefusalSummary) throws {
        let (inFull, ended) = summary.note(.denial(caller.account, denial.reason), at: now())
        try logLocalSummaries(ended)
        if inFull { try logDeny(denial) }
    }

    /// The `deny` row of `denial` (its officer and account come from the store's actor).
    func logDeny(_ denial: Denial) throws {
        try store.transaction {
            try store.appendLog(
                LogEvent(
                    kind: "deny", purpose: denial.purpose?.logged, record: denial.record, reason: denial.reason,
                    detail: ["operation": .string(denial.operation.rawValue), "message": .string(denial.message)]),
                at: now())
        }
    }

    /// The summaries of an ended minute of the local API's refusals, one row per key, under the counted account
    /// and its registered officer (the keys beyond the summary's 256 a minute counted together, without an account):
    /// `unseen-summary` for lookups of records not seen, `refused-summary` (reason the denial's) for denials.
    func logLocalSummaries(_ ended: [(RefusalSummary.Key, RefusalSummary.Tally)]) throws {
        guard !ended.isEmpty else { return }
        // The rows are the counted accounts', not the current caller's.
        let actor = store.actor
        store.actor = nil
        defer { store.actor = actor }
        try store.transaction {
            for (key, tally) in ended {
                let officer = try key.account.flatMap(registeredCollar)
                let times: [String: JSONValue] = [
                    "count": .int(Int64(tally.count)), "from": .int(tally.from), "until": .int(tally.until),
                ]
                let event =
                    key.isUnseenLookup
                    ? LogEvent(kind: "unseen-summary", officer: officer, account: key.account, detail: .object(times))
                    : LogEvent(
                        kind: "refused-summary", officer: officer, account: key.account, reason: key.code,
                        detail: .object(
                            times.merging(["remote": "local", "path": .string(key.path), "code": .string(key.code)]) {
                                a, _ in a
                            }))
                try store.appendLog(event, at: now())
            }
        }
    }
}
