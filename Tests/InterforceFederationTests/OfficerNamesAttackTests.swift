// Attacks W2 and W10 (notes/attack-678.md) on need-to-know by name, with a real Unix account (PC 7, an officer
// cleared OFFICIAL only) at Hampshire's running node: names that open an OFFICIAL-SENSITIVE record count only when a
// force entitled to it wrote them, in an entry itself marked OFFICIAL-SENSITIVE. Each attack ends in the officer's
// `record show` refused, as a `deny` row (need-to-know). Needs root to create the accounts (the CI runs as root).

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

@Suite(.enabled(if: TestAccounts.available, "\(TestAccounts.unavailableReason ?? "")"))
struct OfficerNamesAttackTests {
    /// Hampshire (serving, socket for the officers' group, alice registered as PC 7, OFFICIAL) and kent, a member
    /// that never serves.
    static func setup() throws -> (Federation, HostileMember, TestAccount) {
        let alice = try TestAccounts.account(TestAccounts.officerNames[0])
        let fed = try Federation([("hampshire", ["south-east"]), ("kent", ["south-east"])],
                                 socketGroup: TestAccounts.officersGroup, start: false)
        try fed.ok("hampshire", ["officer", "add", alice.name, "--collar", "PC 7", "--name", "Alice",
                                 "--role", "officer", "--clearance", "OFFICIAL"])
        try fed.start("hampshire")
        return (fed, try HostileMember(fed, "kent"), alice)
    }

    static func showAs(_ fed: Federation, _ alice: TestAccount, _ record: String) throws -> RunResult {
        try fed.cli("hampshire", ["record", "show", record, "--purpose", "investigation: 44/900/26"], as: alice)
    }

    static func lastDeny(_ fed: Federation, _ record: String) throws -> [String: Any]? {
        try fed.rows("hampshire", kind: "deny").last { $0["record"] as? String == record }
    }

    // MARK: W2: a force outside the audience names an uncleared officer

    @Test func w2AForceOutsideTheAudienceCannotNameAnOfficerIntoASensitiveSharedRecord() throws {
        let (fed, kent, alice) = try Self.setup()
        let record = try fed.write(
            "hampshire", "case-file",
            #"{"crimeReference": "44/900/26", "title": "CHIS handler notes", "people": [{"role": "witness", "name": "Source ALPHA"}]}"#,
            audience: "force:hampshire", classification: "OFFICIAL-SENSITIVE").record
        #expect(try Self.showAs(fed, alice, record).status == 1)
        // Kent never held the record: it writes blind, to Hampshire, naming PC 7, marked OFFICIAL-SENSITIVE.
        let blind = kent.sign(record: record, payload: ["set": ["crimeReference": "44/900/26", "title": "x"],
                                                        "add": ["officers": ["PC 7"]]],
                              audience: try Audience(forces: ["hampshire"]), classification: "OFFICIAL-SENSITIVE")
        #expect(try kent.pushOne(blind, to: "hampshire")["outcome"] as? String == "accepted")
        let shown = try Self.showAs(fed, alice, record)
        #expect(shown.status == 1 && !shown.stdout.contains("ALPHA") && shown.stderr.contains("no record"), "\(shown)")
        let deny = try #require(try Self.lastDeny(fed, record))
        #expect(deny["reason"] as? String == "need-to-know" && deny["account"] as? String == alice.name, "\(deny)")
        // Once Hampshire addresses its part to Kent, Kent is entitled to it, and Kent's names count.
        try fed.ok("hampshire", "record", "update", record, "--set", "status=open", "--audience", "force:kent")
        #expect(try Self.showAs(fed, alice, record).status == 0)
    }

    // MARK: W10: an uncleared officer names themself in advance

    @Test func w10NamesPutOnBeforeARecordWasMarkedSensitiveDoNotOpenIt() throws {
        let (fed, _, alice) = try Self.setup()
        let seeded = try fed.cli("hampshire", ["record", "new", "case-file", "--json",
                                               #"{"crimeReference": "44/1000/26", "title": "t", "status": "open", "officers": ["PC 7"]}"#,
                                               "-o", "json"], as: alice)
        let record = try #require(try seeded.object()["record"] as? String, "\(seeded)")
        // The detective (the node's own account, cleared) files the sensitive case under the same reference.
        let merged = try fed.ok("hampshire", "record", "new", "case-file", "--classification", "OFFICIAL-SENSITIVE",
                                "--json", #"{"crimeReference": "44/1000/26", "title": "Covert: source BRAVO meets Tuesdays", "status": "open"}"#,
                                "-o", "json").object()
        #expect(merged["record"] as? String == record
                && (merged["note"] as? String)?.contains("officers named on it before") == true, "\(merged)")
        let shown = try Self.showAs(fed, alice, record)
        #expect(shown.status == 1 && !shown.stdout.contains("BRAVO"), "\(shown)")
        let deny = try #require(try Self.lastDeny(fed, record))
        #expect(deny["reason"] as? String == "need-to-know" && deny["officer"] as? String == "PC 7", "\(deny)")
        // Named again in a sensitive entry, by someone who may, PC 7 reads it.
        try fed.ok("hampshire", "record", "update", record, "--add", "officers=PC 7")
        let named = try Self.showAs(fed, alice, record)
        #expect(named.status == 0 && named.stdout.contains("BRAVO"), "\(named)")
    }
}
