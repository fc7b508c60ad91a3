// Terminal injection: strings that came from users or peers (record fields, interview paragraphs, rejection messages
// that quote their input) reach an officer's or auditor's terminal with every control character escaped, so they
// cannot move the cursor, clear the screen or forge rows. Human output shows them visibly (`\e`, `\r`, `\u{9b}`);
// JSON output escapes them as \uXXXX and still parses to the same value; JSON-lines exports stay byte-exact in a
// file and are escaped only on a terminal. Text typed as an officer name, a purpose or an erasure reason is refused
// when it carries any.

import Foundation
import InterforceTestSupport
import Testing

@Suite struct CLIOutputTests {
    /// ESC [2J (clear screen), CR, BEL, DEL, C1 CSI (U+009B), a right-to-left override and a line separator.
    static let hostile = "Alex\u{1b}[2J\r\u{07}\u{7f}\u{9b}31m\u{202e}Smith\u{2028}"
    static let forbidden: [(String, [UInt8])] = [
        ("ESC", [0x1b]), ("CR", [0x0d]), ("BEL", [0x07]), ("DEL", [0x7f]), ("CSI", [0xc2, 0x9b]),
        ("RLO", [0xe2, 0x80, 0xae]), ("LSEP", [0xe2, 0x80, 0xa8]),
    ]

    static func rawControls(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return forbidden.filter { _, seq in
            bytes.indices.contains { i in i + seq.count <= bytes.count && Array(bytes[i..<i + seq.count]) == seq }
        }.map(\.0)
    }

    /// A JSON string literal for `text` (control characters as \u escapes), for writing documents by hand.
    static func literal(_ text: String) -> String {
        "\""
            + text.unicodeScalars.map { u in
                u.value < 0x20 || u.value == 0x7f || (0x80..<0xa0).contains(u.value) || u.value > 0x2000
                    ? String(format: "\\u%04x", u.value) : String(u)
            }.joined() + "\""
    }

