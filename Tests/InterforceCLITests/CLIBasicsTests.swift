// The CLI as a Unix tool: help everywhere (exit 0, naming the role each command needs), usage errors that name what
// was wrong (exit 64), `init` that creates owner-only files and never overwrites a node, reads that refuse to run
// without a purpose, writes refused to an account that is not an officer, and `-o json` output that any JSON
// parser accepts.

import Foundation
import InterforceTestSupport
import Testing

@Suite struct CLIBasicsTests {
    static let commands = [
        "init", "record new", "record update", "record show", "record history", "record erase", "query", "audit log",
        "audit verify", "audit export", "audit checkpoint", "status", "entries export", "entries ingest", "trust add",
        "schema write", "officer add", "officer list", "officer show", "officer disable", "watch", "serve", "sync",
        "peers list", "peers status", "membership describe", "membership create", "membership sign",
        "membership inspect", "membership install",
    ]

    @Test func topLevelHelpListsEveryCommand() throws {
        let sandbox = Sandbox()
        for flag in ["--help", "-h", "help"] {
            let r = try sandbox.interforce([flag])
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.contains("USAGE: interforce"), "\(r)")
            for command in Self.commands { #expect(r.stdout.contains("  \(command) "), "\(command) missing\n\(r)") }
        }
        let bare = try sandbox.interforce([])
        #expect(bare.status == 64, "no arguments is a usage error\n\(bare)")
        #expect(bare.stdout.contains("USAGE: interforce"), "\(bare)")
    }

