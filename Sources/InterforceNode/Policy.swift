// The node's policy: the one function that decides whether a caller may do something, and for records, whether
// they may see this record. Every command of the local API asks it before doing anything; a refusal becomes a
// `deny` row in the log and a clear error. docs/SECURITY.md §5 has the same table in prose.
//
// 1. Standing: the caller must be the node's own account or a registered, enabled officer whose account still has
//    the registered uid.
// 2. Role: the permission must be granted by one of the caller's roles:
//      status          auditor, admin                   (status: counts and digests of everything held,
//                                                        including records the caller may not read)
//      readRecords     officer, analyst, supervisor     (show, history, query, watch, entries export)
//      writeRecords    officer                          (record new, record update)
//      eraseRecords    supervisor                       (record erase)
//      readLog         auditor                          (audit log, audit export)
//      verify          auditor, admin                   (audit verify)
//      administer      admin                            (officers, membership, trust, peers, sync, ingest,
//                                                        checkpoints)
//    The node's own account always has admin.
// 3. Need-to-know, for a permission on an existing record: an OFFICIAL-SENSITIVE record only for a caller cleared
//    OFFICIAL-SENSITIVE, or named on the record (in `officers`, `leadOfficer`, `interviewer` or `capturingOfficer`,
//    compared with the collar number ignoring case and repeated spaces). OFFICIAL records need nothing more.
// Writing a new record needs only the role: its author is not restricted by the marking they give it.

public import InterforceCore

public enum Permission: String, CaseIterable, Sendable {
    case status, readRecords, writeRecords, eraseRecords, readLog, verify, administer

    /// The roles that grant it.
    public var roles: Set<Role> {
        switch self {
        case .status: [.auditor, .admin]
        case .readRecords: [.officer, .analyst, .supervisor]
        case .writeRecords: [.officer]
        case .eraseRecords: [.supervisor]
        case .readLog: [.auditor]
        case .verify: [.auditor, .admin]
        case .administer: [.admin]
        }
    }

    /// For `--help`: "officer, analyst or supervisor".
    public var roleList: String {
        let names = Role.allCases.filter(roles.contains).map(\.rawValue)
        return names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

/// What the policy needs to know about an existing record.
public struct RecordFacts: Sendable, Equatable {
    public let marking: Classification
    /// The officers the record names, normalised (``RecordFacts/normalise(_:)``).
    public let named: Set<String>

    public init(marking: Classification, named: Set<String>) {
        self.marking = marking
        self.named = Set(named.map(Self.normalise))
    }

    /// The fields that name officers on a record.
    public static let officerFields = ["officers", "leadOfficer", "interviewer", "capturingOfficer"]

    public init(_ state: RecordState) {
        let marking = state.classification ?? .official
        var named: Set<String> = []
        let document = state.document
        for field in Self.officerFields {
            if let s = document[field]?.string { named.insert(s) }
            for v in document[field]?.array ?? [] { if let s = v.string { named.insert(s) } }
        }
        self.init(marking: marking, named: named)
    }

    /// Upper case, single spaces, trimmed: `dc  42` and `DC 42` name the same officer.
    public static func normalise(_ collar: String) -> String {
        collar.uppercased().split(whereSeparator: { $0 == " " }).joined(separator: " ")
    }
}

public enum Decision: Sendable, Equatable {
    case allow
    /// `reason` is a short code for the log (`not-registered`, `disabled`, `account-changed`, `role`,
    /// `need-to-know`); `message` says it to the caller.
    case deny(reason: String, message: String)
}

public enum Policy {
    /// The policy function. `record` is nil for permissions not about an existing record (and for creating one).
    public static func decide(_ caller: Caller, _ permission: Permission, record: RecordFacts? = nil) -> Decision {
        switch caller.standing {
        case .registered: break
        case .unregistered where caller.isNodeAccount: break
        case .unregistered:
            return .deny(
                reason: "not-registered",
                message: "account \(caller.account) is not registered as an officer "
                    + "on this node (an admin runs 'interforce officer add')")
        case .disabled(let o) where !caller.isNodeAccount:
            return .deny(
                reason: "disabled",
                message: "the registration of \(o.collar) (account \(caller.account)) "
                    + "is disabled")
        case .uidChanged where !caller.isNodeAccount:
            return .deny(
                reason: "account-changed",
                message: "account \(caller.account) now has uid \(caller.uid), "
                    + "not the uid it was registered with; an admin must register it again")
        case .disabled, .uidChanged: break  // the node's own account keeps admin
        }
        guard !caller.roles.isDisjoint(with: permission.roles) else {
            return .deny(
                reason: "role",
                message: "\(caller.label) may not do this: it needs the role "
                    + permission.roleList)
        }
        if let record, record.marking == .officialSensitive, caller.clearance < .officialSensitive {
            let named = caller.officer.map { record.named.contains(RecordFacts.normalise($0.collar)) } ?? false
            guard named else {
                return .deny(
                    reason: "need-to-know",
                    message: "the record is OFFICIAL-SENSITIVE and \(caller.label) is "
                        + "neither cleared for OFFICIAL-SENSITIVE nor named on it")
            }
        }
        return .allow
    }
}
