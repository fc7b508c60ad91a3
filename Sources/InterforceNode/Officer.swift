// Officers as principals (decision 11): who is asking is decided by the kernel and the node's registry, never by a
// flag.
//
// The local socket tells the node the uid of the connecting process (SO_PEERCRED); when the CLI opens the store
// itself (no node running, the node's own account only), the uid is the process's own. The registry, kept in the
// store and changed only by an admin (`interforce officer add|disable`, each change logged), maps a Unix account —
// by name and uid together, so a deleted account whose uid is reused by another person does not inherit the
// registration — to an officer: collar number, name, force, roles and clearance. The node's own account (the one
// that owns the data directory and runs `serve`) is always an admin, registered or not, so a node cannot be locked
// out of its own administration; it reads records only if it is also registered with a reading role.

import Foundation
public import InterforceCore
import InterforceStore

#if canImport(Glibc)
import Glibc
#endif

/// What an officer may be trusted with; a registration holds one or more (docs/SECURITY.md §5).
public enum Role: String, CaseIterable, Sendable, Comparable {
    /// Reads and writes records.
    case officer
    /// Reads and queries records.
    case analyst
    /// Reads records, erases them lawfully.
    case supervisor
    /// Reads the audit log; no record content.
    case auditor
    /// Membership, peers, officers, checkpoints, ingest; no record content unless also given a reading role.
    case admin

    public init(validating text: String) throws(NodeError) {
        guard let role = Role(rawValue: text) else {
            throw NodeError(
                "unknown role '\(text.prefix(20))' (roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = role
    }

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One registration: a Unix account as an officer of a force.
public struct Officer: Sendable, Equatable {
    public var account: String
    public var uid: UInt32
    public var collar: String
    public var name: String
    public var force: String
    public var roles: Set<Role>
    public var clearance: Classification
    public var disabled: Bool

    public init(
        account: String, uid: UInt32, collar: String, name: String, force: String, roles: Set<Role>,
        clearance: Classification, disabled: Bool = false
    ) throws(NodeError) {
        guard Self.isAccountName(account) else {
            throw NodeError("account '\(account.prefix(40))' is not a Unix account name")
        }
        guard Self.isCollar(collar) else {
            throw NodeError(
                "collar number '\(collar.prefix(40))' must be 1-32 letters, digits, spaces, '.', '/' or '-', "
                    + "starting with a letter or digit")
        }
        try TextRules.check(name, what: "officer name", maxLength: 100)
        guard Identifiers.isSlug(force) else { throw NodeError("force '\(force.prefix(40))' is not a force slug") }
        guard !roles.isEmpty else { throw NodeError("an officer needs at least one role") }
        self.account = account
        self.uid = uid
        self.collar = collar
        self.name = name
        self.force = force
        self.roles = roles
        self.clearance = clearance
        self.disabled = disabled
    }

    /// The collar number as records name it (``RecordFacts/normalise(_:)``): unique in the registry, so `ds  1`
    /// cannot be registered beside `DS 1` and share its need-to-know.
    var collarKey: String { RecordFacts.normalise(collar) }

    /// `^[a-z_][a-z0-9_-]{0,31}$`: the portable Unix account names useradd accepts by default.
    public static func isAccountName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...32).contains(bytes.count), isLower(bytes[0]) || bytes[0] == UInt8(ascii: "_") else { return false }
        return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// A collar (warrant) number such as `PC 1234` or `DS 1701`.
    public static func isCollar(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...32).contains(bytes.count), isAlphanumeric(bytes[0]), bytes.last != UInt8(ascii: " ") else {
            return false
        }
        return bytes.allSatisfy {
            isAlphanumeric($0)
                || [
                    UInt8(ascii: " "), UInt8(ascii: "."), UInt8(ascii: "/"),
                    UInt8(ascii: "-"),
                ].contains($0)
        }
    }

    private static func isLower(_ b: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) }
    private static func isDigit(_ b: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) }
    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        isLower(b) || isDigit(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
    }

    public var json: JSONValue {
        [
            "account": .string(account), "uid": .int(Int64(uid)), "collar": .string(collar), "name": .string(name),
            "force": .string(force), "roles": .array(roles.sorted().map { .string($0.rawValue) }),
            "clearance": .string(clearance.rawValue), "disabled": .bool(disabled),
        ]
    }

    public init(json: JSONValue) throws(NodeError) {
        let f = try Fields(
            json, "officer", ["account", "uid", "collar", "name", "force", "roles", "clearance", "disabled"])
        guard let uid = UInt32(exactly: try f.int("uid")) else { throw NodeError("officer.uid: out of range") }
        var roles: Set<Role> = []
        for r in try f.strings("roles") { roles.insert(try Role(validating: r)) }
        let clearance = try f.classification("clearance")
        try self.init(
            account: try f.string("account"), uid: uid, collar: try f.string("collar"), name: try f.string("name"),
            force: try f.string("force"), roles: roles, clearance: clearance, disabled: try f.bool("disabled"))
    }
}

