// The policy function, table-driven: every role (alone, none, all) × clearance × marking × relationship (named on
// the record or not) for each record permission, and every role for each permission not about a record. The table's
// expectations are written out here from docs/SECURITY.md §5, not computed from the code's role sets, so a change to
// either shows up.

import InterforceCore
import InterforceTestSupport
import Testing

@testable import InterforceNode

struct PolicyTests {
    static let roleSets: [Set<Role>] = [[]] + Role.allCases.map { [$0] } + [Set(Role.allCases)]

    static func caller(
        _ roles: Set<Role>, clearance: Classification, collar: String = "PC 7",
        nodeAccount: Bool = false
    ) throws -> Caller {
        let standing: Caller.Standing =
            roles.isEmpty
            ? .unregistered
            : .registered(
                try Officer(
                    account: "alice", uid: 1001, collar: collar, name: "Alice", force: "sussex",
                    roles: roles, clearance: clearance))
        return Caller(uid: 1001, account: "alice", standing: standing, isNodeAccount: nodeAccount)
    }

    /// The expected answer, from the documented rules.
    static func expected(
        _ roles: Set<Role>, _ permission: Permission, clearance: Classification,
        marking: Classification, named: Bool
    ) -> String {
        if roles.isEmpty { return "not-registered" }
        let granted: Bool =
            switch permission {
            case .readRecords: !roles.isDisjoint(with: [.officer, .analyst, .supervisor])
            case .writeRecords, .declassify: roles.contains(.officer)
            case .eraseRecords: roles.contains(.supervisor)
            default: false
            }
        guard granted else { return "role" }
        if marking == .officialSensitive && clearance == .official && !named { return "need-to-know" }
        // Lowering a marking or widening an audience: only with clearance, named on the record or not.
        if permission == .declassify && clearance == .official { return "clearance" }
        return "allow"
    }

    static func verdict(_ d: Decision) -> String {
        if case .deny(let reason, _) = d { return reason }
        return "allow"
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let roles: Set<Role>
        let permission: Permission
        let clearance: Classification
        let marking: Classification
        let named: Bool
        var testDescription: String {
            "\(roles.sorted().map(\.rawValue).joined(separator: "+").nonEmpty ?? "none") \(permission.rawValue) "
                + "clearance \(clearance.rawValue) marking \(marking.rawValue) \(named ? "named" : "not named")"
        }
    }

    static let recordCases: [Case] = roleSets.flatMap { roles in
        [Permission.readRecords, .writeRecords, .declassify, .eraseRecords].flatMap { permission in
            Classification.allCases.flatMap { clearance in
                Classification.allCases.flatMap { marking in
                    [false, true].map {
                        Case(
                            roles: roles, permission: permission, clearance: clearance,
                            marking: marking, named: $0)
                    }
                }
            }
        }
    }

