// `audit verify`, continued: what the store keeps beside the entries, held to what it is derived from (attack W5).
//
// - Records: the `records` columns beside `state` (type, classification, times, erased), the full-text row and the
//   `record_forces` rows are caches of the state and the entries; each must be what the state and entries give
//   (a query by `--classification` or by force reads them, not the state).
// - The officer registry is the basis of every access decision: each row must be the registration the log's last
//   `officer-registered` / `officer-disabled` row for that account records, and every account the log registers
//   must have its row. Checked on open too (`registryProblems`): a node whose registry was edited refuses to act.
// - Fork evidence must be what the log's `alert` rows recorded as found, less what `evidence-dropped` rows took
//   out; the feed flag must be set exactly while evidence is held; equivocations and withheld markers must carry
//   signatures that verify, by keys that may sign their position.
// - Erasure evidence kept beside a write held without its payload must be an erase of that write's record whose
//   signature verifies.
// Out of reach: rows after the last checkpoint (the log's own limit, SECURITY §4.7), and `requests`, remembered
// answers to retried writes, which no log row records (a deleted row makes a retried write run again; an edited
// one answers a retry wrongly).

import InterforceCore
import InterforceStore

extension Node {
    /// The registry rows that differ from what the log's registration rows give.
    func registryProblems() throws -> [String] {
        var expected: [String: JSONValue] = [:]
        let rows = try (store.logRows(LogFilter.kind("officer-registered")) + store.logRows(LogFilter.kind("officer-disabled")))
            .sorted { $0.seq < $1.seq }
        for row in rows {
            guard let registration = row.event.detail["registration"], let account = registration["account"]?.string
            else { continue }
            expected[account] = registration
        }
        var problems: [String] = []
        let registry: [OfficerRow]
        do { registry = try store.officers() } catch {
            return ["officer registry: a row cannot be read (altered)"]
        }
        for row in registry {
            let logged = expected.removeValue(forKey: row.account)
            let officer = try? Officer(json: row.registration)
            if logged != row.registration || officer?.uid != row.uid || officer?.collarKey != row.collar {
                problems.append("officer registry row \(row.account): not the registration the log's officer-registered "
                                + "and officer-disabled rows give (altered)")
            }
        }
        for account in expected.keys.sorted() {
            problems.append("officer registry: no row for account \(account), which the log registers (deleted)")
        }
        return problems
    }

    /// The derived columns of one record held against its replayed state and the forces of its entries.
    static func derivedProblems(_ id: String, _ stored: Store.DerivedRecordRow?, state: RecordState, forces: Set<String>)
        -> [String] {
        guard let stored else { return [] }
        var problems: [String] = []
        if stored.type != state.type.rawValue || stored.classification != state.classification?.rawValue
            || stored.createdTime != (state.created?.clock.time ?? 0) || stored.updatedTime != (state.updated?.clock.time ?? 0)
            || stored.erased != (state.isErased ? 1 : 0) {
            problems.append("record \(id): its type, classification, times or erased columns differ from its state (altered)")
        }
        let text = state.searchText
        if stored.searchText != (text.isEmpty ? nil : text) {
            problems.append("record \(id): its full-text row differs from its state (altered)")
        }
        if stored.forces != forces {
            problems.append("record \(id): the forces recorded as writing to it are not those of its entries (altered)")
        }
        return problems
    }

    /// Forks, flags, equivocations, withheld markers and erasure evidence against the log and their signatures.
    func evidenceProblems() throws -> [String] {
        var problems: [String] = []
        // The forks the log says were found and not dropped since.
        var logged: [String: Int64] = [:]   // "feed seq hashA hashB" -> the alert row's seq
        let rows = try (store.logRows(LogFilter.kind("alert")) + store.logRows(LogFilter.kind("evidence-dropped")))
            .sorted { $0.seq < $1.seq }
        for row in rows {
            guard let feed = row.event.author, let seq = row.event.detail["seq"]?.int,
                  let hashes = row.event.detail["hashes"]?.array?.compactMap(\.string), hashes.count == 2 else { continue }
            let key = "\(feed) \(seq) \(hashes.sorted().joined(separator: " "))"
            if row.event.kind == "alert" { logged[key] = row.seq } else { logged[key] = nil }
        }
        for fork in try store.forkRows() {
            let key = "\(fork.feed) \(fork.seq) \(fork.hashes.joined(separator: " "))"
            let name = "fork evidence of \(fork.feed) seq \(fork.seq)"
            if logged.removeValue(forKey: key) == nil {
                problems.append("\(name): no alert row records it (altered)")
            }
            guard let evidence = fork.evidence, evidence.feed == fork.feed, evidence.seq == fork.seq,
                  evidence.hashes == fork.hashes, evidence.verifySignatures()
            else {
                problems.append("\(name): the evidence kept does not verify (altered)")
                continue
            }
        }
        for (key, seq) in logged.sorted(by: { $0.value < $1.value }) {
            let parts = key.split(separator: " ")
            problems.append("fork evidence of \(parts[0]) seq \(parts[1]) that log row \(seq) records is not held (deleted)")
        }
        var evidenced = Set(try store.forkedFeeds())
        for row in try store.equivocationRows() {
            guard let envelope = row.envelope, envelope.entry.hash.hex == row.hash, envelope.entry.verifySignature(),
                  envelope.payload.map({ SHA256Digest.hash($0.canonicalBytes) == envelope.entry.header.payloadHash }) ?? true,
                  let held = try store.hashAt(author: envelope.entry.header.author, seq: envelope.entry.header.seq),
                  held != row.hash
            else {
                problems.append("equivocation \(row.hash): not a validly signed second entry for a position held (altered)")
                continue
            }
            evidenced.insert(envelope.entry.header.author)
        }
        let flagged = Set(try store.flaggedFeeds())
        for feed in flagged.symmetricDifference(evidenced).sorted() {
            problems.append("feed \(feed): \(flagged.contains(feed) ? "flagged without" : "not flagged despite") the "
                            + "fork evidence held (altered)")
        }
        for item in try store.allWithheld() {
            switch item {
            case .failure(let e): problems.append(e.message)
            case .success(let marker):
                let name = "withheld marker of \(marker.author) seq \(marker.seq)"
                if !marker.verifySignature() {
                    problems.append("\(name): its position signature does not verify (altered)")
                } else {
                    do { try checkKey(marker.key, feed: marker.author, seq: marker.seq, what: "marker") } catch {
                        problems.append("\(name): \(error.message) (altered)")
                    }
                }
            }
        }
        for row in try store.erasureEvidenceRows() {
            guard let envelope = row.envelope, envelope.entry.verifySignature(), envelope.entry.header.op == .erase,
                  row.record.map({ $0 == envelope.entry.header.record }) ?? true
            else {
                problems.append("erasure evidence for entry \(row.entry): not a validly signed erase of its record (altered)")
                continue
            }
        }
        return problems
    }
}