    @Test(arguments: commands)
    func commandHelp(_ command: String) throws {
        let sandbox = Sandbox()
        let words = command.split(separator: " ").map(String.init)
        for flag in ["--help", "-h"] {
            let r = try sandbox.interforce(words + [flag])
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.contains("USAGE: interforce \(command)"), "\(r)")
            #expect(r.stdout.contains("OPTIONS:") && r.stdout.contains("--data DIR") && r.stdout.contains("--help"),
                    "\(r)")
            #expect(r.stdout.contains("\nROLE: "), "every command states the role it needs\n\(r)")
            #expect(!r.stdout.contains("--officer"), "the officer is never a flag\n\(r)")
            #expect(r.stderr.isEmpty, "help goes to stdout\n\(r)")
        }
        // --help wins over missing arguments and does not need a node.
        #expect(!FileManager.default.fileExists(atPath: sandbox.path(".interforce")))
    }

    @Test(arguments: [
        (["frobnicate"], "unknown command 'frobnicate'"),
        (["record", "frobnicate"], "unknown command 'record frobnicate'"),
        (["audit", "delete", "--force"], "unknown command 'audit delete'"),
    ])
    func unknownCommandIsAUsageError(_ arguments: [String], _ message: String) throws {
        let r = try Sandbox().interforce(arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains(message), "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
    }

    @Test(arguments: [
        (["status", "--frobnicate"], "unknown option '--frobnicate'"),
        (["record", "new", "case-file", "--colour", "red"], "unknown option '--colour'"),
        (["query", "-x"], "unknown option '-x'"),
        (["init", "--force", "kent", "--bogus=1"], "unknown option '--bogus'"),
        (["record", "show", "--purpose"], "--purpose needs a value"),
        (["status", "-o", "yaml"], "-o must be table or json"),
        (["status", "--help=yes"], "--help takes no value"),
        (["init", "--force", "kent", "--force", "surrey"], "--force given more than once"),
        (["init"], "--force is required"),
        (["audit", "log", "--limit", "0", "--purpose", "audit: y"], "--limit must be a number from 1 to 1000000"),
        (["query", "--since", "yesterday", "--purpose", "investigation: y"], "--since must be a UTC time"),
        (["query", "--officer", "PC 1", "--purpose", "investigation: y"], "unknown option '--officer'"),
        (["record", "new", "case-file", "--json", "{}", "--officer", "PC 1"], "unknown option '--officer'"),
        (["query", "--purpose", "op ELM"], "a purpose is CODE: TEXT"),
        (["query", "--purpose", "gossip: op ELM"], "purpose code 'gossip' is not one of"),
        (["query", "--purpose", "investigation:  "], "the purpose needs a reference"),
        (["query", "--purpose", "investigation: op\u{1b}[2K ELM"], "must not contain control characters"),
        (["record", "new", "case-file", "--json", "{}", "--request-id", "short"], "--request-id must be 16 to 64"),
    ])
    func badFlagIsAUsageErrorNamingIt(_ arguments: [String], _ message: String) throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox, name: "existing")
        let r = try sandbox.interforce(arguments, environment: ["INTERFORCE_DATA": sandbox.path("fresh")])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains(message), "\(r)")
        #expect(r.stderr.contains("--help"), "a usage error points at --help\n\(r)")
        // A usage error changes nothing, on disk or in the log.
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("fresh")), "\(r)")
        let again = try sandbox.interforce(arguments, environment: ["INTERFORCE_DATA": node.data])
        #expect(again.status == 64, "\(again)")
        #expect(int(try node.status()["logRows"]) == 3, "init, own key and the test officer's registration only")
    }

    @Test func initCreatesOwnerOnlyFilesAndRefusesASecondInit() throws {
        let sandbox = Sandbox()
        let data = sandbox.path("node")
        let first = try sandbox.interforce(["init", "--force", "hampshire", "--group", "south-east", "-o", "json"],
                                           environment: ["INTERFORCE_DATA": data])
        try #require(first.status == 0, "\(first)")
        let info = try first.object()
        #expect(info["force"] as? String == "hampshire")
        #expect(info["data"] as? String == data)
        let feed = try #require(info["feed"] as? String)
        #expect(feed.wholeMatch(of: /hampshire\/[0-9a-f]{16}/) != nil, "\(feed)")
        let key = try #require(info["publicKey"] as? String)
        #expect(key.wholeMatch(of: /[0-9a-f]{64}/) != nil, "\(key)")

        #expect(mode(data) == 0o700)
        let files = ["config.json", "node.key", "store.db"]
        for f in files { #expect(mode(data + "/" + f) == 0o600, "\(f) mode \(String(mode(data + "/" + f) ?? -1, radix: 8))") }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data + "/config.json")))
            as? [String: Any]
        #expect(config?["force"] as? String == "hampshire")
        #expect(config?["feed"] as? String == feed)
        #expect(config?["groups"] as? [String] == ["south-east"])
        let seed = try sandbox.read(data + "/node.key").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(seed.wholeMatch(of: /[0-9a-f]{64}/) != nil, "node.key holds a hex seed")
        #expect(!first.stdout.contains(seed) && !first.stderr.contains(seed), "the secret key is never printed")

        let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: data + "/" + $0)) }
        for attempt in [["init", "--force", "hampshire"], ["init", "--force", "surrey"]] {
            let second = try sandbox.interforce(attempt + ["--data", data])
            #expect(second.status == 1, "\(second)")
            #expect(second.stderr.contains("already exists"), "\(second)")
        }
        let after = try files.map { try Data(contentsOf: URL(fileURLWithPath: data + "/" + $0)) }
        #expect(before == after, "a refused init changes nothing")
        #expect(files.allSatisfy { mode(data + "/" + $0) == 0o600 })
        // The store keeps its -wal and -shm files (persistent WAL), owner-only too.
        let listing = try FileManager.default.contentsOfDirectory(atPath: data).sorted()
        #expect(listing == (files + ["store.db-shm", "store.db-wal"]).sorted(), "\(listing)")
        #expect(["store.db-shm", "store.db-wal"].allSatisfy { mode(data + "/" + $0) == 0o600 })
    }

    @Test(arguments: [(0o777, "group and others"), (0o770, "its group"), (0o703, "others")])
    func initRefusesADataDirectoryOthersCanWrite(_ permissions: Int, _ whom: String) throws {
        let sandbox = Sandbox()
        let data = sandbox.path("shared")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: false)
        try #require(chmod(data, mode_t(permissions)) == 0)
        let r = try sandbox.interforce(["init", "--force", "hampshire", "--data", data])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("data directory \(data) is writable by \(whom) (mode 0\(String(permissions, radix: 8)))"),
                "\(r)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: data).isEmpty, "a refused init creates nothing")
        #expect(mode(data) == permissions, "and leaves the directory as it was")
        // The control: the same directory, no longer writable by others, is accepted (group and others may read).
        try #require(chmod(data, 0o755) == 0)
        let fixed = try sandbox.interforce(["init", "--force", "hampshire", "--data", data])
        #expect(fixed.status == 0, "\(fixed)")
    }

    @Test func commandsRefuseANodeWhoseKeyOrDirectoryOthersCanReachAndSayWhy() throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        try #require(node.run("status").status == 0)
        let cases: [(path: String, mode: Int, message: String)] = [
            (node.data + "/node.key", 0o640, "node.key is readable by its group (mode 0640): the feed key may have leaked"),
            (node.data + "/node.key", 0o606, "node.key is readable and writable by others (mode 0606)"),
            (node.data + "/config.json", 0o622, "config.json is writable by group and others (mode 0622)"),
            (node.data, 0o757, "data directory \(node.data) is writable by others (mode 0757)"),
        ]
        for c in cases {
            let original = try #require(mode(c.path))
            try #require(chmod(c.path, mode_t(c.mode)) == 0)
            let r = try node.run("status")
            #expect(r.status == 1 && r.stderr.contains(c.message), "\(c.path) \(String(c.mode, radix: 8))\n\(r)")
            try #require(chmod(c.path, mode_t(original)) == 0)
        }
        // Group and others may read the configuration (it holds no secret), and the node opens again once fixed.
        try #require(chmod(node.data + "/config.json", 0o644) == 0)
        #expect(try node.run("status").status == 0)
    }

    @Test func commandsOnAMissingNodeFailClearly() throws {
        let sandbox = Sandbox()
        let r = try sandbox.interforce(["status"], environment: ["INTERFORCE_DATA": sandbox.path("nowhere")])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("is not an initialised node"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("nowhere")))
    }

    @Test(arguments: [
        ["record", "show", "@ID"], ["record", "history", "@ID"], ["query"], ["query", "burglary"], ["audit", "log"],
        ["audit", "export"], ["entries", "export"], ["watch", "--for", "1"],
    ])
    func readsRequireAPurpose(_ template: [String]) throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let id = try node.new("case-file", #"{"title": "Burglary at Elm Road"}"#).record
        let arguments = template.map { $0 == "@ID" ? id : $0 }
        let rowsBefore = int(try node.status()["logRows"])

        let none = try node.run(arguments, purpose: false)
        #expect(none.status == 64, "\(none)")
        #expect(none.stderr.contains("--purpose"), "\(none)")
        #expect(none.stdout.isEmpty, "no data without a purpose\n\(none)")
        for bad in ["op ELM", "gossip: op ELM", "investigation:", "investigation: op\rELM", "audit: \u{202e}gol"] {
            let r = try node.run(arguments + ["--purpose", bad], purpose: false)
            #expect(r.status == 64 && r.stderr.contains("--purpose"), "\(bad)\n\(r)")
        }
        #expect(int(try node.status()["logRows"]) == rowsBefore, "a refused read is not logged as a read")

        // The flag and the environment both work, and the row says which code.
        #expect(try node.run(arguments + ["--purpose", "safeguarding: ref SG-1"], purpose: false).status == 0)
        #expect(try node.run(arguments, purpose: false,
                             environment: ["INTERFORCE_PURPOSE": "disclosure: CPS bundle 7"]).status == 0)
        let codes = try node.auditLog(["--for", "safeguarding"]).compactMap { $0["purpose"] as? String }
        #expect(codes.count == 1 && codes.first == "safeguarding: ref SG-1", "\(codes)")

        // The node no longer takes an officer or a purpose from its configuration: an old config says so.
        let configPath = node.data + "/config.json"
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath)))
            as? [String: Any])
        config["defaultPurpose"] = "configured purpose"
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let configured = try node.run(arguments)
        #expect(configured.status == 1 && configured.stderr.contains("'defaultPurpose' is no longer used"), "\(configured)")
    }

    @Test func writesAreRefusedToAnAccountThatIsNotAnOfficer() throws {
        let sandbox = Sandbox()
        // The node's own account is an admin, but not registered with a role that writes.
        let node = try CLINode(sandbox, register: false)
        let r = try node.run(["record", "new", "case-file", "--json", #"{"title": "x"}"#])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("needs the role officer"), "\(r)")
        #expect(int(try node.status()["entries"]) == 0)
        // Neither a flag nor the environment names the writer.
        let flagged = try node.run(["record", "new", "case-file", "--json", #"{"title": "x"}"#, "--officer", "PC 1"])
        #expect(flagged.status == 64 && flagged.stderr.contains("unknown option '--officer'"), "\(flagged)")
        let env = try node.run(["record", "new", "case-file", "--json", #"{"title": "x"}"#],
                               environment: ["INTERFORCE_OFFICER": "PC 1"])
        #expect(env.status == 1, "\(env)")
        #expect(int(try node.status()["entries"]) == 0)
        // The refusals are `deny` rows naming the account and the reason; the admin can still read the log.
        try node.ok("officer", "add", currentAccountName, "--collar", "DS 9", "--name", "Auditor", "--role", "auditor")
        let denies = try node.ok(["audit", "log", "--kind", "deny", "-o", "json"]).array()
        #expect(denies.count == 2, "\(denies)")
        #expect(denies.allSatisfy { $0["account"] as? String == currentAccountName && $0["reason"] as? String == "role" },
                "\(denies)")
    }

    @Test func jsonOutputParses() throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let note = try node.new("interview-note", #"{"interviewee": "Alex Smith", "interviewer": "DC 42"}"#)
        let image = try node.new("image-ref", """
            {"imageHash": "\(hex64("9f"))", "size": 10, "mediaType": "image/png",
             "capturedAt": "2026-11-21T23:40:00Z", "capturingOfficer": "CSI 77", "storageUri": "s3://b/k.png"}
            """)
        let export = sandbox.path("entries.jsonl")
        try node.ok("entries", "export", "--out", export)
        let outputs: [(String, [String])] = [
            ("record update", ["record", "update", note.record, "--append", "Started 10:02.", "-o", "json"]),
            ("record show", ["record", "show", note.record, "-o", "json"]),
            ("record history", ["record", "history", note.record, "-o", "json"]),
            ("query", ["query", "Alex", "-o", "json"]),
            ("audit log", ["audit", "log", "-o", "json"]),
            ("audit verify", ["audit", "verify", "-o", "json"]),
            ("status", ["status", "-o", "json"]),
            ("entries ingest", ["entries", "ingest", export, "-o", "json"]),
            ("record erase", ["record", "erase", image.record, "--reason", "retention review", "-o", "json"]),
        ]
        for (name, arguments) in outputs {
            let r = try node.run(arguments)
            #expect(r.status == 0, "\(name)\n\(r)")
            #expect((try? r.json()) != nil, "\(name): stdout is not JSON\n\(r)")
        }
        let kinds = try node.auditLog().compactMap { $0["kind"] as? String }
        #expect(kinds.contains("duplicate"), "ingesting our own export counts duplicates: \(kinds)")
    }
}
