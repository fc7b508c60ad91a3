// A running node shared between threads: the peer server's handlers, the local socket, and one replication
// worker per peer. The Node (and its single SQLite writer) is used by one thread at a time under a Mutex;
// network I/O always happens outside the lock.

import Synchronization
public import InterforceCore
import InterforceStore

public final class NodeService: Sendable {
    private let node: Mutex<Node>

    public init(_ node: sending Node) {
        self.node = Mutex(node)
    }

    /// Runs `body` with exclusive use of the node.
    public func with<T: Sendable>(_ body: (Node) throws -> T) throws -> T {
        try node.withLock { node throws -> T in try body(node) }
    }
}

extension Node {
    /// Logs that the node started or stopped serving, with a signed checkpoint of the log head, so an auditor can
    /// tell a gap in service from a gap in the log. On a full disk nothing is logged and the reason is returned:
    /// the node still starts (and stops), in the degraded mode DiskSpace.swift describes.
    @discardableResult
    public func logLifecycle(_ kind: String, detail: JSONValue) throws -> String? {
        do {
            try store.transaction {
                try store.appendLog(LogEvent(kind: kind, author: config.feed, detail: detail), at: now())
                try appendCheckpoint()
            }
            return nil
        } catch let error as SQLiteError where error.isDiskFull {
            let space = disk().map { " (\($0.summary))" } ?? ""
            return "the disk holding \(store.path) is full\(space): the \(kind) row could not be logged"
        }
    }
}
