// Markings and audiences across forces and officers: the live attack on issue 8 repeated against two real `serve`
// processes (Kent and Surrey, linked), with real Unix accounts as officers. Another force writing the same crime
// reference, or updating a stale copy, cannot lower the marking Kent gave its record (H1, H2: issue 6's ownership
// rule); an officer cannot lower a marking or widen an audience without clearance for OFFICIAL-SENSITIVE, and
// `record new` merging into an existing record keeps its marking and audience unless told otherwise (M1). Each
// attack is shown refused or harmless, with the log rows that record it. Needs root to create the accounts.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

@Suite(.enabled(if: TestAccounts.available, "\(TestAccounts.unavailableReason ?? "")"))
struct MarkingTests {
    /// Kent and Surrey (south-east), linked, their sockets for the officers' group, with:
    ///   at Kent    alice PC 7  officer, cleared OFFICIAL;   bob DC 42 officer, cleared OFFICIAL-SENSITIVE
    ///   at Surrey  dave  PS 9  officer, cleared OFFICIAL
    /// and each node's own account (DS 1 kent, DS 1 surrey) cleared OFFICIAL-SENSITIVE.
    struct Setup {
        let fed: Federation
        let alice: TestAccount, bob: TestAccount, dave: TestAccount

        init() throws {
            let names = TestAccounts.officerNames
            alice = try TestAccounts.account(names[0])
            bob = try TestAccounts.account(names[1])
            dave = try TestAccounts.account(names[3])
            fed = try Federation([("kent", ["south-east"]), ("surrey", ["south-east"])], links: [("kent", "surrey")],
                                 socketGroup: TestAccounts.officersGroup, start: false)
            for (force, account, collar, clearance) in [
                ("kent", alice, "PC 7", "OFFICIAL"), ("kent", bob, "DC 42", "OFFICIAL-SENSITIVE"),
                ("surrey", dave, "PS 9", "OFFICIAL"),
            ] {
                try fed.ok(force, ["officer", "add", account.name, "--collar", collar, "--name", "Officer \(collar)",
                                   "--role", "officer", "--clearance", clearance])
            }
            try fed.start("kent")
            try fed.start("surrey")
        }

        /// `record new|update ... -o json` as `account` (the node's own account when nil): record and entry.
        func write(_ force: String, _ arguments: [String], as account: TestAccount? = nil) throws
            -> (record: String, entry: String) {
            let r = try fed.cli(force, arguments + ["-o", "json"], as: account)
            try #require(r.status == 0, "\(r)")
            let o = try r.object()
            return (try #require(o["record"] as? String), try #require(o["entry"] as? String))
        }

        /// Waits until `force` has logged `kind` for `entry`, and returns that row.
        func row(_ force: String, _ kind: String, entry: String) throws -> [String: Any] {
            var found: [String: Any]?
            try waitUntil(timeout: 30, "\(kind) of \(entry.prefix(12)) at \(force)") {
                found = try fed.auditLog(force).first {
                    $0["kind"] as? String == kind && $0["entry"] as? String == entry
                }
                return found != nil
            }
            return found!
        }

        /// The header of the entry `hash` as `force` holds it.
        func header(_ force: String, _ hash: String) throws -> [String: JSONValue] {
            let line = try #require(try fed.export(force).first { (try? Envelope.hash($0)) == hash },
                                    "\(hash) at \(force)")
            return try Envelope.header(line)
        }

        func show(_ force: String, _ record: String, as account: TestAccount? = nil) throws -> RunResult {
            try fed.cli(force, ["record", "show", record, "-o", "json"], as: account)
        }
    }

    static func detail(_ row: [String: Any]) -> [String: Any] { row["detail"] as? [String: Any] ?? [:] }

    // MARK: H1: the same crime reference recorded at a peer force

