// Attacks W1 and W8 (notes/attack-678.md) on the ownership rules of issue 6, against real `serve` processes: a
// member pre-creating a crime reference to choose the audience of another force's later case (W1), and a member
// taking off the names the owner put on its record (W8). The hostile member is kent (HostileMember.swift).
// W2 and W10 need real officer accounts: OfficerNamesAttackTests.swift.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

extension HostileMemberTests {
    // MARK: W1: natural-key pre-emption

    @Test func w1AMemberThatWritesACrimeReferenceFirstDoesNotChooseWhoReceivesTheNextForcesCase() throws {
        let (fed, kent) = try Self.federation()
        let record = RecordID.natural(type: .caseFile, key: "44/777/26")
        let seed = kent.sign(record: record, payload: HostileMember.set(["crimeReference": "44/777/26",
                                                                          "title": "placeholder"]),
                             audience: try Audience(forces: ["hampshire", "kent"]))
        #expect(try kent.pushOne(seed, to: "hampshire")["outcome"] as? String == "accepted")

        // Hampshire's `record new` merges, says so, and addresses its entry to Hampshire only (its documented default).
        let written = try fed.ok("hampshire", "record", "new", "case-file", "--json",
                                 Fixtures.caseDocument(reference: "44/777/26", title: "covert informant SMITH").canonicalText,
                                 "-o", "json").object()
        #expect(written["record"] as? String == record)
        #expect((written["note"] as? String)?.contains("merged into the existing record") == true
                && (written["note"] as? String)?.contains("never another contributor's") == true, "\(written)")
        let line = try #require(try fed.export("hampshire").first { (try? Envelope.hash($0)) == written["entry"] as? String })
        #expect(try Envelope.header(line)["audience"] == Audience.authorForceOnly.json)
        let row = try #require(try fed.rows("hampshire", kind: "write").last)
        let audience = (row["detail"] as? [String: Any])?["audience"] as? [String: Any]
        #expect(row["entry"] as? String == written["entry"] as? String
                && (audience?["to"] as? [String: Any])?["forces"] as? [String] == [], "\(row)")

        // Kent asks Hampshire for its feed: the case comes as a withheld marker, never its content.
        let feed = fed.member("hampshire").feed.replacingOccurrences(of: "/", with: "%2F")
        let page = try kent.get("/v1/feeds/entries?feed=\(feed)&after=0", from: "hampshire")
        #expect(page.status == 200 && page.body.contains("withheld") && !page.body.contains("SMITH"), "\(page)")
        // Surrey, in the group, does not get it either.
        try fed.ok("hampshire", "sync", "--timeout", "10")
        #expect(try fed.show("surrey", record) == nil)
        // Widening Hampshire's first write there is its own choice, as for a new record.
        try fed.ok("hampshire", "record", "update", record, "--set", "status=charged")
    }

    // MARK: W8: a member taking off the owner's names

    @Test func w8AMemberCannotTakeOffTheNamesTheOwnerPutOnItsRecordAndShowMatchesWhatCounts() throws {
        let (fed, kent) = try Self.federation()
        let owned = try fed.write(
            "hampshire", "case-file",
            #"{"title": "Op Wren", "status": "open", "leadOfficer": "PC 7", "officers": ["PC 7"]}"#,
            audience: "group:south-east", classification: "OFFICIAL-SENSITIVE")
        let origin = try fed.origin("hampshire", record: owned.record)
        try waitUntil(timeout: 20, "the case at surrey") { try fed.show("surrey", owned.record) != nil }

        // At Surrey the CLI refuses to take off Hampshire's name.
        let local = try fed.cli("surrey", "record", "update", owned.record, "--remove", "officers=PC 7")
        #expect(local.status == 1 && local.stderr.contains("put on the record by another force"), "\(local)")

        // Kent signs the remove itself, naming Hampshire's add, and sets its own lead officer: admitted, the remove
        // logged as ignored (not-own-name), and Hampshire's names stay, each lead officer shown with its force.
        let hostile = kent.sign(record: owned.record, payload: [
            "set": ["leadOfficer": "DC 99"],
            "remove": ["officers": [["value": "PC 7", "tags": [.string(owned.entry)]]]],
        ], audience: try Audience(groups: ["south-east"]), classification: "OFFICIAL-SENSITIVE", origin: origin)
        #expect(try kent.pushOne(hostile, to: "hampshire")["outcome"] as? String == "accepted")
        let ignored = try #require(try fed.rows("hampshire", kind: "ignored").last)
        let hostileHash = try Envelope.hash(hostile.canonicalText)
        #expect(ignored["reason"] as? String == "not-own-name" && ignored["entry"] as? String == hostileHash
                && message(ignored).contains("kent cannot take off officers=PC 7"), "\(ignored)")
        let shown = try #require(try fed.show("hampshire", owned.record))
        #expect((shown["fields"] as? [String: Any])?["officers"] as? [String] == ["PC 7"], "\(shown)")
        let leads = ((shown["perForce"] as? [String: Any])?["leadOfficer"] as? [[String: Any]] ?? [])
            .map { "\($0["force"] ?? "?")=\($0["value"] ?? "?")" }
        #expect(leads == ["hampshire=PC 7", "kent=DC 99"], "\(shown)")
        let text = try fed.ok("hampshire", "record", "show", owned.record).stdout
        #expect(text.contains("leadOfficer (hampshire)") && text.contains("officers[0]"), "\(text)")

        // The owner can still take its own name off.
        try fed.ok("hampshire", "record", "update", owned.record, "--remove", "officers=PC 7")
        let after = try #require(try fed.show("hampshire", owned.record))
        #expect((after["fields"] as? [String: Any])?["officers"] == nil, "\(after)")
        try fed.converge(["hampshire", "surrey"])
    }
}
