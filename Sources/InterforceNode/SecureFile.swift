// Files that hold secrets or evidence are created with owner-only permissions from the first byte, and never
// overwritten by accident: creation uses O_CREAT|O_EXCL with mode 0600, directories mode 0700.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum SecureFile {
    /// Creates `path` with mode 0600 and writes `bytes`; fails if it exists.
    static func createNew(_ path: String, _ bytes: [UInt8]) throws(NodeError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw NodeError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)   // independent of umask
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw NodeError("cannot write \(path): \(String(cString: strerror(errno)))") }
            written += n
        }
        guard fsync(fd) == 0 else { throw NodeError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    static func read(_ path: String) throws(NodeError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NodeError("cannot read \(path): missing or unreadable")
        }
        return [UInt8](data)
    }

    /// Creates a directory with mode 0700 (and missing parents); an existing directory is accepted.
    static func makeDirectory(_ path: String) throws(NodeError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw NodeError("cannot create directory \(path)")
        }
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