    @Test(arguments: recordCases)
    func recordPermission(_ c: Case) throws {
        let who = try Self.caller(c.roles, clearance: c.clearance)
        // Named as the record writes it: another spacing and case of the same collar number.
        let facts = RecordFacts(marking: c.marking, named: c.named ? ["pc  7", "DC 42"] : ["DC 42"])
        #expect(
            Self.verdict(Policy.decide(who, c.permission, record: facts))
                == Self.expected(c.roles, c.permission, clearance: c.clearance, marking: c.marking, named: c.named))
    }

    @Test func recordCasesCoverEveryCombination() {
        #expect(Self.recordCases.count == 7 * 4 * 2 * 2 * 2)
    }

    /// Permissions not about a record: which roles grant them.
    static let granting: [Permission: Set<Role>] = [
        .status: [.auditor, .admin], .readLog: [.auditor], .verify: [.auditor, .admin], .administer: [.admin],
        .readRecords: [.officer, .analyst, .supervisor], .writeRecords: [.officer], .eraseRecords: [.supervisor],
        .declassify: [.officer],
    ]

    @Test(arguments: Permission.allCases)
    func rolesForEachPermission(_ permission: Permission) throws {
        for roles in Self.roleSets {
            let who = try Self.caller(roles, clearance: .officialSensitive)
            let expected =
                roles.isEmpty
                ? "not-registered"
                : (roles.isDisjoint(with: Self.granting[permission]!) ? "role" : "allow")
            #expect(Self.verdict(Policy.decide(who, permission)) == expected, "\(roles) \(permission)")
        }
    }

    @Test func theNodesOwnAccountIsAlwaysAnAdminAndReadsOnlyWithAReadingRole() throws {
        let unregistered = Caller(uid: 0, account: "root", standing: .unregistered, isNodeAccount: true)
        #expect(Policy.decide(unregistered, .administer) == .allow)
        #expect(Policy.decide(unregistered, .status) == .allow)
        #expect(Self.verdict(Policy.decide(unregistered, .readRecords)) == "role")
        #expect(Self.verdict(Policy.decide(unregistered, .readLog)) == "role")
        let officer = try Officer(
            account: "root", uid: 0, collar: "DS 1", name: "Root", force: "kent", roles: [.analyst],
            clearance: .official)
        let disabled = Caller(uid: 0, account: "root", standing: .disabledOfficer(officer), isNodeAccount: true)
        #expect(Policy.decide(disabled, .administer) == .allow, "disabling its registration cannot lock a node out")
        #expect(Self.verdict(Policy.decide(disabled, .readRecords)) == "role")
    }

    @Test func standingOtherThanRegisteredIsRefusedWithItsReason() throws {
        let officer = try Officer(
            account: "alice", uid: 1001, collar: "PC 7", name: "Alice", force: "kent",
            roles: Set(Role.allCases), clearance: .officialSensitive)
        for (standing, reason) in [
            (Caller.Standing.disabledOfficer(officer), "disabled"),
            (.uidChanged(officer), "account-changed"), (.unregistered, "not-registered"),
        ] {
            let who = Caller(uid: 1001, account: "alice", standing: standing, isNodeAccount: false)
            for permission in Permission.allCases {
                #expect(Self.verdict(Policy.decide(who, permission)) == reason)
            }
        }
    }

    @Test func namesOnTheRecordAreTakenFromItsOfficerFields() throws {
        let node = try Fixtures.memoryNode(force: "kent", clock: TestClock())
        var state = RecordState(id: "in-" + String(repeating: "0", count: 32), type: .interviewNote)
        #expect(node.facts(state).marking == .official && node.facts(state).named.isEmpty)
        let entry = try node.create(
            type: .interviewNote,
            document: ["interviewee": "A", "interviewer": "dc 42", "officers": ["PC 7", "PC  8 "]],
            classification: .officialSensitive, audience: .authorForceOnly, officer: "x")
        state = try #require(try node.store.recordState(entry.header.record))
        let facts = node.facts(state)
        #expect(facts.marking == .officialSensitive)
        #expect(facts.named == ["DC 42", "PC 7", "PC 8"])
    }

    /// Ownership and need-to-know together: another force may add names to a record it does not own, but they do
    /// not open the owner's OFFICIAL-SENSITIVE record to those names anywhere but at that force's own node; on a
    /// shared record every contributor's names count.
    @Test func onlyTheOwnerOrThisNodesForceNamesOfficersWhoMayRead() throws {
        let clock = TestClock()
        let kent = try Fixtures.memoryNode(force: "kent", clock: clock)
        let surrey = try Fixtures.memoryNode(force: "surrey", clock: clock)
        try Fixtures.trustAll([kent, surrey])
        func exchange() throws {
            for (to, from) in [(kent, surrey), (surrey, kent)] {
                var all: [EntryEnvelope] = []
                try from.store.forEachEntry { all.append($0.envelope) }
                _ = try to.ingest(all, peer: from.config.force)
            }
        }
        let both = try Audience(forces: ["kent", "surrey"])
        let note = try kent.create(
            type: .interviewNote, document: ["interviewee": "A", "interviewer": "DC 42"],
            classification: .officialSensitive, audience: both, officer: "x").header.record
        try exchange()
        _ = try surrey.update(recordID: note, patch: ["add": ["officers": ["PC 9"]]], officer: "y")
        try exchange()
        let atKent = try #require(try kent.store.recordState(note)), atSurrey = try #require(try surrey.store.recordState(note))
        #expect(atKent.document["officers"] == ["PC 9"], "the name is part of the record everywhere")
        #expect(kent.facts(atKent).named == ["DC 42"], "Surrey's name does not open Kent's record at Kent")
        #expect(surrey.facts(atSurrey).named == ["DC 42", "PC 9"], "at Surrey, Surrey's own name counts")
        let uncleared = try Self.caller([.officer], clearance: .official, collar: "PC 9")
        #expect(Self.verdict(Policy.decide(uncleared, .readRecords, record: kent.facts(atKent))) == "need-to-know")
        #expect(Policy.decide(uncleared, .readRecords, record: surrey.facts(atSurrey)) == .allow)

        // A shared record (a crime reference): no owner, so Surrey's names count at Kent too, as Kent addressed its
        // part to Surrey; Surrey's first write there goes to Surrey only unless it says otherwise.
        let shared = try kent.create(
            type: .caseFile, document: ["title": "Burglary", "crimeReference": "44/7/26"],
            classification: .officialSensitive, audience: both, officer: "x").header.record
        try exchange()
        #expect(try surrey.writeAudience(try #require(try surrey.store.recordState(shared))) == .authorForceOnly)
        _ = try surrey.update(recordID: shared, patch: ["set": ["leadOfficer": "PC 9"]], audience: both, officer: "y")
        try exchange()
        #expect(kent.facts(try #require(try kent.store.recordState(shared))).named == ["PC 9"])
    }
}

