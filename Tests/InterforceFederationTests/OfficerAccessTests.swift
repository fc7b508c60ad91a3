// Officers as principals, with real Unix accounts against a running node (`serve`, its socket 0660 for the
// officers' group): the node knows each caller from the kernel, the registry gives them roles and clearance, and the
// policy decides. An officer cannot read a sensitive record they are not cleared for or named on (a query does not
// even show it exists), cannot write under another officer's name, cannot run admin commands; an auditor reads the
// log but no record content; an account that is not an officer gets nothing; each refusal is a `deny` row with the
// account and the reason. Needs root to create the accounts (the CI runs as root).

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: TestAccounts.available, "\(TestAccounts.unavailableReason ?? "")"))
struct OfficerAccessTests {
    /// One running node (Sussex) whose socket is for the officers' group, with:
    ///   alice  PC 7    officer, cleared OFFICIAL
    ///   bob    DC 42   officer and analyst, cleared OFFICIAL-SENSITIVE
    ///   carol  AUD 1   auditor
    ///   dave   (in the officers' group, not registered)     eve (not in the group)
    /// and a sensitive interview note and an OFFICIAL case file written by the node's own account (DS 1 sussex).
    struct Setup {
        let fed: Federation
        let alice: TestAccount, bob: TestAccount, carol: TestAccount, dave: TestAccount, eve: TestAccount
        let note: String
        let caseFile: String

        init() throws {
            let names = TestAccounts.officerNames
            alice = try TestAccounts.account(names[0])
            bob = try TestAccounts.account(names[1])
            carol = try TestAccounts.account(names[2])
            dave = try TestAccounts.account(names[3])
            eve = try TestAccounts.account(TestAccounts.outsiderName)
            fed = try Federation([("sussex", ["south-east"])], socketGroup: TestAccounts.officersGroup, start: false)
            for (account, collar, roles, clearance) in [
                (alice, "PC 7", "officer", "OFFICIAL"),
                (bob, "DC 42", "officer,analyst", "OFFICIAL-SENSITIVE"),
                (carol, "AUD 1", "auditor", "OFFICIAL"),
            ] {
                try fed.ok(
                    "sussex",
                    [
                        "officer", "add", account.name, "--collar", collar, "--name", "Officer \(collar)",
                        "--role", roles, "--clearance", clearance,
                    ])
            }
            try fed.start("sussex")
            note = try fed.write(
                "sussex", "interview-note",
                """
                {"interviewee": "Alex Smith", "interviewer": "DC 42", "paragraphs": ["The back door was forced."]}
                """, classification: "OFFICIAL-SENSITIVE"
            ).record
            caseFile = try fed.write("sussex", "case-file", #"{"title": "Burglary at Elm Road", "tags": ["elm"]}"#)
                .record
        }

        func cli(
            _ account: TestAccount?, _ arguments: [String], stdin: String? = nil,
            environment: [String: String] = [:]
        ) throws -> RunResult {
            try fed.cli("sussex", arguments, as: account, stdin: stdin, environment: environment)
        }

        /// The node's `deny` rows, oldest first.
        func denies() throws -> [[String: Any]] {
            try fed.auditLog("sussex").filter { $0["kind"] as? String == "deny" }
        }
    }

    static func detail(_ row: [String: Any]) -> [String: Any] { row["detail"] as? [String: Any] ?? [:] }

