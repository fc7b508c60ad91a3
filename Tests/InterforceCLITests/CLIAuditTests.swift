// Tampering is caught: one changed character in an entry header, a payload, a signature, a log row or a stored
// record state makes `audit verify` exit 1 and name the entry, log row or record concerned (it exits 0 before).
// And the log can be checked from outside: `audit export` rows re-hashed and re-chained in Python.

import Foundation
import InterforceTestSupport
import Testing

@Suite struct CLIAuditTests {
    enum Tamper: String, CaseIterable, Sendable {
        case entryHeader, payloadBody, signature, position, logDetail, logTime, logRowDeleted, recordState
        // What the store keeps beside the entries (attack W5): each must be what its source gives.
        case officerRegistry, classificationColumn, recordForces, searchText
    }

    /// A node with a few records, updates and reads; returns the ids the tampering targets.
    static func populatedNode(_ sandbox: Sandbox) throws -> (node: CLINode, caseFile: String, caseEntry: String, note: String) {
        let node = try CLINode(sandbox)
        let created = try node.new("case-file", """
            {"title": "Burglary at Elm Road", "status": "open", "people": [{"role": "victim", "name": "Alex Smith"}]}
            """)
        let note = try node.new("interview-note", #"{"interviewee": "Alex Smith", "interviewer": "DC 42"}"#).record
        try node.ok("record", "update", note, "--append", "Interview started 10:02.")
        try node.ok("record", "update", created.record, "--set", "status=charged")
        try node.ok("record", "show", created.record)
        return (node, created.record, created.entry, note)
    }

    /// Replaces one character of a text column, round-tripping the exact bytes through hex so nothing else changes.
    static func changeOneCharacter(_ sandbox: Sandbox, _ db: String, table: String, column: String, where condition: String,
                                   _ change: (String) -> String) throws {
        let hex = try sandbox.sqlite(db, "SELECT hex(\(column)) FROM \(table) WHERE \(condition)").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!hex.isEmpty && !hex.contains("\n"), "exactly one row for \(condition)")
        var bytes: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            bytes.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        let old = String(decoding: bytes, as: UTF8.self)
        let new = change(old)
        try #require(old.count == new.count && zip(old, new).filter { $0 != $1 }.count == 1, "one character changed")
        let newHex = new.utf8.map { String(format: "%02X", $0) }.joined()
        try sandbox.sqlite(db, "UPDATE \(table) SET \(column) = CAST(X'\(newHex)' AS TEXT) WHERE \(condition)")
    }

    static func replacing(_ old: String, _ new: String) -> (String) -> String {
        { text in
            guard let r = text.range(of: old) else { return text }
            return text.replacingCharacters(in: r, with: new)
        }
    }

