// Signed checkpoints of the audit log head (decision 8): the node signs {"feed", "seq", "hash"} of the newest log
// row with its Ed25519 key and appends the signature as a `checkpoint` row. Anyone holding an export and the
// node's public key can check that the log up to that row is what the node vouched for; `audit verify` checks
// every checkpoint row against the row it names.

import InterforceCore
import InterforceStore

extension Node {
    /// The bytes a checkpoint signs: canonical JSON of {"feed", "hash", "seq"}.
    static func checkpointBytes(feed: String, seq: Int64, hash: String) -> [UInt8] {
        JSONValue.object(["feed": .string(feed), "seq": .int(seq), "hash": .string(hash)]).canonicalBytes
    }

    /// Appends a checkpoint of the current head in its own transaction, unless the head is already a checkpoint.
    /// Returns the checkpoint row's seq, or nil when nothing new was logged since the last one.
    @discardableResult
    public func checkpoint() throws -> Int64? {
        try store.transaction {
            let head = try store.logRows(after: try store.logHead() - 1, kinds: nil, limit: 1).last
            guard head?.event.kind != "checkpoint" else { return nil }
            try appendCheckpoint()
            return try store.logHead()
        }
    }

    /// Appends a checkpoint row for the current head (inside the caller's transaction).
    func appendCheckpoint() throws {
        guard let head = try store.logRows(after: try store.logHead() - 1, kinds: nil, limit: 1).last else { return }
        let signature = secretKey.sign(Self.checkpointBytes(feed: config.feed, seq: head.seq, hash: head.hash))
        try store.appendLog(LogEvent(kind: "checkpoint", author: config.feed,
                                     detail: ["seq": .int(head.seq), "hash": .string(head.hash),
                                              "key": .string(secretKey.publicKey.hex),
                                              "signature": .string(signature.hex)]), at: now())
    }

    /// Checks every checkpoint row: it names an earlier row by seq and hash, and its signature verifies.
    func verifyCheckpoints() throws -> [String] {
        var problems: [String] = []
        var hashes: [Int64: String] = [:]
        var rows: [LogRow] = []
        try store.forEachLogRow { rows.append($0) }
        for row in rows {
            hashes[row.seq] = row.hash
            guard row.event.kind == "checkpoint" else { continue }
            let d = row.event.detail
            guard let seq = d["seq"]?.int, let hash = d["hash"]?.string, let keyHex = d["key"]?.string,
                  let sigHex = d["signature"]?.string, let key = try? PublicKey(hex: keyHex),
                  let sig = try? Signature(hex: sigHex), let feed = row.event.author
            else { problems.append("log row \(row.seq): malformed checkpoint"); continue }
            if hashes[seq] != hash { problems.append("log row \(row.seq): checkpoint names row \(seq) with another hash") }
            if grant(for: key)?.feed != feed {
                problems.append("log row \(row.seq): checkpoint signed by a key that is not trusted for \(feed)")
            } else if !key.verify(sig, for: Self.checkpointBytes(feed: feed, seq: seq, hash: hash)) {
                problems.append("log row \(row.seq): checkpoint signature does not verify")
            }
        }
        return problems
    }
}
