// Every CLI command that uses a node runs the same way against a stopped node (the CLI opens the store itself, as
// the node's own account) and against a running one (the CLI talks to `serve` over the local socket): the same
// steps, with the same expectations, once in each mode. The CLI runs in a working directory beside the data
// directory, which it is given as a relative path, and reads its files by relative paths and from stdin. A final
// check makes sure no command of `interforce --help` was forgotten.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

@Suite(.enabled(if: TestAccounts.available, "\(TestAccounts.unavailableReason ?? "")"))
struct CLIModesTests {
    enum Mode: String { case stopped, running }

    /// Commands that do not use a node, and why.
    static let withoutNode: [String: String] = [
        "init": "creates the node", "serve": "is the running node", "schema write": "writes files from the model",
        "membership create": "the authority's tool, on files", "membership sign": "the authority's tool, on files",
        "membership diff": "compares two files",
    ]

    final class Run {
        let fed: Federation
        let work: String
        let mode: Mode
        var ids: [String: String] = [:]
        var commands: Set<String> = []
        let other: TestAccount

        init(_ fed: Federation, work: String, mode: Mode, other: TestAccount) {
            self.fed = fed
            self.work = work
            self.mode = mode
            self.other = other
        }

        /// `interforce ARGS --data ../kent` in the working directory, recording which command it was.
        @discardableResult
        func cli(_ command: String, _ arguments: [String], stdin: String? = nil) throws -> RunResult {
            commands.insert(command)
            return try fed.cli(
                "kent", command.split(separator: " ").map(String.init) + arguments + ["--data", "../kent"],
                stdin: stdin, in: work)
        }

        @discardableResult
        func ok(_ command: String, _ arguments: [String], stdin: String? = nil) throws -> RunResult {
            let r = try cli(command, arguments, stdin: stdin)
            try #require(r.status == 0, "\(mode): \(r)")
            return r
        }
    }