    @Test(arguments: Tamper.allCases)
    func verifyNamesWhatWasTamperedWith(_ tamper: Tamper) throws {
        let sandbox = Sandbox()
        let (node, caseFile, caseEntry, _) = try Self.populatedNode(sandbox)
        let clean = try node.run("audit", "verify", "-o", "json")
        #expect(clean.status == 0, "\(clean)")
        let cleanReport = try clean.object()
        #expect(cleanReport["ok"] as? Bool == true && (cleanReport["problems"] as? [Any])?.isEmpty == true)
        #expect(int(cleanReport["entries"]) == 4 && int(cleanReport["records"]) == 2)

        let readSeq = try #require(Int(try sandbox.sqlite(node.store, "SELECT seq FROM log WHERE kind = 'read'").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let named: String
        switch tamper {
        case .entryHeader:
            // "status" is in the payload; in the header, flip one hex digit of the payload hash.
            try Self.changeOneCharacter(sandbox, node.store, table: "entries", column: "header",
                                        where: "hash = '\(caseEntry)'") { header in
                let r = header.range(of: "\"sha256\":\"")!
                let i = header.index(r.upperBound, offsetBy: 10)
                return header.replacingCharacters(in: i...i, with: header[i] == "0" ? "1" : "0")
            }
            named = "entry \(caseEntry)"
        case .payloadBody:
            try Self.changeOneCharacter(sandbox, node.store, table: "payloads", column: "body",
                                        where: "entry = '\(caseEntry)'", Self.replacing("Elm Road", "Elm Roat"))
            named = "entry \(caseEntry)"
        case .signature:
            try Self.changeOneCharacter(sandbox, node.store, table: "entries", column: "signature",
                                        where: "hash = '\(caseEntry)'") { s in
                let i = s.index(s.startIndex, offsetBy: 20)
                return s.replacingCharacters(in: i...i, with: s[i] == "a" ? "b" : "a")
            }
            named = "entry \(caseEntry)"
        case .position:
            try Self.changeOneCharacter(sandbox, node.store, table: "entries", column: "position",
                                        where: "hash = '\(caseEntry)'") { s in
                let i = s.index(s.startIndex, offsetBy: 20)
                return s.replacingCharacters(in: i...i, with: s[i] == "a" ? "b" : "a")
            }
            named = "entry \(caseEntry)"
        case .logDetail:
            try Self.changeOneCharacter(sandbox, node.store, table: "log", column: "detail", where: "seq = \(readSeq)",
                                        Self.replacing("show", "shop"))
            named = "log row \(readSeq):"
        case .logTime:
            try sandbox.sqlite(node.store, "UPDATE log SET at = at + 1 WHERE seq = \(readSeq)")
            named = "log row \(readSeq):"
        case .logRowDeleted:
            try sandbox.sqlite(node.store, "DELETE FROM log WHERE seq = \(readSeq)")
            named = "log row \(readSeq + 1): expected row \(readSeq)"
        case .recordState:
            try Self.changeOneCharacter(sandbox, node.store, table: "records", column: "state", where: "id = '\(caseFile)'",
                                        Self.replacing("Alex Smith", "Alex Smyth"))
            named = "record \(caseFile)"
        case .officerRegistry:
            // The attack: a registration given admin and cleared, behind the log's back.
            try sandbox.sqlite(node.store, #"UPDATE officers SET registration = replace(registration, '"auditor"', '"admin","auditor"')"#)
            named = "officer registry row \(currentAccountName)"
        case .classificationColumn:
            try sandbox.sqlite(node.store, "UPDATE records SET classification = 'OFFICIAL-SENSITIVE' WHERE id = '\(caseFile)'")
            named = "record \(caseFile): its type, classification"
        case .recordForces:
            try sandbox.sqlite(node.store, "DELETE FROM record_forces WHERE record = '\(caseFile)'")
            named = "record \(caseFile): the forces"
        case .searchText:
            try sandbox.sqlite(node.store, """
                UPDATE records_fts_content SET c0 = 'nothing to see' WHERE id = (SELECT rowid FROM records WHERE id = '\(caseFile)')
                """)
            named = "record \(caseFile): its full-text row"
        }

        let table = try node.run("audit", "verify")
        #expect(table.status == 1, "\(tamper) not detected\n\(table)")
        #expect(table.stdout.contains("FAIL \(named)"), "\(tamper): \(named) not named\n\(table)")
        #expect(table.stdout.contains("FAILED:"), "\(table)")
        let json = try node.run("audit", "verify", "-o", "json")
        #expect(json.status == 1, "\(json)")
        let report = try json.object()
        #expect(report["ok"] as? Bool == false)
        let problems = report["problems"] as? [String] ?? []
        #expect(problems.contains { $0.hasPrefix(named) }, "\(problems)")
        switch tamper {
        case .logDetail, .logTime:
            // Only the altered row: the next row's link still holds, and nothing else is blamed.
            #expect(problems.allSatisfy { $0.hasPrefix("log row \(readSeq):") }, "\(problems)")
        case .signature:
            #expect(problems.contains { $0.contains("signature does not verify") }, "\(problems)")
        case .position:
            #expect(problems.contains { $0.contains("position signature does not verify") }, "\(problems)")
        case .recordState:
            #expect(problems.allSatisfy { $0.hasPrefix("record \(caseFile)") }, "\(problems)")
        case .officerRegistry:
            // Checked on open too: no account counts as registered (the node's own, this test's, keeps only its
            // standing as admin, to verify), and the node refuses to write.
            let read = try node.run("record", "show", caseFile)
            #expect(read.status == 1 && read.stderr.contains("may not do this: it needs the role"), "\(read)")
            let write = try node.run("record", "update", caseFile, "--set", "status=closed")
            #expect(write.status == 1, "\(write)")
        default:
            break
        }
    }

    @Test func verifyIsLogged() throws {
        let sandbox = Sandbox()
        let (node, _, _, _) = try Self.populatedNode(sandbox)
        try node.ok("audit", "verify")
        let rows = try node.auditLog(["--kind", "verify"])
        #expect(rows.count == 1)
        #expect(rows.first?["officer"] as? String == CLINode.officer && rows.first?["account"] as? String == currentAccountName)
        #expect((rows.first?["detail"] as? [String: Any])?["ok"] as? Bool == true)
    }

    static let chainScript = #"""
        import hashlib, json, sys

        def canonical(value):
            return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

        def check(rows):
            errors, prev, seq = [], "0" * 64, 0
            for row in rows:
                row = dict(row)
                stated = row.pop("hash")
                if hashlib.sha256(canonical(row)).hexdigest() != stated:
                    errors.append("row %d: hash" % row["seq"])
                if row["prev"] != prev:
                    errors.append("row %d: prev" % row["seq"])
                if row["seq"] != seq + 1:
                    errors.append("row %d: seq" % row["seq"])
                prev, seq = stated, row["seq"]
            return errors

        with open(sys.argv[1], "rb") as f:
            raw = f.read().split(b"\n")
        assert raw[-1] == b"", "export ends with a newline"
        lines = raw[:-1]
        rows = [json.loads(line.decode("utf-8")) for line in lines]
        noncanonical = [r["seq"] for r, line in zip(rows, lines) if canonical(r) != line]
        # Negative controls: the same check must notice a changed time, a changed detail and a dropped row.
        k = len(rows) // 2
        altered_at = [dict(r) for r in rows]; altered_at[k]["at"] += 1
        altered_detail = [dict(r) for r in rows]; altered_detail[k]["detail"] = dict(rows[k]["detail"], extra=1)
        dropped = rows[:k] + rows[k + 1:]
        print(json.dumps({
            "rows": len(rows), "errors": check(rows), "noncanonical": noncanonical,
            "kinds": sorted(set(r["kind"] for r in rows)),
            "controls": [check(altered_at), check(altered_detail), check(dropped)], "k": rows[k]["seq"],
        }))
        """#

    @Test func auditExportRechainsInPython() throws {
        let sandbox = Sandbox()
        let (node, _, _, _) = try Self.populatedNode(sandbox)
        try node.ok("query", "Smith", "--purpose", "investigation: op ÉLM – “quoted” \\ / Zoë Ångström")
        try node.ok("audit", "verify")
        let rowCount = try #require(int(try node.status()["logRows"]))
        let file = sandbox.path("log.jsonl")
        let export = try node.run("audit", "export", "--out", file)
        #expect(export.status == 0 && export.stderr.contains("\(rowCount + 1) log row(s) exported"), "\(export)")
        #expect(mode(file) == 0o600)
        let again = try node.run("audit", "export", "--out", file)
        #expect(again.status == 1 && again.stderr.contains("cannot create"), "never overwrites\n\(again)")

        let result = try sandbox.pythonJSON(Self.chainScript, [file])
        #expect(int(result["rows"]) == rowCount + 1, "the export includes its own log row: \(result)")
        #expect((result["errors"] as? [String]) == [], "\(result)")
        #expect((result["noncanonical"] as? [Any])?.isEmpty == true, "lines are already canonical JSON: \(result)")
        let kinds = Set(result["kinds"] as? [String] ?? [])
        #expect(kinds.isSuperset(of: ["init", "key-trusted", "write", "read", "query", "verify", "audit"]), "\(kinds)")
        let k = try #require(int(result["k"]))
        let controls = result["controls"] as? [[String]] ?? []
        #expect(controls.count == 3)
        #expect(controls.first == ["row \(k): hash"], "a changed time breaks exactly that row: \(controls)")
        #expect(controls.dropFirst().first == ["row \(k): hash"], "\(controls)")
        #expect(controls.last == ["row \(k + 1): prev", "row \(k + 1): seq"], "\(controls)")

        // The same rows on stdout.
        let stdout = try node.ok("audit", "export").stdout
        #expect(stdout.split(separator: "\n").count == rowCount + 2, "the failed export logged nothing")
        #expect(stdout.hasPrefix(try sandbox.read(file)), "stdout export starts with the same rows")
    }
}
