// Real Unix accounts for the tests of officers as principals: the node must learn who is calling from the kernel,
// so the tests call it as different accounts. Run as root (as in CI), the accounts and their group are created once
// per machine with useradd/groupadd (system accounts, no home, no login shell) and reused; commands run as them
// through setpriv(1), which sets the real and effective uid and gid and the account's supplementary groups.
// Not as root, the tests that need them are skipped and say why.

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

public struct TestAccount: Sendable, Equatable {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32
}

public enum TestAccounts {
    /// The officers' group of the test nodes (`socketGroup`).
    public static let officersGroup = "ifo-test-officers"
    /// Accounts in the officers' group, and one outside it.
    public static let officerNames = ["ifo-test-alice", "ifo-test-bob", "ifo-test-carol", "ifo-test-dave"]
    public static let outsiderName = "ifo-test-eve"

    /// Why accounts cannot be used here, or nil when they can.
    public static let unavailableReason: String? = {
        guard geteuid() == 0 else { return "creating and switching to Unix accounts needs root (the CI runs as root)" }
        for tool in ["/usr/sbin/useradd", "/usr/sbin/groupadd", "/usr/bin/setpriv"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing"
        }
        return nil
    }()

    public static var available: Bool { unavailableReason == nil }

    private static let creation = Mutex(false)

    /// The account `name` (one of `officerNames` or `outsiderName`), created with its group if missing.
    public static func account(_ name: String) throws -> TestAccount {
        try creation.withLock { created in
            if !created {
                try ensureGroup(officersGroup)
                for n in officerNames { try ensureUser(n, groups: [officersGroup]) }
                try ensureUser(outsiderName, groups: [])
                created = true
            }
        }
        return try existing(name)
    }

    /// Four more accounts in the officers' group, for the attacks that need many accounts at once.
    public static let crowdNames = ["ifo-test-fay", "ifo-test-gus", "ifo-test-hal", "ifo-test-ivy"]

    /// The eight accounts of the officers' group: `officerNames` and `crowdNames` (created if missing).
    public static func crowd() throws -> [TestAccount] {
        _ = try account(officerNames[0])
        return try creation.withLock { _ in
            for n in crowdNames { try ensureUser(n, groups: [officersGroup]) }
            return try (officerNames + crowdNames).map(existing)
        }
    }

    /// Accounts for the uid-reuse test only: `reusedNames[0]` is deleted and `reusedNames[1]` created with its uid.
    public static let reusedNames = ["ifo-test-frank", "ifo-test-grace"]

    /// A fresh `reusedNames[0]` in the officers' group (the second removed if a previous run left it).
    public static func accountToBeReused() throws -> TestAccount {
        _ = try account(officerNames[0])
        return try creation.withLock { _ in
            if getpwnam(reusedNames[1]) != nil { try run("/usr/sbin/userdel", [reusedNames[1]]) }
            try ensureUser(reusedNames[0], groups: [officersGroup])
            return try existing(reusedNames[0])
        }
    }

    /// Deletes `reusedNames[0]` and creates `reusedNames[1]` in the officers' group with the uid it had, as an
    /// administrator reusing a departed officer's uid would.
    public static func reuseUID(of old: TestAccount) throws -> TestAccount {
        try creation.withLock { _ in
            try run("/usr/sbin/userdel", [old.name])
            try run(
                "/usr/sbin/useradd",
                ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", "--uid",
                 String(old.uid), "--groups", officersGroup, reusedNames[1]])
            return try existing(reusedNames[1])
        }
    }

    private static func existing(_ name: String) throws -> TestAccount {
        guard let entry = getpwnam(name) else { throw TestAccountError("no account \(name)") }
        return TestAccount(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// The gid of the officers' group (created if missing).
    public static func officersGID() throws -> UInt32 {
        _ = try account(officerNames[0])
        guard let group = getgrnam(officersGroup) else { throw TestAccountError("no group \(officersGroup)") }
        return group.pointee.gr_gid
    }

    /// `executable arguments` as `account` (setpriv), or unchanged for nil.
    public static func command(
        _ executable: String, _ arguments: [String], as account: TestAccount?
    )
        -> (executable: String, arguments: [String])
    {
        guard let account else { return (executable, arguments) }
        return (
            "/usr/bin/setpriv",
            [
                "--reuid=\(account.uid)", "--regid=\(account.gid)", "--init-groups", "--",
                executable,
            ] + arguments
        )
    }

    private static func ensureGroup(_ name: String) throws {
        if getgrnam(name) != nil { return }
        try run("/usr/sbin/groupadd", ["--system", name])
    }

    private static func ensureUser(_ name: String, groups: [String]) throws {
        if getpwnam(name) != nil { return }
        try run(
            "/usr/sbin/useradd",
            ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group"]
                + (groups.isEmpty ? [] : ["--groups", groups.joined(separator: ",")]) + [name])
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let r = try ChildProcess.run(tool, arguments)
        // Another test process may have created it meanwhile (exit 9: already exists).
        guard r.status == 0 || r.status == 9 else {
            throw TestAccountError("\(tool) \(arguments.joined(separator: " ")): " + r.stderr)
        }
    }
}

public struct TestAccountError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// This process's Unix account name: the node's own account for nodes the tests create.
public var currentAccountName: String {
    guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "uid \(geteuid())" }
    return String(cString: name)
}
