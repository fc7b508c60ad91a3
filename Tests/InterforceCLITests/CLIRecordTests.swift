// Records through the CLI: the life of a case file from `record new` to lawful erasure, interview notes that only
// grow and keep their order, image references that merge by their hash, queries with each filter, the log row
// that every read leaves behind, and bad input that is refused with a reason while nothing is stored.

import Foundation
import InterforceTestSupport
import Testing

@Suite struct CLIRecordTests {
    static let caseDocument = """
        {"crimeReference": "44/12345/26", "title": "Burglary at Elm Road", "status": "open", "offence": "burglary",
         "people": [{"role": "victim", "name": "Alex Smith"}, {"role": "suspect", "name": "Sam Jones", "nationalId": "PNC/12A"}],
         "locations": [{"description": "14 Elm Road, Winchester", "postcode": "SO23 8AB"}],
         "tags": ["burglary", "elm-road"]}
        """

    static func imageDocument(_ hash: String, kind: String = "footwear") -> String {
        """
        {"imageHash": "\(hash)", "size": 2483921, "mediaType": "image/jpeg", "capturedAt": "2026-11-21T23:40:00Z",
         "capturingOfficer": "CSI 77", "storageUri": "s3://hampshire-evidence/44-12345-26/ex3.jpg", "kind": "\(kind)",
         "exhibitNumber": "EX-3"}
        """
    }

    @Test func caseFileLifeFromNewToErase() throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let created = try node.new("case-file", Self.caseDocument, ["--audience", "group:south-east,force:surrey"])
        #expect(created.record.wholeMatch(of: /cf-[0-9a-f]{32}/) != nil, "\(created.record)")
        let id = created.record