    @Test func userStringsAreEscapedOnEveryHumanAndJSONOutput() throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let document =
            "{\"interviewee\": \(Self.literal(Self.hostile)), \"interviewer\": \"DC 42\", "
            + "\"paragraphs\": [\(Self.literal("Paragraph \u{1b}]0;owned\u{07} end"))]}"
        let file = try sandbox.write("note.json", document)
        let id =
            try node.ok(["record", "new", "interview-note", "--file", file, "-o", "json"]).object()["record"]
            as? String
        let record = try #require(id)

        let outputs: [(String, [String])] = [
            ("record show", ["record", "show", record]),
            ("record show -o json", ["record", "show", record, "-o", "json"]),
            ("query", ["query", "Smith"]),
            ("query -o json", ["query", "Smith", "-o", "json"]),
            ("record history -o json", ["record", "history", record, "-o", "json"]),
            ("audit log", ["audit", "log", "--limit", "1000"]),
        ]
        for (label, arguments) in outputs {
            let r = try node.ok(arguments)
            #expect(
                Self.rawControls(r.stdout).isEmpty && Self.rawControls(r.stderr).isEmpty,
                "\(label) prints raw \(Self.rawControls(r.stdout + r.stderr))")
        }
        let table = try node.ok("record", "show", record).stdout
        #expect(
            table.contains("Alex\\e[2J\\r\\u{7}\\u{7f}\\u{9b}31m\\u{202e}Smith\\u{2028}"), "shown visibly:\n\(table)")
        // JSON output is escaped, and still the same value.
        let shown = try node.ok("record", "show", record, "-o", "json").object()
        #expect((shown["fields"] as? [String: Any])?["interviewee"] as? String == Self.hostile)

        // A rejection that quotes a hostile line: escaped in the ingest report and in the log.
        let bad = try sandbox.write("bad.jsonl", "{\"hash\": \"\u{1b}[2J forged row\u{0d}\"\n")
        let ingest = try node.run(["entries", "ingest", bad])
        #expect(ingest.status == 1 && Self.rawControls(ingest.stdout + ingest.stderr).isEmpty, "\(ingest)")
        let log = try node.ok("audit", "log", "--kind", "reject")
        #expect(Self.rawControls(log.stdout).isEmpty, "\(log)")

        // A watch line.
        let watch = try sandbox.exec(
            "/usr/bin/env",
            [
                "sh", "-c",
                """
                "$0" watch --record "$1" --count 1 --for 30 & w=$!
                for i in $(seq 100); do "$0" audit log --kind read -o json | grep -q '"watch"' && break; sleep 0.1; done
                "$0" record update "$1" --append "$2" >/dev/null; wait $w
                """, Fixtures.executable, record, "live \u{1b}[1A\u{1b}[2K forged",
            ],
            environment: ["INTERFORCE_DATA": node.data, "INTERFORCE_PURPOSE": CLINode.purpose])
        #expect(watch.status == 0 && watch.stdout.contains("live \\e[1A\\e[2K forged"), "\(watch)")
        #expect(Self.rawControls(watch.stdout).isEmpty, "\(watch)")
    }

    @Test func exportsStayExactInAFileAndAreEscapedOnATerminal() throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let file = try sandbox.write(
            "note.json", "{\"interviewee\": \(Self.literal(Self.hostile)), \"interviewer\": \"B\"}")
        try node.ok("record", "new", "interview-note", "--file", file)
        let piped = try node.ok("entries", "export").stdout
        #expect(!Self.rawControls(piped).isEmpty, "a pipe gets the exact canonical bytes (DEL, C1 and U+202E raw)")
        // The same export on a terminal (script(1) gives it a pseudo-terminal).
        let tty = try sandbox.exec(
            "/usr/bin/script", ["-qec", "\(Fixtures.executable) entries export", "/dev/null"],
            environment: ["INTERFORCE_DATA": node.data, "INTERFORCE_PURPOSE": CLINode.purpose])
        #expect(tty.status == 0, "\(tty)")
        #expect(
            Self.rawControls(tty.stdout.replacingOccurrences(of: "\r\n", with: "\n")).isEmpty,
            "on a terminal the export is escaped: \(Self.rawControls(tty.stdout))")
        #expect(tty.stdout.contains("\\u007f") && tty.stdout.contains("\\u202e"), "\(tty.stdout.prefix(400))")
    }

    /// Long work shows its progress on a terminal's stderr, rewritten in place; a pipe gets the summary alone.
    @Test func longIngestShowsProgressOnlyOnATerminal() throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        // 6000 lines that do not parse: each is refused and logged, in 30 requests, which takes over half a second.
        let file = try sandbox.write("bad.jsonl", String(repeating: "{not json\n", count: 6000))
        let piped = try node.run("entries", "ingest", file)
        #expect(piped.status == 1 && !piped.stderr.contains("lines ingested..."), "\(piped.stderr.suffix(300))")
        let tty = try sandbox.exec(
            "/usr/bin/script", ["-qec", "\(Fixtures.executable) entries ingest \(file) 2>&1 >/dev/null", "/dev/null"],
            environment: ["INTERFORCE_DATA": node.data])
        #expect(tty.stdout.contains(" of 6000 lines ingested...") && tty.stdout.contains("\r"), "\(tty.stdout.suffix(400))")
    }

    @Test(arguments: [
        (
            ["officer", "add", "@ME", "--collar", "PC 1", "--name", "Eve\u{1b}[2J", "--role", "officer"],
            "--name must not contain control characters (found U+001B)"
        ),
        (
            ["officer", "add", "@ME", "--collar", "PC\u{0d}1", "--name", "Eve", "--role", "officer"],
            "collar number 'PC\\r1' must be"
        ),
        (
            ["record", "erase", "cf-00000000000000000000000000000000", "--reason", "RR\u{1b}[2K"],
            "--reason must not contain control characters"
        ),
        (
            ["query", "x\u{1b}[2J", "--purpose", "investigation: x"],
            "the query text must not contain control characters"
        ),
        (
            ["entries", "ingest", "-", "--peer", "surrey\u{9b}2K"],
            "--peer must not contain control characters (found U+009B)"
        ),
    ])
    func textWithControlCharactersIsRefused(_ arguments: [String], _ message: String) throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let before = try node.status()["logRows"] as? Int
        let r = try node.run(arguments.map { $0 == "@ME" ? currentAccountName : $0 }, stdin: "")
        #expect(r.status != 0 && r.stderr.contains(message), "\(r)")
        #expect(Self.rawControls(r.stderr).isEmpty, "the refusal itself prints no raw control: \(r)")
        #expect(try node.status()["logRows"] as? Int == before, "nothing logged, nothing stored")
    }
}