    @Test func h1AnotherForceRecordingTheSameCrimeReferenceDoesNotLowerKentsMarking() throws {
        let s = try Setup()
        // Kent's DS records the crime reference OFFICIAL-SENSITIVE, for Kent only.
        let kent = try s.write("kent", ["record", "new", "case-file", "--json",
                                        #"{"title": "Informant handling", "crimeReference": "44/66666/26", "#
                                            + #""summary": "CHIS-7 meets the handler at the canal"}"#,
                                        "--classification", "OFFICIAL-SENSITIVE"])
        // Surrey's uncleared PS 9 records the same crime reference OFFICIAL, for Kent and Surrey.
        let surrey = try s.write("surrey", ["record", "new", "case-file", "--json",
                                            #"{"title": "Shed burglary", "crimeReference": "44/66666/26", "#
                                                + #""summary": "A shed was broken into"}"#,
                                            "--audience", "force:kent,force:surrey"], as: s.dave)
        #expect(surrey.record == kent.record, "one crime reference, one record")
        let accepted = try s.row("kent", "accept", entry: surrey.entry)
        #expect(Self.detail(accepted)["rights"] as? String == "shared", "\(accepted)")

        // At Kent the record stays OFFICIAL-SENSITIVE (the highest any contributor chose), so the uncleared PC reads
        // nothing of it: not by id, not by a query.
        let shown = try #require(try s.fed.show("kent", kent.record))
        #expect(shown["classification"] as? String == "OFFICIAL-SENSITIVE", "\(shown)")
        let pc = try s.show("kent", kent.record, as: s.alice)
        #expect(pc.status == 1 && !pc.stdout.contains("CHIS-7") && !pc.stdout.contains("shed"), "\(pc)")
        let found = try s.fed.cli("kent", ["query", "canal", "-o", "json"], as: s.alice)
        #expect(try found.status == 0 && found.array().isEmpty, "\(found)")
        let deny = try #require(try s.fed.rows("kent", kind: "deny").last)
        #expect(deny["account"] as? String == s.alice.name && deny["reason"] as? String == "need-to-know"
                && deny["record"] as? String == kent.record, "\(deny)")

