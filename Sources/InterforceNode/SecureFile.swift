// Files that hold secrets or evidence are created with owner-only permissions from the first byte, and never
// overwritten by accident: creation uses O_CREAT|O_EXCL with mode 0600, directories mode 0700. A data directory
// (or key, or configuration) that someone else could write, or a key someone else could read, is refused rather
// than used: whoever can write the directory can plant or swap the files the node trusts.

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

    /// Refuses a data directory that is not a directory of this user's, or that group or others can write.
    static func checkPrivateDirectory(_ path: String) throws(NodeError) {
        let info = try status(path)
        guard info.st_mode & S_IFMT == S_IFDIR else { throw NodeError("\(path) is not a directory") }
        try checkOwner(path, info, "data directory")
        let loose = info.st_mode & 0o022
        guard loose == 0 else {
            throw NodeError("data directory \(path) is writable by \(whom(loose)) (mode \(octal(info.st_mode))): "
                            + "whoever can write it can replace the node's key, configuration or store; check what "
                            + "it holds, then 'chmod go-w \(path)', or use another directory")
        }
    }

    /// Refuses a file of the node's that is not this user's, that group or others can write, or — when `secret` —
    /// that they can read at all.
    static func checkPrivateFile(_ path: String, secret: Bool) throws(NodeError) {
        let info = try status(path)
        try checkOwner(path, info, "file")
        let loose = info.st_mode & (secret ? 0o077 : 0o022)
        guard loose == 0 else {
            let access = secret ? (loose & 0o022 != 0 ? "readable and writable" : "readable") : "writable"
            throw NodeError("\(path) is \(access) by \(whom(loose)) (mode \(octal(info.st_mode))): "
                            + (secret ? "the feed key may have leaked; 'chmod 600 \(path)' and consider a new key"
                                      : "'chmod go-w \(path)' after checking its contents"))
        }
    }

    private static func status(_ path: String) throws(NodeError) -> stat {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw NodeError("cannot inspect \(path): \(String(cString: strerror(errno)))")
        }
        return info
    }

    private static func checkOwner(_ path: String, _ info: stat, _ what: String) throws(NodeError) {
        guard info.st_uid == geteuid() else {
            throw NodeError("\(what) \(path) belongs to uid \(info.st_uid), not to this user (uid \(geteuid())): "
                            + "refusing to use it")
        }
    }

    private static func whom(_ bits: mode_t) -> String {
        switch (bits & 0o070 != 0, bits & 0o007 != 0) {
        case (true, true): "group and others"
        case (true, false): "its group"
        default: "others"
        }
    }

    private static func octal(_ mode: mode_t) -> String { "0" + String(mode & 0o777, radix: 8) }
}
