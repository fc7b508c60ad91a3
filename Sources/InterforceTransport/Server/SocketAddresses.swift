// The sockets the server listens on, prepared before MHD sees them: a TCP address for .SOCK_ADDR, and a
// Unix domain socket bound by us (MHD cannot bind one) and handed over with .LISTEN_SOCKET. The Unix
// socket is the local CLI's door into the node, so its file is created mode 0600 (or 0660 for a named group of
// officers) and a stale file from a crashed node is replaced, but a live node's socket never is. Who connected
// is read from the kernel (`SO_PEERCRED`), never from the request.

import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// An IPv4 or IPv6 socket address in C memory, freed in `deinit`; MHD reads it during `MHD_start_daemon`.
final class TCPBindAddress {
    let pointer: UnsafeMutableRawPointer
    let isIPv6: Bool

    init(host: String, port: UInt16) throws {
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            pointer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<sockaddr_in>.size,
                                                       alignment: MemoryLayout<sockaddr_in>.alignment)
            pointer.storeBytes(of: v4, as: sockaddr_in.self)
            isIPv6 = false
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            pointer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<sockaddr_in6>.size,
                                                       alignment: MemoryLayout<sockaddr_in6>.alignment)
            pointer.storeBytes(of: v6, as: sockaddr_in6.self)
            isIPv6 = true
        } else {
            throw ServerError("bind address \"\(host)\" is not a numeric IPv4 or IPv6 address")
        }
    }

    deinit { pointer.deallocate() }
}

/// A listening Unix domain socket. Ownership of the descriptor passes to MHD once `MHD_start_daemon` succeeds
/// (MHD closes it in `MHD_stop_daemon`); until then this value closes it.
struct UnixListener {
    let descriptor: Int32
    let path: String
    /// The socket file's inode, to recognise our own file when removing it later.
    let inode: UInt64
    /// The socket's own inode (`fstat` on the descriptor), to tell whether MHD closed it on a failed start.
    let socketInode: UInt64

    /// Binds and listens on `path`. The file is 0600; with `group`, it is given to that group and made 0660 (the
    /// group is set before the mode widens, so the file is never open to more than owner and group).
    static func bind(path: String, backlog: Int32, group: UInt32? = nil) throws -> UnixListener {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw ServerError("unix socket path must be 1 to \(capacity - 1) bytes: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes) }
        try removeStale(path)

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw posix("socket(AF_UNIX)", path) }
        var success = false
        defer { if !success { close(fd) } }
        // Linux creates the socket file with the socket inode's mode; setting it before bind() leaves no window in
        // which the file is more open than 0600. The chmod after bind() is for kernels that ignore it.
        _ = fchmod(fd, 0o600)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw posix("bind", path) }
        guard chmod(path, 0o600) == 0 else {
            let error = posix("chmod 0600", path)
            unlink(path)
            throw error
        }
        if let group {
            // A process already running in that group (systemd's Group=) needs no chown, which a system-call filter
            // may forbid.
            var created = stat()
            let inGroup = lstat(path, &created) == 0 && created.st_gid == group
            guard inGroup || chown(path, UInt32.max, group) == 0, chmod(path, 0o660) == 0 else {
                let error = posix("chown/chmod 0660 for group \(group)", path)
                unlink(path)
                throw error
            }
        }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0, listen(fd, backlog) == 0 else {
            let error = posix("listen", path)
            unlink(path)
            throw error
        }
        var fileStat = stat()
        var socketStat = stat()
        guard lstat(path, &fileStat) == 0, fstat(fd, &socketStat) == 0 else {
            let error = posix("stat", path)
            unlink(path)
            throw error
        }
        success = true
        return UnixListener(descriptor: fd, path: path, inode: UInt64(fileStat.st_ino),
                            socketInode: UInt64(socketStat.st_ino))
    }

    /// After a failed `MHD_start_daemon`: closes the descriptor unless MHD already did (in which case it is closed
    /// or reused by something else, and its inode differs), and removes the socket file.
    func abandon() {
        var current = stat()
        if fstat(descriptor, &current) == 0, UInt64(current.st_ino) == socketInode { close(descriptor) }
        removeFile()
    }

    /// Removes the socket file if it is still the one we created.
    func removeFile() {
        var current = stat()
        if lstat(path, &current) == 0, UInt64(current.st_ino) == inode { unlink(path) }
    }

    /// A socket file left by a process that is gone is removed; a socket someone is listening on, or a file that is
    /// not a socket, is an error.
    private static func removeStale(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ServerError("\(path) exists and is not a socket; refusing to replace it")
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { throw posix("socket(AF_UNIX)", path) }
        defer { close(probe) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: Array(path.utf8)) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if connected == 0 { throw ServerError("\(path) is in use by a running server") }
        guard errno == ECONNREFUSED else { throw posix("connect to existing socket", path) }
        guard unlink(path) == 0 || errno == ENOENT else { throw posix("unlink stale socket", path) }
    }

    private static func posix(_ call: String, _ path: String) -> ServerError {
        let code = errno
        return ServerError("\(call) \(path): \(String(cString: strerror(code))) (errno \(code))")
    }
}

/// Formats a peer address for `HTTPRequest.remoteAddress`: the numeric IP, or "local" for a Unix socket.
func describePeer(_ address: UnsafePointer<sockaddr>?) -> String {
    guard let address else { return "unknown" }
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
    switch Int32(address.pointee.sa_family) {
    case AF_INET:
        var v4 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
        guard inet_ntop(AF_INET, &v4.sin_addr, &buffer, socklen_t(buffer.count)) != nil else { return "unknown" }
    case AF_INET6:
        var v6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self)
        guard inet_ntop(AF_INET6, &v6.sin6_addr, &buffer, socklen_t(buffer.count)) != nil else { return "unknown" }
    case AF_UNIX:
        return "local"
    default:
        return "unknown"
    }
    return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The kernel's record of who connected on a Unix socket: `getsockopt(SO_PEERCRED)` fills a `struct ucred`
/// {pid, uid, gid} (unix(7)). Declared here as three 32-bit fields because Glibc exposes `struct ucred` only under
/// _GNU_SOURCE. Nil if the call fails (not a Unix socket).
func peerCredentials(_ fd: Int32) -> LocalPeer? {
    var credentials: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
    var size = socklen_t(MemoryLayout.size(ofValue: credentials))
    guard size == 12, getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) == 0, size == 12 else { return nil }
    return LocalPeer(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid)
}