extension PolicyTests {
    /// What asks for `declassify`: a write whose marking is below, or whose audience names a force or group beyond,
    /// what this force's entries to the record carry by default.
    @Test func loweringAMarkingOrWideningAnAudienceIsWhatNeedsDeclassify() throws {
        let clock = TestClock()
        let kent = try Fixtures.memoryNode(force: "kent", clock: clock)
        let surrey = try Fixtures.memoryNode(force: "surrey", clock: clock)
        try Fixtures.trustAll([kent, surrey])
        let owned = try kent.create(
            type: .caseFile, document: ["title": "Op Heron"], classification: .officialSensitive,
            audience: try Audience(forces: ["surrey"]), officer: "x")
        let state = try #require(try kent.store.recordState(owned.header.record))
        let cases: [(Classification?, Audience?, Bool)] = [
            (nil, nil, false), (.officialSensitive, nil, false), (.official, nil, true),
            (nil, try Audience(forces: ["surrey"]), false), (nil, .authorForceOnly, false),
            (nil, try Audience(forces: ["kent"]), false), (nil, try Audience(forces: ["kent", "surrey"]), false),
            (nil, try Audience(forces: ["surrey", "sussex"]), true), (nil, try Audience(groups: ["south-east"]), true),
        ]
        for (classification, audience, expected) in cases {
            #expect(
                try kent.loosens(state, classification: classification, audience: audience) == expected,
                "\(classification?.rawValue ?? "-") \(audience?.summary ?? "-")")
        }
        // A shared record: Kent's own part is OFFICIAL and Surrey's OFFICIAL-SENSITIVE. Kent writing OFFICIAL keeps
        // its own marking; Sussex, which never wrote to it, would lower the highest.
        let shared = try surrey.create(
            type: .caseFile, document: ["title": "Op Kite", "crimeReference": "44/9/26"],
            classification: .officialSensitive, audience: try Audience(forces: ["kent", "sussex"]), officer: "y")
        var all: [EntryEnvelope] = []
        try surrey.store.forEachEntry { all.append($0.envelope) }
        _ = try kent.ingest(all, peer: "surrey")
        _ = try kent.create(
            type: .caseFile, document: ["title": "Op Kite", "crimeReference": "44/9/26"], classification: .official,
            officer: "x")
        let merged = try #require(try kent.store.recordState(shared.header.record))
        #expect(merged.classification == .officialSensitive)
        #expect(try !kent.loosens(merged, classification: .official, audience: nil))
        let sussex = try Fixtures.memoryNode(force: "sussex", clock: clock)
        try Fixtures.trustAll([sussex, surrey, kent])
        _ = try sussex.ingest(all, peer: "surrey")
        let atSussex = try #require(try sussex.store.recordState(shared.header.record))
        #expect(try sussex.loosens(atSussex, classification: .official, audience: nil))
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