/// Who a request comes from, as the node established it: the uid the kernel reported, the account name that uid
/// has now, and what the registry says about that account.
public struct Caller: Sendable, Equatable {
    public enum Standing: Sendable, Equatable {
        /// Registered, enabled, and the account still has the registered uid.
        case registered(Officer)
        case unregistered
        case disabledOfficer(Officer)
        /// The account name is registered with another uid: the account was deleted and the name reused.
        case uidChanged(Officer)
    }

    public let uid: UInt32
    /// The account name for `uid` (`uid N` when the system has none).
    public let account: String
    public let standing: Standing
    /// The node's own account: always an admin.
    public let isNodeAccount: Bool
    /// When the registry row of `account` was last changed (`officer add` or `disable`); nil if it has none.
    public let registeredAt: Int64?

    public init(uid: UInt32, account: String, standing: Standing, isNodeAccount: Bool, registeredAt: Int64? = nil) {
        self.uid = uid
        self.account = account
        self.standing = standing
        self.isNodeAccount = isNodeAccount
        self.registeredAt = registeredAt
    }

    /// Whom what a caller leaves open (a cursor) belongs to: the uid, the account name it has, and the
    /// registration in force. A uid that another account takes over after the first was deleted, or an account
    /// registered anew, does not continue what the previous holder opened.
    struct Principal: Hashable, Sendable {
        let uid: UInt32
        let account: String
        let registeredAt: Int64?
    }

    var principal: Principal { Principal(uid: uid, account: account, registeredAt: registeredAt) }

    /// The registration in force, if any.
    public var officer: Officer? {
        if case .registered(let o) = standing { return o }
        return nil
    }

    public var roles: Set<Role> { (officer?.roles ?? []).union(isNodeAccount ? [.admin] : []) }
    public var clearance: Classification { officer?.clearance ?? .official }

    /// How the caller is named in messages: `PC 7 (alice)` or `account alice`.
    public var label: String { officer.map { "\($0.collar) (\(account))" } ?? "account \(account)" }

    /// The actor stamped on the log rows this caller's request causes.
    var actor: LogActor { LogActor(officer: officer?.collar, account: account) }
}

extension Node {
    /// The Unix account name of `uid` from the system's user database (getpwuid_r), or `uid N`.
    static func accountName(uid: UInt32) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name
        else { return "uid \(uid)" }
        return String(cString: name)
    }

    /// The uid of account `name`, if the system has it (getpwnam_r).
    static func uid(ofAccount name: String) -> UInt32? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.pw_uid
    }

    /// Establishes who `uid` is: its account name now, and the registry's entry for that name.
    func authenticate(uid: UInt32, nodeAccount: UInt32) throws -> Caller {
        let account = Self.accountName(uid: uid)
        let standing: Caller.Standing
        // An edited registry registers no one; only the node's own account (an admin) may act, to verify.
        if let registryAltered, uid != nodeAccount { throw NodeError(registryAltered) }
        let row = registryAltered == nil ? try store.officer(account: account) : nil
        if let row {
            let officer = try Officer(json: row.registration)
            if officer.uid != uid {
                standing = .uidChanged(officer)
            } else if officer.disabled {
                standing = .disabledOfficer(officer)
            } else {
                standing = .registered(officer)
            }
        } else {
            standing = .unregistered
        }
        return Caller(
            uid: uid, account: account, standing: standing, isNodeAccount: uid == nodeAccount,
            registeredAt: row?.changedAt)
    }

    /// Registers (or re-registers, replacing roles and clearance and enabling it) `officer`, logged with what it
    /// replaced.
    func register(_ officer: Officer) throws -> Officer {
        let previous = try store.officer(account: officer.account)
        try store.transaction {
            do {
                try store.saveOfficer(
                    OfficerRow(
                        account: officer.account, uid: officer.uid, collar: officer.collarKey,
                        registration: officer.json, changedAt: now()))
            } catch let e as StoreError { throw NodeError(e.message) }
            try store.appendLog(
                LogEvent(
                    kind: "officer-registered",
                    detail: [
                        "registration": officer.json,
                        "previous": previous?.registration ?? .null,
                    ]), at: now())
        }
        return officer
    }

    func registeredOfficer(_ account: String) throws -> Officer {
        guard let row = try store.officer(account: account) else {
            throw NodeError("account \(account) is not registered on this node")
        }
        return try Officer(json: row.registration)
    }

    func registeredOfficers() throws -> [Officer] { try store.officers().map { try Officer(json: $0.registration) } }

    /// Disables a registration (kept, so the log's collar numbers stay explained), logged.
    func disable(account: String) throws -> Officer {
        var officer = try registeredOfficer(account)
        officer.disabled = true
        try store.transaction {
            try store.saveOfficer(
                OfficerRow(
                    account: officer.account, uid: officer.uid, collar: officer.collarKey,
                    registration: officer.json, changedAt: now()))
            try store.appendLog(LogEvent(kind: "officer-disabled", detail: ["registration": officer.json]), at: now())
        }
        return officer
    }
}