    static func steps(_ run: Run) throws {
        let mode = run.mode.rawValue
        // Status and officers.
        #expect(try run.ok("status", ["-o", "json"]).object()["force"] as? String == "kent")
        try run.ok(
            "officer add",
            [
                run.other.name, "--collar", "PC \(mode.count)", "--name", "Other Officer",
                "--role", "analyst",
            ])
        #expect(try run.ok("officer list", ["-o", "json"]).array().count == 2)
        #expect(try run.ok("officer show", []).stdout.contains(Federation.officer("kent")))
        #expect(try run.ok("officer disable", [run.other.name]).stdout.contains("disabled"))
        #expect(try run.ok("officer show", [run.other.name, "-o", "json"]).object()["disabled"] as? Bool == true)

        // Records, from a relative file, from stdin and inline (each mode its own crime reference).
        try Data(
            #"{"title": "Burglary at Elm Road", "crimeReference": "44/\#(mode.count)\#(mode.first!.asciiValue!)/26"}"#
                .utf8
        )
        .write(to: URL(fileURLWithPath: run.work + "/case-\(mode).json"))
        let created = try run.ok("record new", ["case-file", "--file", "case-\(mode).json", "-o", "json"]).object()
        let id = try #require(created["record"] as? String)
        let fromStdin = try run.ok(
            "record new", ["interview-note", "--file", "-", "-o", "json"],
            stdin: #"{"interviewee": "Alex Smith", "interviewer": "DC 42"}"#
        ).object()
        let note = try #require(fromStdin["record"] as? String)
        try run.ok("record update", [id, "--file", "patch.json"])
        try run.ok("record update", [note, "--file", "-"], stdin: #"{"append": {"paragraphs": ["From stdin."]}}"#)
        try run.ok("record update", [note, "--append", "Inline."])
        let shown = try run.ok("record show", [note, "-o", "json"]).object()
        #expect((shown["fields"] as? [String: Any])?["paragraphs"] as? [String] == ["From stdin.", "Inline."])
        #expect(try run.ok("record show", [id]).stdout.contains("charged"))
        #expect(try run.ok("record history", [note, "-o", "json"]).array().count == 3)
        let found = try run.ok("query", ["Elm", "-o", "json"]).array().compactMap { $0["id"] as? String }
        #expect(found.contains(id))

        // A watch, in the background, sees the next write.
        run.commands.insert("watch")
        let watch = try run.fed.launch(
            Fixtures.executable,
            [
                "watch", "--record", note, "--count", "1", "--for", "30",
                "--data", "../kent",
            ],
            extra: run.fed.officerEnvironment("kent"), label: "watch-\(mode)", in: run.work)
        try waitUntil(timeout: 15, "the \(mode) watch to start") {
            try run.fed.cli("kent", ["audit", "log", "--kind", "read", "-o", "json"]).array()
                .contains {
                    ($0["detail"] as? [String: Any])?["view"] as? String == "watch" && $0["record"] as? String == note
                }
        }
        try run.ok("record update", [note, "--append", "Seen live."])
        #expect(run.fed.wait(watch, seconds: 30), "\(mode): watch did not finish")
        #expect(
            watch.terminationStatus == 0 && run.fed.output("watch-\(mode)").stdout.contains("+ paragraphs: Seen live."),
            "\(mode): \(run.fed.output("watch-\(mode)"))")

        // Entries out to a relative path and back in from it and from stdin.
        try FileManager.default.createDirectory(atPath: run.work + "/out-\(mode)", withIntermediateDirectories: true)
        try run.ok("entries export", ["--out", "out-\(mode)/entries.jsonl"])
        let exported = try String(contentsOfFile: run.work + "/out-\(mode)/entries.jsonl", encoding: .utf8)
        #expect(exported.split(separator: "\n").count >= 6)
        let again = try run.ok("entries ingest", ["out-\(mode)/entries.jsonl", "-o", "json"]).object()
        #expect(int(again["accepted"]) == 0 && int(again["duplicates"]) == exported.split(separator: "\n").count)
        #expect(try run.ok("entries ingest", ["-", "-o", "json"], stdin: exported).object()["rejected"] as? Int == 0)

        // Audit.
        #expect(try !run.ok("audit log", ["--kind", "write", "-o", "json"]).array().isEmpty)
        try run.ok("audit export", ["--out", "out-\(mode)/log.jsonl"])
        #expect(FileManager.default.fileExists(atPath: run.work + "/out-\(mode)/log.jsonl"))
        #expect(try run.ok("audit verify", []).stdout.hasPrefix("OK"))
        #expect(try run.ok("audit checkpoint", []).stdout.contains("checkpoint signed"))

        // Federation.
        // With a membership installed (as `serve` needs), keys come from it alone: `trust add` is refused, the same
        // way in both modes, and trusts nothing.
        let trusted = try run.fed.rows("kent", kind: "key-trusted").count
        let trust = try run.cli(
            "trust add", ["--feed", "essex/0123456789abcdef", "--key", String(repeating: "5a", count: 32)])
        #expect(
            trust.status == 1 && trust.stderr.contains("a membership is installed: keys come from it"),
            "\(mode): \(trust)")
        #expect(try run.fed.rows("kent", kind: "key-trusted").count == trusted)
        let described = try run.ok(
            "membership describe", ["--name", "Kent Police", "--endpoint", "https://127.0.0.1:1"])
        #expect(described.stdout.contains(run.fed.member("kent").feed))
        #expect(try run.ok("membership inspect", ["../membership-v1.signed.json"]).stdout.contains("signature  valid"))
        let stale = try run.cli("membership install", ["../membership-v1.signed.json"])
        #expect(stale.status == 1 && stale.stderr.contains("is not newer"), "\(mode): \(stale)")
        let staleStdin = try run.cli(
            "membership install", ["-"],
            stdin: try String(
                contentsOfFile: run.fed.tmp.file("membership-v1.signed.json"), encoding: .utf8))
        #expect(staleStdin.status == 1 && staleStdin.stderr.contains("is not newer"), "\(mode): \(staleStdin)")
        #expect(try run.ok("peers list", []).stdout.contains("kent"))
        try run.ok("peers status", [])
        #expect(try run.ok("peers add", ["essex"]).stderr.contains("WARNING: peer 'essex' in config.json is not in "
                                                                   + "membership version 1"))
        #expect(try run.ok("peers remove", ["essex"]).stdout.contains("removed peer essex"))
        let diff = try run.cli("membership diff", ["../membership-v1.signed.json", "../membership-v1.signed.json"])
        #expect(diff.status == 0 && diff.stdout.contains("version 1 -> 1: 0 change(s)"), "\(diff)")
        let sync = try run.cli("sync", ["--timeout", "5"])
        if run.mode == .running {
            #expect(sync.status == 0, "\(sync)")
        } else {
            #expect(sync.status == 1 && sync.stderr.contains("sync needs a running node"), "\(sync)")
        }

        // Erasure last.
        #expect(try run.ok("record erase", [id, "--reason", "retention RR-\(mode)"]).stderr.contains("erased; "))
        #expect(try run.ok("record show", [id, "-o", "json"]).object()["erased"] is [String: Any])
    }

    @Test func everyCommandRunsTheSameWayAgainstAStoppedAndARunningNode() throws {
        let other = try TestAccounts.account(TestAccounts.officerNames[3])
        let fed = try Federation([("kent", [])], start: false)
        let work = fed.tmp.file("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try Data(#"{"set": {"status": "charged"}}"#.utf8).write(to: URL(fileURLWithPath: work + "/patch.json"))

        let stopped = Run(fed, work: work, mode: .stopped, other: other)
        try Self.steps(stopped)
        try fed.start("kent")
        let running = Run(fed, work: work, mode: .running, other: other)
        try Self.steps(running)

        #expect(stopped.commands == running.commands)
        let help = try fed.run(Fixtures.executable, ["--help"]).stdout
        // Each command line is "  NAME" padded with at least two spaces, then its abstract.
        let listed = Set(
            help.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
                return line.dropFirst(2).components(separatedBy: "  ").first
            })
        #expect(listed.count > 25, "\(listed)")
        let missing = listed.subtracting(running.commands).subtracting(Self.withoutNode.keys)
        #expect(missing.isEmpty, "commands not run in both modes: \(missing.sorted())")
    }
}
