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
//      declassify      officer                          (a write that lowers a record's marking or widens the
//                                                        audience of this force's entries to it)
//      eraseRecords    supervisor                       (record erase)
//      readLog         auditor                          (audit log, audit export)
//      verify          auditor, admin                   (audit verify)
//      administer      admin                            (officers, membership, trust, peers, sync, ingest,
//                                                        checkpoints)
//    The node's own account always has admin.
// 3. Need-to-know, for a permission on an existing record: an OFFICIAL-SENSITIVE record only for a caller cleared
//    OFFICIAL-SENSITIVE, or named on the record (in `officers`, `leadOfficer`, `interviewer` or `capturingOfficer`,
//    compared with the collar number ignoring case and repeated spaces). OFFICIAL records need nothing more.
//    The marking is the record's classification as the merge decides it (the owner's; on a shared record the
//    highest any contributor chose). A name counts only if a force entitled to the record wrote it (the owner or
//    this node's own force; on a shared record also a contributor every other contributor addressed its part to),
//    in an entry itself marked OFFICIAL-SENSITIVE (``RecordFacts``): another force's entries can add names to a
//    record, but, as with its audience (DATA-MODEL.md §7), they cannot widen who may read what others wrote, and a
//    name put on before the record was sensitive does not open it once it is.
// 4. Clearance: `declassify` also needs a caller cleared OFFICIAL-SENSITIVE, named on the record or not, since
//    lowering a marking opens everything the record holds to uncleared officers, and widening an audience sends what
//    this force writes next to forces that did not receive it.
// Writing a new record needs only the role: its author is not restricted by the marking they give it.

public import InterforceCore

public enum Permission: String, CaseIterable, Sendable {
    case status, readRecords, writeRecords, declassify, eraseRecords, readLog, verify, administer

    /// The roles that grant it.
    public var roles: Set<Role> {
        switch self {
        case .status: [.auditor, .admin]
        case .readRecords: [.officer, .analyst, .supervisor]
        case .writeRecords, .declassify: [.officer]
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

    /// The facts of `state` as the node of `force` judges them. Names matter only on an OFFICIAL-SENSITIVE record,
    /// and one counts only if (DATA-MODEL.md §7, "names and need-to-know"):
    /// - the force that wrote it is entitled to the record: `force` itself or, on an owned record, the owner; on a
    ///   shared record a contributor that every other contributor still in it addressed its own part to
    ///   (`admits(contributor, audience, author force)`): a force the others never shared with, or never wrote
    ///   with, names no one into what they wrote;
    /// - the entry that wrote it was itself marked OFFICIAL-SENSITIVE (`marking(entry hash)`; nil: not known, does
    ///   not count): a name put on while the record, or its writer's part, was only OFFICIAL does not open it once
    ///   it is sensitive; whoever marks it so names again the officers who are to keep reading it.
    /// In the set fields a force's removes take away only its own names (RecordSchema: `officers` is per force).
    public init(_ state: RecordState, at force: String,
                admits: (_ force: String, _ audience: Audience, _ authorForce: String) -> Bool,
                marking: (_ entry: String) -> Classification?) {
        let recordMarking = state.classification ?? .official
        guard recordMarking == .officialSensitive else {
            self.init(marking: recordMarking, named: [])
            return
        }
        let remaining = state.contributions.filter { $0.value.erasure == nil }
        var entitled: [String: Bool] = [:]
        func isEntitled(_ writer: String) -> Bool {
            if let known = entitled[writer] { return known }
            let yes = writer == force || writer == state.owner || state.owner == nil && remaining.allSatisfy { other in
                other.key == writer || state.audience(of: other.key).map { admits(writer, $0, other.key) } ?? false
            }
            entitled[writer] = yes
            return yes
        }
        func counts(_ stamp: Stamp) -> Bool { isEntitled(stamp.force) && marking(stamp.entry) == .officialSensitive }
        var named: Set<String> = []
        func name(_ value: JSONValue) {
            if let s = value.string { named.insert(s) }
            for v in value.array ?? [] { if let s = v.string { named.insert(s) } }
        }
        for field in Self.officerFields {
            for c in state.contributions.values {
                if let r = c.registers[field], counts(r.stamp) { name(r.value) }
            }
            for element in state.present(field) where element.adds.contains(where: counts) { name(element.value) }
            for item in state.items(field) where counts(item.stamp) { name(item.value) }
        }
        self.init(marking: recordMarking, named: named)
    }

    /// Upper case, single spaces, trimmed: `dc  42` and `DC 42` name the same officer.
    public static func normalise(_ collar: String) -> String {
        collar.uppercased().split(whereSeparator: { $0 == " " }).joined(separator: " ")
    }
}

public enum Decision: Sendable, Equatable {
    case allow
    /// `reason` is a short code for the log (`not-registered`, `disabled`, `account-changed`, `role`,
    /// `need-to-know`, `clearance`); `message` says it to the caller.
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
        case .disabledOfficer(let o) where !caller.isNodeAccount:
            return .deny(
                reason: "disabled",
                message: "the registration of \(o.collar) (account \(caller.account)) "
                    + "is disabled")
        case .uidChanged where !caller.isNodeAccount:
            return .deny(
                reason: "account-changed",
                message: "account \(caller.account) now has uid \(caller.uid), "
                    + "not the uid it was registered with; an admin must register it again")
        case .disabledOfficer, .uidChanged: break  // the node's own account keeps admin
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
        if permission == .declassify, caller.clearance < .officialSensitive {
            return .deny(
                reason: "clearance",
                message: "\(caller.label) may not lower a record's marking or widen its audience: that needs "
                    + "clearance for OFFICIAL-SENSITIVE")
        }
        return .allow
    }
}