        var shown = try node.show(id)
        #expect(shown["id"] as? String == id)
        #expect(shown["type"] as? String == "case-file")
        #expect(shown["classification"] as? String == "OFFICIAL")
        // A crime reference makes the record shared (no owner): each force that writes to it keeps its own audience.
        #expect(shown["owner"] is NSNull && shown["audience"] is NSNull, "\(shown)")
        let audience = (shown["audiences"] as? [String: Any])?["hampshire"] as? [String: Any]
        #expect(audience?["forces"] as? [String] == ["surrey"] && audience?["groups"] as? [String] == ["south-east"])
        var fields = try #require(shown["fields"] as? [String: Any])
        #expect(fields["title"] as? String == "Burglary at Elm Road")
        #expect(fields["crimeReference"] as? String == "44/12345/26")
        #expect(Set(fields["tags"] as? [String] ?? []) == ["burglary", "elm-road"])
        #expect((fields["people"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted()
                == ["Alex Smith", "Sam Jones"])
        let provenance = shown["provenance"] as? [String: Any]
        #expect((provenance?["title"] as? [String: Any])?["force"] as? String == "hampshire")
        #expect((provenance?["title"] as? [String: Any])?["entry"] as? String == created.entry)
        let table = try node.ok("record", "show", id)
        #expect(table.stdout.contains(id) && table.stdout.contains("Burglary at Elm Road")
                && table.stdout.contains("hampshire"), "\(table)")

        let updated = try node.ok("record", "update", id, "--set", "status=under-investigation", "--add", "tags=night",
                                  "--remove", "tags=elm-road", "--add", "officers=DC 42", "-o", "json").object()
        #expect(updated["record"] as? String == id)
        #expect(int(updated["seq"]) == 2)
        shown = try node.show(id)
        fields = try #require(shown["fields"] as? [String: Any])
        #expect(fields["status"] as? String == "under-investigation")
        let tags = Set(fields["tags"] as? [String] ?? [])
        // Removing one element keeps the others added by the same entry.
        #expect(tags == ["burglary", "night"], "\(tags)")
        #expect(fields["officers"] as? [String] == ["DC 42"])
        #expect(fields["title"] as? String == "Burglary at Elm Road", "untouched fields stay")

        var history = try node.ok("record", "history", id, "-o", "json").array()
        #expect(history.count == 2)
        #expect(history.map { int(($0["header"] as? [String: Any])?["seq"]) } == [1, 2])
        #expect(history.map { ($0["header"] as? [String: Any])?["op"] as? String } == ["write", "write"])
        #expect(history.allSatisfy { ($0["header"] as? [String: Any])?["record"] as? String == id })
        #expect(history.allSatisfy { $0["payload"] is [String: Any] })
        #expect(history.first?["hash"] as? String == created.entry)
        #expect(try node.ok("record", "history", id).stdout.contains("write"))
        #expect(try node.ok("query", "Elm", "-o", "json").array().compactMap { $0["id"] as? String } == [id])

        let reason = "retention review RR-2026-114"
        let erased = try node.ok("record", "erase", id, "--reason", reason, "-o", "json").object()
        #expect(erased["record"] as? String == id)
        #expect((erased["note"] as? String)?.contains("erased; 2 payload(s) dropped") == true, "\(erased)")
        shown = try node.show(id)
        #expect((shown["erased"] as? [String: Any])?["reason"] as? String == reason)
        #expect((shown["fields"] as? [String: Any])?.isEmpty == true, "an erased record shows no fields: \(shown)")
        let erasedTable = try node.ok("record", "show", id)
        #expect(erasedTable.stdout.contains("ERASED") && !erasedTable.stdout.contains("Elm Road"), "\(erasedTable)")

        history = try node.ok("record", "history", id, "-o", "json").array()
        #expect(history.map { ($0["header"] as? [String: Any])?["op"] as? String } == ["write", "write", "erase"])
        #expect(history[0]["payload"] is NSNull && history[1]["payload"] is NSNull, "payloads dropped")
        #expect((history[2]["payload"] as? [String: Any])?["reason"] as? String == reason)

        let status = try node.status()
        #expect(int(status["records"]) == 1 && int(status["erased"]) == 1)
        #expect(int(status["entries"]) == 3 && int(status["payloads"]) == 1)
        #expect(try node.ok("query", "Elm", "-o", "json").array().isEmpty, "erased records are not found")
        #expect(try node.ok("query", "--type", "case-file", "-o", "json").array().isEmpty)

        let refused = try node.run("record", "update", id, "--set", "title=Again")
        #expect(refused.status == 1 && refused.stderr.contains("has been erased"), "\(refused)")
        let verify = try node.run("audit", "verify")
        #expect(verify.status == 0, "erasure keeps the chain verifiable\n\(verify)")

        let log = try node.auditLog(["--record", id])
        let kinds = log.compactMap { $0["kind"] as? String }
        for kind in ["write", "erase", "payloads-dropped", "read"] { #expect(kinds.contains(kind), "\(kinds)") }
        #expect(log.filter { $0["kind"] as? String == "write" }.count == 2)
        #expect(log.filter { ["write", "erase"].contains($0["kind"] as? String) }
            .allSatisfy { $0["officer"] as? String == CLINode.officer && $0["account"] as? String == currentAccountName })
    }

    @Test func interviewNoteAppendsKeepTheirOrder() throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let id = try node.new("interview-note", """
            {"interviewee": "Alex Smith", "intervieweeRole": "victim", "interviewer": "DC 42",
             "status": "in-progress", "paragraphs": ["Interview started 10:02."]}
            """, ["--classification", "OFFICIAL-SENSITIVE"]).record
        #expect(id.hasPrefix("in-"))
        try node.ok("record", "update", id, "--append", "Victim returned home at 22:10.")
        try node.ok("record", "update", id, "--append", "The back door was forced.", "--append",
                    "A grey hatchback was seen leaving.", "--set", "status=completed")
        try node.ok("record", "update", id, "--json", #"{"append": {"paragraphs": ["Interview ended 10:40."]}}"#)
        let unicode = "Signed: Zoë Ångström – “read back and agreed”"
        try node.ok(["record", "update", id, "--file", "-"],
                    stdin: #"{"append": {"paragraphs": ["\#(unicode)"]}}"#)

        let shown = try node.show(id)
        let fields = try #require(shown["fields"] as? [String: Any])
        let expected = [
            "Interview started 10:02.", "Victim returned home at 22:10.", "The back door was forced.",
            "A grey hatchback was seen leaving.", "Interview ended 10:40.", unicode,
        ]
        #expect(fields["paragraphs"] as? [String] == expected)
        #expect(fields["status"] as? String == "completed")
        #expect(shown["classification"] as? String == "OFFICIAL-SENSITIVE", "updates keep the classification")

        let history = try node.ok("record", "history", id, "-o", "json").array()
        let entries = history.compactMap { $0["hash"] as? String }
        #expect(entries.count == 5)
        let provenance = try #require((shown["provenance"] as? [String: Any])?["paragraphs"] as? [[String: Any]])
        #expect(provenance.compactMap { $0["entry"] as? String }
                == [entries[0], entries[1], entries[2], entries[2], entries[3], entries[4]],
                "each paragraph names the entry that appended it")
        let table = try node.ok("record", "show", id).stdout
        let positions = expected.compactMap { table.range(of: $0)?.lowerBound }
        #expect(positions.count == expected.count && positions == positions.sorted(), "table keeps the order\n\(table)")
    }

    @Test func sameImageOrCrimeRecordedTwiceIsOneRecord() throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let hash = hex64("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        let first = try node.new("image-ref", Self.imageDocument(hash))
        let second = try node.ok("record", "new", "image-ref", "--json", Self.imageDocument(hash), "-o", "json").object()
        #expect(second["record"] as? String == first.record)
        #expect(second["entry"] as? String != first.entry, "a second entry, merged into the same record")
        #expect((second["note"] as? String)?.contains("merged") == true, "\(second)")
        var status = try node.status()
        #expect(int(status["records"]) == 1 && int(status["entries"]) == 2)
        let third = try node.ok("record", "new", "image-ref", "--json", Self.imageDocument(hash, kind: "scene"))
        #expect(third.stdout.hasPrefix(first.record) && third.stderr.contains("note: merged"), "\(third)")
        #expect(try node.show(first.record)["fields"].flatMap { ($0 as? [String: Any])?["kind"] as? String } == "scene")
        #expect(try node.ok("query", "--type", "image-ref", "-o", "json").array().count == 1)

        let other = try node.new("image-ref", Self.imageDocument(hex64("0123456789abcdef")))
        #expect(other.record != first.record)

        let crime = try node.new("case-file", #"{"crimeReference": "44/12345/26", "title": "Burglary"}"#)
        let again = try node.new("case-file", #"{"crimeReference": "44/12345/26", "title": "Burglary, Elm Road"}"#)
        #expect(crime.record == again.record)
        let a = try node.new("case-file", #"{"title": "No reference"}"#)
        let b = try node.new("case-file", #"{"title": "No reference"}"#)
        #expect(a.record != b.record, "without a natural key every record is new")
        status = try node.status()
        #expect(int(status["records"]) == 5 && int(status["entries"]) == 8)
    }

    @Test func queryTextAndEachFilter() throws {
        let sandbox = Sandbox()
        let hampshire = try CLINode(sandbox, name: "hampshire", force: "hampshire")
        let surrey = try CLINode(sandbox, name: "surrey", force: "surrey")
        // Hampshire's records are written at pinned times, so time filters have fixed answers.
        let march = ["INTERFORCE_NOW_MS": "1740819600000"]   // 2025-03-01T09:00:00Z
        let june = ["INTERFORCE_NOW_MS": "1748768400000"]    // 2025-06-01T09:00:00Z
        let september = ["INTERFORCE_NOW_MS": "1756717200000"]   // 2025-09-01T09:00:00Z
        let caseFile = try hampshire.new("case-file", #"{"title": "Burglary at Elm Road", "tags": ["burglary"]}"#,
                                         environment: march).record
        let note = try hampshire.new("interview-note", """
            {"interviewee": "Alex Smith", "interviewer": "DC 42", "paragraphs": ["A grey hatchback was seen leaving."]}
            """, ["--classification", "OFFICIAL-SENSITIVE"], environment: june).record
        let image = try hampshire.new("image-ref", Self.imageDocument(hex64("ab")), environment: september).record
        let robbery = try surrey.new("case-file", #"{"title": "Robbery at Mill Road"}"#, ["--audience", "force:hampshire"]).record
        let export = sandbox.path("surrey.jsonl")
        try surrey.ok("entries", "export", "--out", export)
        try hampshire.ok("trust", "add", "--feed", surrey.feed, "--key", surrey.publicKey)
        try hampshire.ok("entries", "ingest", export, "--peer", "surrey")

        let cases: [([String], [String])] = [
            (["hatchback"], [note]),
            (["HATCHBACK"], [note]),
            (["elm", "road"], [caseFile]),
            (["road"], [caseFile, robbery]),
            (["hatch*"], [note]),
            (["footwear"], [image]),
            (["nothing-like-this"], []),
            (["--type", "image-ref"], [image]),
            (["--type", "interview-note"], [note]),
            (["--type", "case-file"], [caseFile, robbery]),
            (["--force", "surrey"], [robbery]),
            (["--force", "hampshire"], [caseFile, note, image]),
            (["--force", "kent"], []),
            (["--since", "2025-05-01", "--until", "2025-08-01"], [note]),
            (["--since", "2025-08-01"], [image, robbery]),
            (["--until", "2025-05-01"], [caseFile]),
            (["--since", "2025-03-01T09:00:00Z"], [caseFile, note, image, robbery]),
            (["--until", "2025-03-01T09:00:00Z"], []),
            (["--classification", "OFFICIAL-SENSITIVE"], [note]),
            (["--classification", "OFFICIAL"], [caseFile, image, robbery]),
            (["road", "--force", "surrey"], [robbery]),
            (["--type", "case-file", "--until", "2025-05-01"], [caseFile]),
        ]
        for (arguments, expected) in cases {
            let results = try hampshire.ok(["query"] + arguments + ["-o", "json"]).array()
            let ids = results.compactMap { $0["id"] as? String }
            #expect(Set(ids) == Set(expected) && ids.count == expected.count, "query \(arguments): \(ids)")
        }
        let newestTwo = try hampshire.ok("query", "--limit", "2", "-o", "json").array().compactMap { $0["id"] as? String }
        #expect(newestTwo == [robbery, image], "newest first")
        let table = try hampshire.ok("query", "hatchback")
        #expect(table.stdout.contains(note) && table.stderr.contains("1 record(s)"), "\(table)")

        for bad in [["--type", "memo"], ["--force", "Not A Slug"], ["--classification", "SECRET"], ["--limit", "0"]] {
            let r = try hampshire.run(["query"] + bad)
            #expect(r.status == 64, "\(bad)\n\(r)")
        }

        let logged = try hampshire.auditLog(["--kind", "query"])
        #expect(logged.count == cases.count + 2)
        for (row, (arguments, expected)) in zip(logged, cases) {
            let detail = row["detail"] as? [String: Any]
            #expect(int(detail?["results"]) == expected.count, "\(arguments): \(row)")
        }
    }

    @Test func everyReadAndQueryIsLoggedWithOfficerAccountAndPurpose() throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let id = try node.new("case-file", Self.caseDocument).record
        let reads: [(kind: String, arguments: [String], record: String?, view: String?)] = [
            ("read", ["record", "show", id], id, "show"),
            ("read", ["record", "show", id, "-o", "json"], id, "show"),
            ("read", ["record", "history", id], id, "history"),
            ("query", ["query", "burglary"], nil, nil),
            ("query", ["query", "--type", "case-file", "-o", "json"], nil, nil),
            ("audit", ["audit", "log"], nil, "log"),
            ("audit", ["audit", "export"], nil, "export"),
            ("export", ["entries", "export"], nil, nil),
        ]
        for (n, read) in reads.enumerated() {
            try node.ok(read.arguments + ["--purpose", "investigation: incident \(n): “why”"])
        }
        let log = try node.auditLog()
        for (n, read) in reads.enumerated() {
            let rows = log.filter { $0["purpose"] as? String == "investigation: incident \(n): “why”" }
            try #require(rows.count == 1, "\(read.arguments): \(rows)")
            let row = rows[0]
            #expect(row["kind"] as? String == read.kind, "\(read.arguments): \(row)")
            #expect(row["officer"] as? String == CLINode.officer && row["account"] as? String == currentAccountName,
                    "the authenticated officer and account: \(row)")
            #expect(row["record"] as? String == read.record, "\(row)")
            if let view = read.view { #expect((row["detail"] as? [String: Any])?["view"] as? String == view, "\(row)") }
        }
        let queryRow = try #require(log.first { $0["purpose"] as? String == "investigation: incident 3: “why”" })
        let filters = (queryRow["detail"] as? [String: Any])?["filters"] as? [String: Any]
        #expect(filters?["text"] as? String == "burglary" && int((queryRow["detail"] as? [String: Any])?["results"]) == 1)
        let auditRow = try #require(log.last)
        #expect(auditRow["kind"] as? String == "audit" && auditRow["purpose"] as? String == "audit: cli check",
                "reading the log is itself logged first")
        let seqs = log.compactMap { int($0["seq"]) }
        #expect(seqs == Array(1...seqs.count), "the whole log, in order")

        let byOfficer = try node.ok("audit", "log", "--by", CLINode.officer, "--kind", "read", "-o", "json").array()
        #expect(byOfficer.count == 3, "show, show, history: \(byOfficer)")
        let byAccount = try node.ok("audit", "log", "--account", currentAccountName, "--for", "investigation", "-o", "json")
            .array()
        // Every read above, and the two log reads since (made with the default purpose, an investigation too).
        #expect(byAccount.count == reads.count + 2, "by account and purpose code: \(byAccount.count)")
        let failed = try node.run("record", "show", "cf-" + String(repeating: "0", count: 32))
        #expect(failed.status == 1 && failed.stderr.contains("no record"), "\(failed)")
    }

    struct BadInput: CustomTestStringConvertible, Sendable {
        let label: String
        let arguments: [String]
        let exit: Int32
        let message: String
        var stdin: String? = nil
        var testDescription: String { label }
    }

    static let badInputs: [BadInput] = [
        BadInput(label: "unknown type", arguments: ["record", "new", "case-fil", "--json", #"{"title": "x"}"#],
                 exit: 64, message: "unknown record type 'case-fil'"),
        BadInput(label: "unknown field", arguments: ["record", "new", "case-file", "--json", #"{"title": "x", "colour": "red"}"#],
                 exit: 1, message: "case-file: unknown field 'colour'"),
        BadInput(label: "wrong type", arguments: ["record", "new", "case-file", "--json", #"{"title": 5}"#],
                 exit: 1, message: "case-file.title: expected string, got integer"),
        BadInput(label: "wrong nested type",
                 arguments: ["record", "new", "case-file", "--json", #"{"title": "x", "people": [{"role": "victim", "name": 7}]}"#],
                 exit: 1, message: "case-file.people[0].name: expected string, got integer"),
        BadInput(label: "missing required field", arguments: ["record", "new", "case-file", "--json", #"{"offence": "theft"}"#],
                 exit: 1, message: "missing required field 'title'"),
        BadInput(label: "bad enum", arguments: ["record", "new", "case-file", "--json", #"{"title": "x", "status": "maybe"}"#],
                 exit: 1, message: "case-file.status: must be one of open"),
        BadInput(label: "too long", arguments: ["record", "new", "case-file", "--json",
                                                #"{"title": "\#(String(repeating: "x", count: 201))"}"#],
                 exit: 1, message: "case-file.title: longer than 200 characters"),
        BadInput(label: "classification SECRET",
                 arguments: ["record", "new", "case-file", "--classification", "SECRET", "--json", #"{"title": "x"}"#],
                 exit: 64, message: "classification 'SECRET' is not accepted"),
        BadInput(label: "bad audience slug",
                 arguments: ["record", "new", "case-file", "--audience", "force:Bad_Slug", "--json", #"{"title": "x"}"#],
                 exit: 64, message: "'Bad_Slug' is not a valid force or group slug"),
        BadInput(label: "invalid JSON", arguments: ["record", "new", "case-file", "--json", #"{"title": "x",}"#],
                 exit: 1, message: "--json: invalid JSON"),
        BadInput(label: "invalid JSON on stdin", arguments: ["record", "new", "case-file", "--file", "-"],
                 exit: 1, message: "stdin: invalid JSON", stdin: "title: x"),
        BadInput(label: "not an object", arguments: ["record", "new", "case-file", "--json", #"["title"]"#],
                 exit: 1, message: "record must be a JSON object"),
        BadInput(label: "no document", arguments: ["record", "new", "case-file"],
                 exit: 64, message: "give the record document with --json"),
        BadInput(label: "update of unknown record",
                 arguments: ["record", "update", "cf-" + String(repeating: "0", count: 32), "--set", "title=x"],
                 exit: 1, message: "no record cf-\(String(repeating: "0", count: 32)) on this node"),
        BadInput(label: "update of malformed id", arguments: ["record", "update", "case-42", "--set", "title=x"],
                 exit: 1, message: "'case-42' is not a record id"),
        BadInput(label: "remove of absent value", arguments: ["record", "update", "@NOTE", "--remove", "officers=DC 99"],
                 exit: 1, message: "patch.remove.officers: a value to remove is not present"),
        BadInput(label: "update unknown field", arguments: ["record", "update", "@CASE", "--set", "colour=red"],
                 exit: 1, message: "case-file: unknown field 'colour'"),
        BadInput(label: "update bad value", arguments: ["record", "update", "@CASE", "--set", "status=maybe"],
                 exit: 1, message: "case-file.status: must be one of"),
        BadInput(label: "append to a case file", arguments: ["record", "update", "@CASE", "--append", "text"],
                 exit: 1, message: "case-file: unknown field 'paragraphs'"),
        BadInput(label: "repeated set element", arguments: ["record", "update", "@CASE", "--add", "tags=a", "--add", "tags=a"],
                 exit: 1, message: "case-file.tags: repeated element"),
        BadInput(label: "natural key change", arguments: ["record", "update", "@CASE", "--set", "crimeReference=99/1/26"],
                 exit: 1, message: "(natural key)"),
        BadInput(label: "unknown patch operation", arguments: ["record", "update", "@CASE", "--json", #"{"rename": {}}"#],
                 exit: 1, message: "unknown operation 'rename'"),
        BadInput(label: "empty update", arguments: ["record", "update", "@CASE"], exit: 64, message: "nothing to change"),
        BadInput(label: "erase without reason", arguments: ["record", "erase", "@CASE"], exit: 64,
                 message: "--reason is required"),
        BadInput(label: "update with SECRET",
                 arguments: ["record", "update", "@CASE", "--set", "title=y", "--classification", "SECRET"],
                 exit: 64, message: "classification 'SECRET' is not accepted"),
    ]

    @Test(arguments: badInputs)
    func badInputIsRefusedAndNothingStored(_ bad: BadInput) throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let caseFile = try node.new("case-file", #"{"crimeReference": "44/1/26", "title": "x", "tags": ["b"]}"#).record
        let note = try node.new("interview-note", #"{"interviewee": "A", "interviewer": "B", "officers": ["DC 42"]}"#).record
        let before = try node.counts()
        let arguments = bad.arguments.map { $0 == "@CASE" ? caseFile : $0 == "@NOTE" ? note : $0 }
        let r = try node.run(arguments, stdin: bad.stdin)
        #expect(r.status == bad.exit, "\(r)")
        #expect(r.stderr.contains(bad.message), "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        #expect(try node.counts() == before, "nothing stored")
        #expect(try node.run("audit", "verify").status == 0)
    }
}