        // Kent's DS's next plain update keeps Kent's own marking and audience: it does not reach Surrey.
        let update = try s.write("kent", ["record", "update", kent.record,
                                          "--set", "summary=CHIS-7 moved to the bridge"])
        let header = try s.header("kent", update.entry)
        #expect(header["classification"] == "OFFICIAL-SENSITIVE" && header["audience"] == Audience.authorForceOnly.json,
                "\(header)")
        let withheld = try s.row("surrey", "withheld", entry: update.entry)
        #expect(withheld["peer"] as? String == "kent", "\(withheld)")
        let atSurrey = try #require(try s.fed.show("surrey", kent.record))
        #expect(atSurrey["classification"] as? String == "OFFICIAL", "Surrey holds only its own part: \(atSurrey)")
        #expect(!"\(atSurrey)".contains("CHIS-7") && !"\(atSurrey)".contains("bridge"), "\(atSurrey)")
    }

    // MARK: H2: an update made on a stale copy at a peer force

    @Test(arguments: [false, true])
    func h2AnUpdateOnAStaleCopyAtAnotherForceDoesNotLowerTheMarking(_ shared: Bool) throws {
        let s = try Setup()
        // Kent writes an OFFICIAL record for Surrey (owned; or shared, by a crime reference), which Surrey syncs.
        let reference = shared ? #", "crimeReference": "44/77777/26""# : ""
        let kent = try s.write("kent", ["record", "new", "case-file", "--json",
                                        #"{"title": "Robbery at the market""# + reference + "}",
                                        "--audience", "force:surrey"])
        _ = try s.row("surrey", "accept", entry: kent.entry)
        // Kent raises it to OFFICIAL-SENSITIVE for Kent only: Surrey's copy stays OFFICIAL.
        let raise = try s.write("kent", ["record", "update", kent.record,
                                         "--set", "summary=The witness is an informant",
                                         "--classification", "OFFICIAL-SENSITIVE", "--audience", "force:kent"])
        _ = try s.row("surrey", "withheld", entry: raise.entry)
        #expect(try s.fed.show("surrey", kent.record)?["classification"] as? String == "OFFICIAL")

        // Surrey's uncleared PS 9 updates the stale copy; the entry reaches Kent, marked OFFICIAL. (Surrey's first
        // write to a shared record goes to Surrey only unless it names Kent: its own choice, as for a new record.)
        let stale = try s.write("surrey", ["record", "update", kent.record, "--set", "status=closed"]
                                    + (shared ? ["--audience", "force:kent"] : []), as: s.dave)
        #expect(try s.header("surrey", stale.entry)["classification"] == "OFFICIAL")
        let accepted = try s.row("kent", "accept", entry: stale.entry)
        #expect(Self.detail(accepted)["rights"] as? String == (shared ? "shared" : "contributor"), "\(accepted)")

        // Kent's marking stands: an owned record's marking is the owner's alone; a shared one's the highest.
        let shown = try #require(try s.fed.show("kent", kent.record))
        #expect(shown["classification"] as? String == "OFFICIAL-SENSITIVE", "\(shown)")
        let pc = try s.show("kent", kent.record, as: s.alice)
        #expect(pc.status == 1 && !pc.stdout.contains("informant"), "\(pc)")
        #expect(try s.fed.rows("kent", kind: "deny").last?["account"] as? String == s.alice.name)
    }

    // MARK: M1: lowering a marking or widening an audience

    @Test func m1LoweringAMarkingOrWideningAnAudienceNeedsClearanceAndIsLogged() throws {
        let s = try Setup()
        // A sensitive case at Kent, for Kent only, naming the uncleared PC 7, who may therefore read and update it.
        let heron = #"{"title": "Op Heron", "crimeReference": "44/88888/26""#
        let record = try s.write("kent", ["record", "new", "case-file", "--json",
                                          heron + #", "officers": ["PC 7"], "summary": "Surveillance of the depot"}"#,
                                          "--classification", "OFFICIAL-SENSITIVE"]).record
        #expect(try s.show("kent", record, as: s.alice).status == 0)

        // PC 7 cannot lower its marking or widen its audience, by update or by recording the crime reference again.
        let attempts = [
            ["record", "update", record, "--set", "status=open", "--classification", "OFFICIAL"],
            ["record", "update", record, "--set", "status=open", "--audience", "force:surrey"],
            ["record", "new", "case-file", "--json", heron + "}", "--classification", "OFFICIAL"],
            ["record", "new", "case-file", "--json", heron + "}", "--audience", "group:south-east"],
        ]
        for arguments in attempts {
            let r = try s.fed.cli("kent", arguments, as: s.alice)
            #expect(r.status == 1 && r.stderr.contains(
                "PC 7 (\(s.alice.name)) may not lower a record's marking or widen its audience: that needs clearance "
                    + "for OFFICIAL-SENSITIVE"), "\(arguments)\n\(r)")
        }
        let denies = try s.fed.rows("kent", kind: "deny")
        #expect(denies.count == attempts.count && denies.allSatisfy {
            $0["reason"] as? String == "clearance" && $0["record"] as? String == record
                && $0["account"] as? String == s.alice.name && $0["officer"] as? String == "PC 7"
        }, "\(denies)")
        #expect(denies.compactMap { Self.detail($0)["operation"] as? String }
                == ["record-update", "record-update", "record-new", "record-new"])
        #expect(try s.fed.rows("kent", kind: "write").filter { $0["account"] as? String == s.alice.name }.isEmpty,
                "nothing was written")

        // Writing at the record's own marking needs nothing more; the write row says the marking stayed.
        let plain = try s.write("kent", ["record", "update", record, "--set", "status=open"], as: s.alice)
        #expect(try s.header("kent", plain.entry)["classification"] == "OFFICIAL-SENSITIVE")
        let unchanged = Self.detail(try s.row("kent", "write", entry: plain.entry))
        #expect(unchanged["marking"] as? [String: String] == ["from": "OFFICIAL-SENSITIVE", "to": "OFFICIAL-SENSITIVE"],
                "\(unchanged)")
        #expect(Self.same(unchanged["audience"], ["from": Self.kentOnly, "to": Self.kentOnly]), "\(unchanged)")

        // A cleared officer recording the crime reference again with `record new` and no flags keeps its marking
        // and audience (the CLI's defaults used to make it OFFICIAL, for Kent only).
        let again = try s.write("kent", ["record", "new", "case-file", "--json", heron + #", "tags": ["depot"]}"#],
                                as: s.bob)
        #expect(again.record == record)
        #expect(try s.header("kent", again.entry)["classification"] == "OFFICIAL-SENSITIVE")
        #expect(try #require(try s.fed.show("kent", record))["classification"] as? String == "OFFICIAL-SENSITIVE")

        // The cleared officer lowers it and shares it only when told to, and the rows say so, here and at Surrey.
        let lowered = try s.write("kent", ["record", "update", record, "--set", "status=closed", "--classification",
                                           "OFFICIAL", "--audience", "force:surrey"], as: s.bob)
        let change = Self.detail(try s.row("kent", "write", entry: lowered.entry))
        let toSurrey: [String: [String]] = ["forces": ["surrey"], "groups": []]
        #expect(change["marking"] as? [String: String] == ["from": "OFFICIAL-SENSITIVE", "to": "OFFICIAL"], "\(change)")
        #expect(Self.same(change["audience"], ["from": Self.kentOnly, "to": toSurrey]), "\(change)")
        let arrived = Self.detail(try s.row("surrey", "accept", entry: lowered.entry))
        #expect(Self.same(arrived["marking"], ["from": NSNull(), "to": "OFFICIAL"]),
                "Surrey held none of it: \(arrived)")

        // `--help` states the real defaults.
        let help = try s.fed.cli("kent", ["record", "update", "--help"])
        #expect(help.status == 0 && !help.stdout.contains("OFFICIAL (default)")
                && help.stdout.contains("(default: the current marking)"), "\(help)")
    }

    static let kentOnly: [String: [String]] = ["forces": [], "groups": []]

    /// Whether a parsed JSON object equals `expected`, member by member.
    static func same(_ value: Any?, _ expected: [String: Any]) -> Bool {
        (value as? NSDictionary)?.isEqual(to: expected) ?? false
    }
}