    @Test func filesAndSocketAreOwnerOnlyButTheSocketIsReachableByTheOfficersGroup() throws {
        let s = try Setup()
        let m = s.fed.member("sussex")
        var info = stat()
        let gid = try TestAccounts.officersGID()
        #expect(
            stat(m.socket, &info) == 0 && info.st_mode & 0o777 == 0o660 && info.st_gid == gid,
            "socket \(String(info.st_mode & 0o777, radix: 8)) gid \(info.st_gid)")
        #expect(
            stat(m.data, &info) == 0 && info.st_mode & 0o777 == 0o710 && info.st_gid == gid,
            "the data directory lets the group reach the socket and nothing else")
        for file in ["config.json", "node.key", "store.db"] {
            #expect(
                stat(m.data + "/" + file, &info) == 0 && info.st_mode & 0o777 == 0o600 && info.st_uid == geteuid(),
                "\(file) stays the node's account's only")
        }
        // An officer can neither list the directory nor open the store, the key or the config.
        let peek = try s.fed.run("/bin/cat", [m.data + "/node.key"], as: s.alice)
        #expect(peek.status != 0 && peek.stdout.isEmpty, "\(peek)")
        let listing = try s.fed.run("/bin/ls", [m.data], as: s.alice)
        #expect(listing.status != 0, "\(listing)")
        let sqlite = try s.fed.run("/usr/bin/env", ["sqlite3", m.store, "SELECT count(*) FROM records"], as: s.alice)
        #expect(sqlite.status != 0 && !sqlite.stdout.contains("2"), "\(sqlite)")
    }

    @Test func anOfficerCannotReadASensitiveRecordTheyAreNotClearedForOrNamedOn() throws {
        let s = try Setup()
        let purpose = ["--purpose", "investigation: op ELM 44/1/26"]
        // Refused with a clear message, a deny row each, and no content.
        for arguments in [
            ["record", "show", s.note], ["record", "history", s.note], ["watch", "--record", s.note, "--for", "1"],
            ["record", "update", s.note, "--append", "Alice was here."],
        ] {
            let r = try s.cli(s.alice, arguments + (arguments[1] == "update" ? [] : purpose))
            #expect(r.status == 1, "\(arguments)\n\(r)")
            #expect(r.stderr.contains("is OFFICIAL-SENSITIVE and PC 7 (\(s.alice.name)) is neither cleared"), "\(r)")
            #expect(!r.stdout.contains("back door") && !r.stderr.contains("back door"), "\(r)")
        }
        // A query never shows that it exists: not in the results, not in the count, not in the logged count.
        for text in [[], ["back", "door"], ["Alex"]] {
            let found = try s.cli(s.alice, ["query"] + text + purpose + ["-o", "json"])
            #expect(found.status == 0, "\(found)")
            let ids = try found.array().compactMap { $0["id"] as? String }
            #expect(!ids.contains(s.note), "\(text): \(ids)")
        }
        let everything = try s.cli(s.alice, ["query"] + purpose)
        #expect(everything.stderr.contains("1 record(s)") && everything.stdout.contains(s.caseFile), "\(everything)")
        // An export replaces its entries by withheld markers.
        let export = try s.cli(s.alice, ["entries", "export"] + purpose)
        #expect(export.status == 0 && export.stderr.contains("1 withheld"), "\(export)")
        #expect(!export.stdout.contains("back door") && export.stdout.contains("\"withheld\""), "\(export)")

        let denies = try s.denies()
        #expect(denies.count == 4, "\(denies)")
        for row in denies {
            #expect(row["account"] as? String == s.alice.name && row["officer"] as? String == "PC 7", "\(row)")
            #expect(row["reason"] as? String == "need-to-know" && row["record"] as? String == s.note, "\(row)")
        }
        #expect(
            denies.compactMap { Self.detail($0)["operation"] as? String }
                == ["record-show", "record-history", "watch", "record-update"])
        let queries = try s.fed.auditLog("sussex").filter {
            $0["kind"] as? String == "query" && $0["account"] as? String == s.alice.name
        }
        #expect(queries.count == 4 && queries.allSatisfy { (int(Self.detail($0)["results"]) ?? -1) <= 1 }, "\(queries)")

        // Bob is cleared: he reads it. Alice may once she is named on it.
        let bob = try s.cli(s.bob, ["record", "show", s.note] + purpose)
        #expect(bob.status == 0 && bob.stdout.contains("back door"), "\(bob)")
        try s.fed.ok("sussex", "record", "update", s.note, "--add", "officers=PC 7")
        let named = try s.cli(s.alice, ["record", "show", s.note] + purpose)
        #expect(named.status == 0 && named.stdout.contains("back door"), "\(named)")
        let reads = try s.fed.auditLog("sussex").filter {
            $0["kind"] as? String == "read" && $0["record"] as? String == s.note
        }
        #expect(reads.compactMap { $0["account"] as? String } == [s.bob.name, s.alice.name], "\(reads)")
    }

    @Test func anOfficerCannotWriteUnderAnotherOfficersName() throws {
        let s = try Setup()
        // The environment and the flag that used to name the writer change nothing, or are refused.
        let written = try s.cli(
            s.alice,
            [
                "record", "new", "case-file", "--json", #"{"title": "Robbery at Mill Road"}"#,
                "-o", "json",
            ], environment: ["INTERFORCE_OFFICER": "DC 42"])
        #expect(written.status == 0, "\(written)")
        let record = try #require(try written.object()["record"] as? String)
        let flagged = try s.cli(
            s.alice, ["record", "new", "case-file", "--json", #"{"title": "x"}"#, "--officer", "DC 42"])
        #expect(flagged.status == 64 && flagged.stderr.contains("unknown option '--officer'"), "\(flagged)")
        // A request that names an officer itself is refused before anything is done.
        let socket = s.fed.member("sussex").socket
        let forged = try s.fed.run(
            "/usr/bin/env",
            [
                "curl", "-sS", "--unix-socket", socket, "-H", "Content-Type: application/json", "--data",
                #"{"requestId": "0123456789abcdef0123", "type": "case-file", "document": {"title": "Forged"}, "#
                    + #""classification": "OFFICIAL", "audience": {"forces": [], "groups": []}, "officer": "DC 42"}"#,
                "http://localhost/local/v1/record-new",
            ], as: s.alice)
        #expect(
            forged.stdout.contains("\"malformed\"") && forged.stdout.contains("unknown member 'officer'"), "\(forged)")
        let writes = try s.fed.auditLog("sussex").filter {
            $0["kind"] as? String == "write" && $0["record"] as? String == record
        }
        #expect(
            writes.count == 1 && writes[0]["officer"] as? String == "PC 7"
                && writes[0]["account"] as? String == s.alice.name,
            "\(writes)")
        #expect(
            try s.fed.auditLog("sussex").filter {
                $0["officer"] as? String == "DC 42" && $0["kind"] as? String == "write"
            }
            .isEmpty, "nothing was written as DC 42")
        // An auditor and an unregistered account cannot write at all.
        for account in [s.carol, s.dave] {
            let r = try s.cli(account, ["record", "new", "case-file", "--json", #"{"title": "x"}"#])
            #expect(r.status == 1, "\(r)")
        }
        #expect(int(try s.fed.status("sussex")["records"]) == 3)
    }

    @Test func anOfficerCannotRunAdminCommands() throws {
        let s = try Setup()
        // The membership document comes on stdin: the file the authority wrote is the node account's only.
        let membership = try String(contentsOfFile: s.fed.tmp.file("membership-v1.signed.json"), encoding: .utf8)
        let admin: [[String]] = [
            ["officer", "add", s.dave.name, "--collar", "PC 99", "--name", "Dave", "--role", "admin"],
            ["officer", "list"], ["officer", "show", s.bob.name], ["officer", "disable", s.bob.name],
            ["membership", "install", "-"],
            [
                "trust", "add", "--feed", "kent/0123456789abcdef", "--key",
                String(repeating: "ab", count: 32),
            ],
            ["audit", "checkpoint"], ["entries", "ingest", "-"], ["peers", "list"], ["peers", "status"], ["sync"],
        ]
        for arguments in admin {
            let r = try s.cli(s.alice, arguments, stdin: arguments[0] == "membership" ? membership : "")
            #expect(r.status == 1 && r.stderr.contains("needs the role admin"), "\(arguments)\n\(r)")
        }
        // Her own registration she may see.
        let own = try s.cli(s.alice, ["officer", "show", "-o", "json"])
        #expect(own.status == 0 && (try? own.object()["collar"] as? String) == "PC 7", "\(own)")
        let denies = try s.denies()
        #expect(denies.count == admin.count, "\(denies.count)")
        #expect(denies.allSatisfy { $0["account"] as? String == s.alice.name && $0["reason"] as? String == "role" })
        #expect(
            try s.fed.auditLog("sussex").filter { $0["kind"] as? String == "officer-registered" }.count == 4,
            "root, alice, bob and carol only")
    }

    @Test func anAuditorReadsTheLogButNoRecordContent() throws {
        let s = try Setup()
        let purpose = ["--purpose", "audit: quarterly review"]
        let log = try s.cli(s.carol, ["audit", "log", "--limit", "1000", "-o", "json"] + purpose)
        #expect(try log.status == 0 && log.array().count > 5, "\(log)")
        let export = try s.cli(s.carol, ["audit", "export"] + purpose)
        #expect(export.status == 0 && export.stdout.split(separator: "\n").count > 5, "\(export)")
        #expect(try s.cli(s.carol, ["audit", "verify"]).status == 0)
        #expect(try s.cli(s.carol, ["status"]).status == 0)
        for arguments in [
            ["record", "show", s.caseFile], ["record", "history", s.caseFile], ["query", "Burglary"],
            ["entries", "export"], ["watch", "--for", "1"],
        ] {
            let r = try s.cli(s.carol, arguments + purpose)
            #expect(r.status == 1 && r.stderr.contains("needs the role officer, analyst or supervisor"), "\(r)")
            #expect(!r.stdout.contains("Elm Road") && !r.stdout.contains("back door"), "\(r)")
        }
        // Nothing in what the auditor saw is record content.
        #expect(!log.stdout.contains("Elm Road") && !export.stdout.contains("back door"))
        let denies = try s.denies()
        #expect(
            denies.count == 5
                && denies.allSatisfy {
                    $0["account"] as? String == s.carol.name
                        && $0["reason"] as? String == "role" && $0["purpose"] as? String == "audit: quarterly review"
                }, "\(denies)")
        // The auditor filters by purpose code.
        let audits = try s.cli(s.carol, ["audit", "log", "--for", "audit", "-o", "json"] + purpose).array()
        #expect(!audits.isEmpty && audits.allSatisfy { ($0["purpose"] as? String)?.hasPrefix("audit: ") == true })
    }

    @Test func anAccountThatIsNotAnOfficerGetsNothing() throws {
        let s = try Setup()
        // In the group, not registered: the node refuses and logs who asked.
        for arguments in [["status"], ["record", "show", s.caseFile, "--purpose", "investigation: x"]] {
            let r = try s.cli(s.dave, arguments)
            #expect(r.status == 1 && r.stderr.contains("account \(s.dave.name) is not registered"), "\(r)")
        }
        let denies = try s.denies()
        #expect(
            denies.count == 2
                && denies.allSatisfy {
                    $0["account"] as? String == s.dave.name
                        && $0["officer"] is NSNull && $0["reason"] as? String == "not-registered"
                }, "\(denies)")
        // Outside the group: the kernel refuses the connection; the node never hears of it.
        let outsider = try s.cli(s.eve, ["status"])
        #expect(outsider.status == 1 && outsider.stderr.contains("permission denied"), "\(outsider)")
        #expect(try s.denies().count == 2)
        // A disabled officer is refused too.
        try s.fed.ok("sussex", "officer", "disable", s.bob.name)
        let disabled = try s.cli(s.bob, ["record", "show", s.note, "--purpose", "investigation: x"])
        #expect(disabled.status == 1 && disabled.stderr.contains("is disabled"), "\(disabled)")
        #expect(try s.denies().last?["reason"] as? String == "disabled")
    }

    @Test func withTheNodeStoppedOfficersAreToldItIsNotRunning() throws {
        let s = try Setup()
        try s.fed.stop("sussex")
        for account in [s.alice, s.carol, s.dave] {
            let r = try s.cli(account, ["query", "--purpose", "investigation: x"])
            #expect(r.status == 1, "\(r)")
            #expect(
                r.stderr.contains("is not running")
                    && r.stderr.contains("only its own account (\(currentAccountName))"),
                "\(r)")
        }
        // The node's own account still administers and, registered with a reading role, reads.
        #expect(try s.fed.cli("sussex", ["officer", "list"]).status == 0)
        #expect(try s.fed.cli("sussex", ["record", "show", s.note]).status == 0)
    }
}
