// Independent verification and schema agreement. What the CLI exports is checked by code that is not ours:
// Python's `cryptography` verifies every entry's hash, Ed25519 signature, payload digest and feed chain; Python's
// `jsonschema` validates entries, log rows, record fields and payloads against the committed Schemas/, and gives
// its verdict on a corpus of record documents that must match what `record new` accepts. Then two nodes exchange
// entries through `entries export` / `entries ingest`.

import Foundation
import InterforceTestSupport
import Testing

/// A JSON document for the corpus, written by hand so that key order and exact characters are ours to choose.
indirect enum J: Sendable {
    case s(String), i(Int64), b(Bool), null, a([J]), o([(String, J)])

    var text: String {
        switch self {
        case .s(let s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
                default: out.unicodeScalars.append(u)
                }
            }
            return out + "\""
        case .i(let i): return String(i)
        case .b(let b): return b ? "true" : "false"
        case .null: return "null"
        case .a(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .o(let pairs): return "{" + pairs.map { J.s($0.0).text + ": " + $0.1.text }.joined(separator: ", ") + "}"
        }
    }

    func with(_ key: String, _ value: J) -> J {
        guard case .o(var pairs) = self else { return self }
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        return .o(pairs)
    }

    func without(_ key: String) -> J {
        guard case .o(let pairs) = self else { return self }
        return .o(pairs.filter { $0.0 != key })
    }

    static func strings(_ items: String...) -> J { .a(items.map { .s($0) }) }
}

struct CorpusCase: Sendable {
    let name: String
    let document: J
    init(_ name: String, _ document: J) {
        self.name = name
        self.document = document
    }
}

enum Corpus {
    static let caseRef = "cf-" + String(repeating: "0a", count: 16)

    static let image: J = .o([
        ("imageHash", .s(hex64("9f86d081"))), ("size", .i(2_483_921)), ("mediaType", .s("image/jpeg")),
        ("capturedAt", .s("2026-11-21T23:40:00Z")), ("capturingOfficer", .s("CSI 77")),
        ("storageUri", .s("s3://hampshire-evidence/44-12345-26/ex3.jpg")), ("kind", .s("footwear")),
        ("exhibitNumber", .s("EX-3")), ("location", .s("14 Elm Road")), ("caseRef", .s(caseRef)),
        ("tags", .strings("scene-1")),
    ])

    static let note: J = .o([
        ("interviewee", .s("Alex Smith")), ("interviewer", .s("DC 42")), ("intervieweeRole", .s("victim")),
        ("status", .s("in-progress")), ("paragraphs", .strings("Interview started 10:02.", "Victim returned home.")),
        ("startedAt", .s("2026-11-22T10:02:00Z")), ("location", .s("Winchester police station")),
        ("officers", .strings("DC 42", "PC 7")), ("caseRef", .s(caseRef)), ("tags", .strings("elm-road")),
    ])

    static let victim: J = .o([("role", .s("victim")), ("name", .s("Alex Smith"))])
    static let caseFile: J = .o([
        ("crimeReference", .s("44/12345/26")), ("title", .s("Burglary at Elm Road")), ("status", .s("open")),
        ("offence", .s("burglary")), ("summary", .s("Back door forced overnight.")), ("leadOfficer", .s("DI 9")),
        ("officers", .strings("DC 42")),
        ("people", .a([victim, .o([("role", .s("suspect")), ("name", .s("Sam Jones")), ("nationalId", .s("PNC/12A")),
                                   ("dateOfBirth", .s("1990-01-31"))])])),
        ("locations", .a([.o([("description", .s("14 Elm Road, Winchester")), ("postcode", .s("SO23 8AB"))])])),
        ("objects", .a([.o([("description", .s("crowbar")), ("exhibitNumber", .s("EX-1"))])])),
        ("events", .a([.o([("at", .s("2026-11-21T22:10:00Z")), ("description", .s("victim returned home"))])])),
        ("links", .strings("in-" + String(repeating: "b", count: 32))), ("tags", .strings("burglary", "elm-road")),
    ])

    static let person: J = .o([
        ("nationalId", .s("PNC 98/1234567X")), ("forenames", .s("Robert James")), ("surname", .s("O'Neil")),
        ("dateOfBirth", .s("1985-03-14")), ("sex", .s("male")), ("address", .s("Flat 2, 14 Elm Road, Nottingham")),
        ("postcode", .s("NG1 5AB")), ("aliases", .strings("Bobby O")), ("localReference", .s("NOT-P-1"))
    ])
    static let vehicle: J = .o([
        ("identifier", .s("VIN WVWZZZ1JZXW000001")), ("kind", .s("vehicle")), ("description", .s("silver hatchback")),
        ("registration", .s("AB12CDE")), ("make", .s("Volkswagen")), ("model", .s("Golf")), ("colour", .s("silver")),
        ("exhibitNumber", .s("EX-7")),
    ])
    static let place: J = .o([
        ("uprn", .s("100030571234")), ("address", .s("14 Elm Road, Nottingham")), ("postcode", .s("NG1 5AB")),
    ])

    static func x(_ n: Int, _ c: String = "x") -> String { String(repeating: c, count: n) }

    static let cases: [String: [CorpusCase]] = [
        "image-ref": [
            CorpusCase("valid, every field", image),
            CorpusCase("valid, required only", .o([
                ("imageHash", .s(hex64("ab"))), ("size", .i(1)), ("mediaType", .s("image/png")),
                ("capturedAt", .s("2026-01-01T00:00:00Z")), ("capturingOfficer", .s("C")), ("storageUri", .s("s3://b/k")),
            ])),
            CorpusCase("missing capturedAt", image.without("capturedAt")),
            CorpusCase("unknown field", image.with("colour", .s("red"))),
            CorpusCase("imageHash uppercase", image.with("imageHash", .s(hex64("AB")))),
            CorpusCase("imageHash 63 digits", image.with("imageHash", .s(String(hex64("ab").dropLast())))),
            CorpusCase("capturedAt fraction", image.with("capturedAt", .s("2026-11-21T23:40:00.5Z"))),
            CorpusCase("capturedAt with space", image.with("capturedAt", .s("2026-11-21 23:40:00Z"))),
            CorpusCase("capturedAt digits only checked", image.with("capturedAt", .s("2026-13-45T99:99:99Z"))),
            CorpusCase("mediaType uppercase", image.with("mediaType", .s("Image/JPEG"))),
            CorpusCase("mediaType with suffix", image.with("mediaType", .s("image/svg+xml"))),
            CorpusCase("mediaType without subtype", image.with("mediaType", .s("image/"))),
            CorpusCase("storageUri with space", image.with("storageUri", .s("s3://has space/x.jpg"))),
            CorpusCase("storageUri without scheme", image.with("storageUri", .s("evidence/x.jpg"))),
            CorpusCase("storageUri with query", image.with("storageUri", .s("https://example.org/a?b=c&d=%20"))),
            CorpusCase("storageUri non-ASCII", image.with("storageUri", .s("s3://héllo/x"))),
            CorpusCase("kind not in enum", image.with("kind", .s("selfie"))),
            CorpusCase("size zero", image.with("size", .i(0))),
            CorpusCase("size largest", image.with("size", .i(9_007_199_254_740_991))),
            CorpusCase("size as string", image.with("size", .s("12"))),
            CorpusCase("size as boolean", image.with("size", .b(true))),
            CorpusCase("duplicate tag", image.with("tags", .strings("a", "a"))),
            CorpusCase("tag pattern", image.with("tags", .strings("Bad Tag"))),
            CorpusCase("empty officer", image.with("capturingOfficer", .s(""))),
            CorpusCase("officer 100", image.with("capturingOfficer", .s(x(100)))),
            CorpusCase("officer 101", image.with("capturingOfficer", .s(x(101)))),
            CorpusCase("location 200 two-byte", image.with("location", .s(x(200, "é")))),
            CorpusCase("location 201 two-byte", image.with("location", .s(x(201, "é")))),
            CorpusCase("caseRef pattern", image.with("caseRef", .s("cf-XYZ"))),
            CorpusCase("null optional", image.with("location", .null)),
            CorpusCase("not an object", .a([image])),
        ],
        "interview-note": [
            CorpusCase("valid, every field", note),
            CorpusCase("valid, required only", .o([("interviewee", .s("A")), ("interviewer", .s("B"))])),
            CorpusCase("missing interviewer", note.without("interviewer")),
            CorpusCase("unknown field", note.with("notes", .s("x"))),
            CorpusCase("repeated paragraph (a list)", note.with("paragraphs", .strings("Pause.", "Pause."))),
            CorpusCase("empty paragraph", note.with("paragraphs", .strings(""))),
            CorpusCase("empty paragraph list", note.with("paragraphs", .strings())),
            CorpusCase("paragraph 20000", note.with("paragraphs", .strings(x(20_000)))),
            CorpusCase("paragraph 20001", note.with("paragraphs", .strings(x(20_001)))),
            CorpusCase("role not in enum", note.with("intervieweeRole", .s("bystander"))),
            CorpusCase("status not in enum", note.with("status", .s("done"))),
            CorpusCase("duplicate officer", note.with("officers", .strings("DC 42", "DC 42"))),
            CorpusCase("composed and decomposed e-acute are distinct", note.with("officers", .strings("\u{e9}", "e\u{301}"))),
            CorpusCase("interviewee as array", note.with("interviewee", .strings("Alex"))),
            CorpusCase("paragraphs as string", note.with("paragraphs", .s("text"))),
            CorpusCase("caseRef uppercase", note.with("caseRef", .s("cf-" + String(repeating: "0A", count: 16)))),
            CorpusCase("startedAt without seconds", note.with("startedAt", .s("2026-11-21T23:40Z"))),
            CorpusCase("interviewee 200 astral", note.with("interviewee", .s(x(200, "🚓")))),
            CorpusCase("interviewee 201 astral", note.with("interviewee", .s(x(201, "🚓")))),
            CorpusCase("inner newline and tab", note.with("interviewee", .s("Alex\nSmith\tjr"))),
        ],
        "case-file": [
            CorpusCase("valid, every field", caseFile),
            CorpusCase("valid, title only", .o([("title", .s("x"))])),
            CorpusCase("missing title", caseFile.without("title")),
            CorpusCase("unknown field", caseFile.with("priority", .i(1))),
            CorpusCase("title 200", caseFile.with("title", .s(x(200)))),
            CorpusCase("title 201", caseFile.with("title", .s(x(201)))),
            CorpusCase("summary 10000", caseFile.with("summary", .s(x(10_000)))),
            CorpusCase("crimeReference lowercase", caseFile.with("crimeReference", .s("44/abc/26"))),
            CorpusCase("crimeReference too short", caseFile.with("crimeReference", .s("4/1"))),
            CorpusCase("crimeReference leading slash", caseFile.with("crimeReference", .s("/44/1/26"))),
            CorpusCase("crimeReference with dashes", caseFile.with("crimeReference", .s("44-1-26"))),
            CorpusCase("status not in enum", caseFile.with("status", .s("maybe"))),
            CorpusCase("person without role", caseFile.with("people", .a([.o([("name", .s("A"))])]))),
            CorpusCase("person unknown property", caseFile.with("people", .a([victim.with("age", .i(40))]))),
            CorpusCase("person role not in enum", caseFile.with("people", .a([victim.with("role", .s("boss"))]))),
            CorpusCase("person nationalId lowercase", caseFile.with("people", .a([victim.with("nationalId", .s("pnc/12a"))]))),
            CorpusCase("person name number", caseFile.with("people", .a([victim.with("name", .i(7))]))),
            CorpusCase("person dateOfBirth short", caseFile.with("people", .a([victim.with("dateOfBirth", .s("1990-1-1"))]))),
            CorpusCase("duplicate person", caseFile.with("people", .a([victim, victim]))),
            CorpusCase("duplicate person, keys reordered",
                       caseFile.with("people", .a([victim, .o([("name", .s("Alex Smith")), ("role", .s("victim"))])]))),
            CorpusCase("empty people list", caseFile.with("people", .a([]))),
            CorpusCase("people as object", caseFile.with("people", victim)),
            CorpusCase("postcode lowercase", caseFile.with("locations", .a([.o([("description", .s("x")), ("postcode", .s("so23 8ab"))])]))),
            CorpusCase("object without description", caseFile.with("objects", .a([.o([("exhibitNumber", .s("EX-1"))])]))),
            CorpusCase("event time pattern", caseFile.with("events", .a([.o([("at", .s("yesterday")), ("description", .s("x"))])]))),
            CorpusCase("link pattern", caseFile.with("links", .strings("in-123"))),
            CorpusCase("tag uppercase", caseFile.with("tags", .strings("UPPER"))),
            CorpusCase("entity link to a person", caseFile.with("entities", .a([
                .o([("record", .s("pe-" + x(32, "a"))), ("role", .s("suspect"))])]))),
            CorpusCase("entity without record", caseFile.with("entities", .a([.o([("role", .s("suspect"))])]))),
        ],
        "person": [
            CorpusCase("valid, every field", person),
            CorpusCase("valid, names only", .o([("forenames", .s("A")), ("surname", .s("B"))])),
            CorpusCase("valid, CRO number", person.with("nationalId", .s("CRO 123456/98A"))),
            CorpusCase("valid, short PNC serial", person.with("nationalId", .s("PNC 01/12Z"))),
            CorpusCase("valid, sex unknown", person.with("sex", .s("unknown"))),
            CorpusCase("missing surname", person.without("surname")),
            CorpusCase("PNC lowercase", person.with("nationalId", .s("PNC 98/1234567x"))),
            CorpusCase("PNC without scheme", person.with("nationalId", .s("98/1234567X"))),
            CorpusCase("PNC four-digit year", person.with("nationalId", .s("PNC 1998/1234567X"))),
            CorpusCase("PNC serial of eight", person.with("nationalId", .s("PNC 98/12345678X"))),
            CorpusCase("PNC two spaces", person.with("nationalId", .s("PNC  98/1234567X"))),
            CorpusCase("CRO year of three", person.with("nationalId", .s("CRO 123456/998A"))),
            CorpusCase("CRO without letter", person.with("nationalId", .s("CRO 123456/98"))),
            CorpusCase("unknown scheme", person.with("nationalId", .s("NIN 98/1234567X"))),
            CorpusCase("two slashes", person.with("nationalId", .s("PNC 98//1234567X"))),
            CorpusCase("sex not in enum", person.with("sex", .s("m"))),
            CorpusCase("dateOfBirth partial", person.with("dateOfBirth", .s("1985-03"))),
            CorpusCase("duplicate alias", person.with("aliases", .strings("Bob", "Bob"))),
            CorpusCase("localReference 51", person.with("localReference", .s(x(51)))),
        ],
        "object": [
            CorpusCase("valid, every field", vehicle),
            CorpusCase("valid, VRM key", vehicle.with("identifier", .s("VRM AB12CDE"))),
            CorpusCase("valid, serial", vehicle.with("identifier", .s("SERIAL 35-209900/176148-1"))),
            CorpusCase("valid, no key", vehicle.without("identifier")),
            CorpusCase("valid, required only", .o([("kind", .s("phone")), ("description", .s("black phone"))])),
            CorpusCase("missing kind", vehicle.without("kind")),
            CorpusCase("VIN with I", vehicle.with("identifier", .s("VIN WVWZZZ1JZXW00000I"))),
            CorpusCase("VIN of 16", vehicle.with("identifier", .s("VIN WVWZZZ1JZXW00001"))),
            CorpusCase("VRM with space", vehicle.with("identifier", .s("VRM AB12 CDE"))),
            CorpusCase("VRM of 8", vehicle.with("identifier", .s("VRM AB12CDEF"))),
            CorpusCase("serial lowercase", vehicle.with("identifier", .s("SERIAL abc123"))),
            CorpusCase("serial of 2", vehicle.with("identifier", .s("SERIAL AB"))),
            CorpusCase("no scheme", vehicle.with("identifier", .s("AB12CDE"))),
            CorpusCase("registration with space", vehicle.with("registration", .s("AB12 CDE"))),
            CorpusCase("registration lowercase", vehicle.with("registration", .s("ab12cde"))),
            CorpusCase("kind not in enum", vehicle.with("kind", .s("boat"))),
            CorpusCase("unknown field", vehicle.with("owner", .s("x"))),
        ],
        "location": [
            CorpusCase("valid, every field", place),
            CorpusCase("valid, address only", .o([("address", .s("Market Square"))])),
            CorpusCase("valid, one-digit UPRN", place.with("uprn", .s("7"))),
            CorpusCase("valid, twelve-digit UPRN", place.with("uprn", .s("999999999999"))),
            CorpusCase("valid, description", place.with("description", .s("corner shop"))),
            CorpusCase("missing address", place.without("address")),
            CorpusCase("UPRN leading zero", place.with("uprn", .s("0100030571234"))),
            CorpusCase("UPRN thirteen digits", place.with("uprn", .s("1000305712345"))),
            CorpusCase("UPRN zero", place.with("uprn", .s("0"))),
            CorpusCase("UPRN as integer", place.with("uprn", .i(100030571234))),
            CorpusCase("UPRN with space", place.with("uprn", .s("10003 0571234"))),
            CorpusCase("UPRN empty", place.with("uprn", .s(""))),
            CorpusCase("postcode lowercase", place.with("postcode", .s("ng1 5ab"))),
            CorpusCase("address 501", place.with("address", .s(x(501)))),
            CorpusCase("address empty", place.with("address", .s(""))),
            CorpusCase("unknown field", place.with("town", .s("x"))),
            CorpusCase("not an object", .a([place])),
        ],
    ]
}

@Suite struct CLIInteropTests {
    /// A node holding all three record types, updates with add/remove/append, non-ASCII and control characters, an
    /// erased record (so both a null payload and an erase payload are exported) and a few reads.
    static func populatedNode(_ sandbox: Sandbox, erase: Bool = true) throws
        -> (node: CLINode, shown: [String: String]) {
        let node = try CLINode(sandbox, force: "hampshire", groups: ["south-east"])
        // Everything is shared with Surrey, which the ingest test uses as the receiving force.
        let caseFile = try node.new("case-file", Corpus.caseFile.text, ["--audience", "group:south-east,force:surrey"]).record
        try node.ok("record", "update", caseFile, "--remove", "tags=elm-road", "--add", "tags=night",
                    "--set", "status=under-investigation")
        let note = try node.new("interview-note", Corpus.note
            .with("interviewee", .s("Zoë Ångström"))
            .with("paragraphs", .strings("Quote: “back door” \\ / \u{1} \u{1f} \u{7f} \u{2028} tab\tend", "🚓 arrived"))
            .text, ["--classification", "OFFICIAL-SENSITIVE", "--audience", "force:surrey"]).record
        try node.ok("record", "update", note, "--append", "Interview ended 10:40.", "--set", "status=completed")
        let image = try node.new("image-ref", Corpus.image.text, ["--audience", "force:surrey"]).record
        if erase {
            let other = try node.new("image-ref", Corpus.image.with("imageHash", .s(hex64("cd"))).text,
                                     ["--audience", "force:surrey"]).record
            try node.ok("record", "update", other, "--add", "tags=blurred")
            try node.ok("record", "erase", other, "--reason", "duplicate capture, RR-2026-7")
        }
        var shown: [String: String] = [:]
        for (type, id) in [("case-file", caseFile), ("interview-note", note), ("image-ref", image)] {
            shown[type] = try sandbox.write("show-\(type).json", try node.ok("record", "show", id, "-o", "json").stdout)
        }
        return (node, shown)
    }

    static let entriesScript = #"""
        import hashlib, json, sys
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        def canonical(value):
            return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

        def verify(path):
            errors, feeds, count, erased = [], {}, 0, 0
            with open(path, encoding="utf-8") as f:
                lines = [line for line in f.read().split("\n") if line]
            for n, line in enumerate(lines, 1):
                e = json.loads(line)
                h = e["header"]
                count += 1
                header_bytes = canonical(h)
                if hashlib.sha256(header_bytes).hexdigest() != e["hash"]:
                    errors.append("line %d: hash" % n)
                try:
                    Ed25519PublicKey.from_public_bytes(bytes.fromhex(h["key"])).verify(
                        bytes.fromhex(e["signature"]), header_bytes)
                except InvalidSignature:
                    errors.append("line %d: signature" % n)
                position = canonical({"audience": h["audience"], "feed": h["author"], "hash": e["hash"], "seq": h["seq"]})
                try:
                    Ed25519PublicKey.from_public_bytes(bytes.fromhex(h["key"])).verify(
                        bytes.fromhex(e["position"]), position)
                except InvalidSignature:
                    errors.append("line %d: position signature" % n)
                if e["payload"] is None:
                    erased += 1
                else:
                    body = canonical(e["payload"])
                    if hashlib.sha256(body).hexdigest() != h["payload"]["sha256"]:
                        errors.append("line %d: payload sha256" % n)
                    if len(body) != h["payload"]["size"]:
                        errors.append("line %d: payload size" % n)
                feeds.setdefault(h["author"], []).append((h["seq"], h["prev"], e["hash"], n))
            for author, chain in feeds.items():
                chain.sort()
                previous = None
                for i, (seq, prev, digest, n) in enumerate(chain, 1):
                    if seq != i:
                        errors.append("line %d: seq %d, expected %d" % (n, seq, i))
                    if prev != previous:
                        errors.append("line %d: prev" % n)
                    previous = digest
            return {"count": count, "erased": erased, "errors": errors,
                    "feeds": {a: len(c) for a, c in feeds.items()}}

        print(json.dumps({path: verify(path) for path in sys.argv[1:]}))
        """#

    @Test func exportedEntriesVerifyWithPythonCryptography() throws {
        let sandbox = Sandbox()
        let (node, _) = try Self.populatedNode(sandbox)
        let file = sandbox.path("entries.jsonl")
        let export = try node.run("entries", "export", "--out", file)
        let entries = try #require(int(try node.status()["entries"]))
        #expect(export.status == 0 && export.stderr.contains("\(entries) entries exported"), "\(export)")

        // Negative control: one hex digit of the record id in the first line's header, flipped.
        let first = try #require(try sandbox.read(file).split(separator: "\n").first.map(String.init))
        let marker = try #require(first.range(of: "\"record\":\""))
        let last = first.index(marker.upperBound, offsetBy: 34)
        let tampered = first.replacingCharacters(in: last...last, with: first[last] == "0" ? "1" : "0")
        try #require(tampered != first)
        let tamperedFile = try sandbox.write("tampered.jsonl", tampered + "\n")

        let result = try sandbox.pythonJSON(Self.entriesScript, [file, tamperedFile])
        let good = try #require(result[file] as? [String: Any])
        #expect(int(good["count"]) == entries)
        #expect(int(good["erased"]) == 2, "the erased image's two earlier payloads are exported as null")
        #expect(good["errors"] as? [String] == [], "\(good)")
        #expect((good["feeds"] as? [String: Any]).map { $0.count == 1 && int($0[node.feed]) == entries } == true)
        let bad = try #require(result[tamperedFile] as? [String: Any])
        let badErrors = bad["errors"] as? [String] ?? []
        #expect(badErrors.contains("line 1: hash") && badErrors.contains("line 1: signature"), "\(bad)")
    }

    static let schemaScript = #"""
        import json, os, sys
        from jsonschema import Draft202012Validator

        root, entries_path, log_path = sys.argv[1:4]
        shows = sys.argv[4:]
        validators = {}

        def validator(relative):
            if relative not in validators:
                with open(os.path.join(root, relative), encoding="utf-8") as f:
                    schema = json.load(f)
                Draft202012Validator.check_schema(schema)
                validators[relative] = Draft202012Validator(schema)
            return validators[relative]

        errors, counts = [], {"entries": 0, "payloads": 0, "erasePayloads": 0, "logRows": 0, "records": 0}

        def check(relative, instance, label):
            for error in validator(relative).iter_errors(instance):
                errors.append("%s against %s: %s at %s" % (label, relative, error.message, list(error.absolute_path)))

        with open(entries_path, encoding="utf-8") as f:
            for n, line in enumerate(filter(None, f.read().split("\n")), 1):
                entry = json.loads(line)
                counts["entries"] += 1
                check("entry.schema.json", entry, "entry line %d" % n)
                if entry["payload"] is not None:
                    counts["payloads"] += 1
                    if entry["header"]["op"] == "erase":
                        counts["erasePayloads"] += 1
                    check("operations/%s.schema.json" % entry["header"]["type"], entry["payload"], "payload line %d" % n)
        with open(log_path, encoding="utf-8") as f:
            for n, line in enumerate(filter(None, f.read().split("\n")), 1):
                counts["logRows"] += 1
                check("log-row.schema.json", json.loads(line), "log row %d" % n)
        for path in shows:
            with open(path, encoding="utf-8") as f:
                shown = json.load(f)
            counts["records"] += 1
            check("records/%s.schema.json" % shown["type"], shown["fields"], "fields of %s" % shown["id"])
        print(json.dumps({"errors": errors, "counts": counts, "schemas": sorted(validators)}))
        """#

    @Test func exportsAndRecordFieldsMatchTheCommittedSchemas() throws {
        let sandbox = Sandbox()
        let (node, shown) = try Self.populatedNode(sandbox)
        try node.ok("query", "burglary")
        try node.ok("audit", "verify")
        let entries = sandbox.path("entries.jsonl"), log = sandbox.path("log.jsonl")
        try node.ok("entries", "export", "--out", entries)
        try node.ok("audit", "export", "--out", log)
        let status = try node.status()
        let result = try sandbox.pythonJSON(Self.schemaScript, [Fixtures.packageRoot + "/Schemas", entries, log]
                                            + shown.keys.sorted().map { shown[$0]! })
        #expect(result["errors"] as? [String] == [], "\(result["errors"] ?? "")")
        let counts = result["counts"] as? [String: Any] ?? [:]
        #expect(int(counts["entries"]) == int(status["entries"]))
        #expect(int(counts["payloads"]) == int(status["payloads"]))
        #expect(int(counts["erasePayloads"]) == 1)
        #expect(int(counts["logRows"]) == int(status["logRows"]))
        #expect(int(counts["records"]) == 3)
        #expect((result["schemas"] as? [String])?.count == 8, "entry, log-row, 3 records, 3 operations: \(result)")
    }

    static let corpusScript = #"""
        import json, sys
        from jsonschema import Draft202012Validator

        with open(sys.argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema)
        verdicts = {}
        for path in sys.argv[2:]:
            with open(path, encoding="utf-8") as f:
                verdicts[path] = validator.is_valid(json.load(f))
        print(json.dumps(verdicts))
        """#

    @Test(arguments: ["case-file", "interview-note", "image-ref", "person", "object", "location"])
    func pythonJSONSchemaAndRecordNewAgree(_ type: String) throws {
        let sandbox = Sandbox()
        let node = try CLINode(sandbox)
        let corpus = try #require(Corpus.cases[type])
        var files: [String] = []
        for (n, c) in corpus.enumerated() {
            // Python's `$` also matches before a final newline (ECMA-262's does not): keep such strings out.
            #expect(!c.document.text.contains("\\u000a\""), "no string may end in a newline: \(c.name)")
            files.append(try sandbox.write("doc-\(n).json", c.document.text))
        }
        let verdicts = try sandbox.pythonJSON(Self.corpusScript,
                                              [Fixtures.packageRoot + "/Schemas/records/\(type).schema.json"] + files)
        var accepted = 0, rejected = 0
        for (c, file) in zip(corpus, files) {
            let python = try #require(verdicts[file] as? Bool, "no verdict for \(c.name)")
            let cli = try node.run("record", "new", type, "--file", file)
            #expect(cli.status == 0 || cli.status == 1, "\(c.name)\n\(cli)")
            #expect((cli.status == 0) == python,
                    "\(type) '\(c.name)': jsonschema says \(python ? "valid" : "invalid"), record new exits \(cli.status)\n\(cli.stderr)")
            if python { accepted += 1 } else { rejected += 1 }
        }
        #expect(accepted >= 5 && rejected >= 12, "the corpus exercises both verdicts (\(accepted)/\(rejected))")
    }

    @Test func schemaWriteMatchesTheCommittedSchemas() throws {
        let sandbox = Sandbox()
        let out = sandbox.path("schemas")
        let r = try sandbox.interforce(["schema", "write", out])
        try #require(r.status == 0, "\(r)")
        #expect(r.lines.count == 16, "two schemas for each of the 8 record types \(r)")
        let committed = Fixtures.packageRoot + "/Schemas"
        for dir in ["records", "operations"] {
            let theirs = try FileManager.default.contentsOfDirectory(atPath: committed + "/" + dir).sorted()
            let ours = try FileManager.default.contentsOfDirectory(atPath: out + "/" + dir).sorted()
            #expect(theirs == ours, "\(dir): committed \(theirs), written \(ours)")
            for name in ours {
                let written = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(dir)/\(name)"))
                let expected = try Data(contentsOf: URL(fileURLWithPath: "\(committed)/\(dir)/\(name)"))
                #expect(written == expected, "\(dir)/\(name) differs from the committed file; run 'make schemas'")
            }
        }
    }

    @Test func ingestAcceptsOnceCountsDuplicatesAndRejectsTheUntrusted() throws {
        let sandbox = Sandbox()
        // Node A holds an erased record, so some entries travel header-only ("payload": null).
        let (a, _) = try Self.populatedNode(sandbox)
        let b = try CLINode(sandbox, name: "surrey", force: "surrey")
        let c = try CLINode(sandbox, name: "kent", force: "kent")
        let file = sandbox.path("hampshire.jsonl")
        try a.ok("entries", "export", "--out", file)
        let aStatus = try a.status()
        let n = try #require(int(aStatus["entries"]))

        // Trusted: every entry accepted, and B now holds exactly A's records.
        try b.ok("trust", "add", "--feed", a.feed, "--key", a.publicKey)
        let first = try b.run("entries", "ingest", file, "--peer", "hampshire", "-o", "json")
        #expect(first.status == 0, "\(first)")
        let firstReport = try first.object()
        #expect(int(firstReport["accepted"]) == n && int(firstReport["duplicates"]) == 0
                && int(firstReport["rejected"]) == 0, "\(firstReport)")
        var bStatus = try b.status()
        #expect(int(bStatus["entries"]) == n && int(bStatus["records"]) == int(aStatus["records"]))
        #expect(bStatus["digest"] as? String == aStatus["digest"] as? String, "same records, same state digest")
        #expect(int((bStatus["versionVector"] as? [String: Any])?[a.feed]) == n)
        #expect(try b.run("audit", "verify").status == 0)
        let accepts = try b.auditLog(["--kind", "accept"])
        #expect(accepts.count == n && accepts.allSatisfy { $0["peer"] as? String == "hampshire" })

        // The same file again, from stdin: all duplicates, nothing added.
        let before = try b.counts()
        let again = try b.run(["entries", "ingest", "-", "--peer", "hampshire", "-o", "json"],
                              stdin: try sandbox.read(file))
        #expect(again.status == 0, "\(again)")
        let againReport = try again.object()
        #expect(int(againReport["accepted"]) == 0 && int(againReport["duplicates"]) == n
                && int(againReport["rejected"]) == 0, "\(againReport)")
        #expect(try b.counts() == before)
        #expect(try b.auditLog(["--kind", "duplicate"]).count == n)

        // Untrusted: every entry rejected for its key, nothing stored.
        let cBefore = try c.counts()
        let untrusted = try c.run("entries", "ingest", file, "--peer", "hampshire", "-o", "json")
        #expect(untrusted.status == 1, "\(untrusted)")
        let untrustedReport = try untrusted.object()
        #expect(int(untrustedReport["accepted"]) == 0 && int(untrustedReport["rejected"]) == n)
        let reasons = (untrustedReport["results"] as? [[String: Any]] ?? []).map { $0["reason"] as? String }
        #expect(reasons == Array(repeating: "unknown-key", count: n), "\(reasons)")
        #expect(try c.counts() == cBefore)
        #expect(int(try c.status()["entries"]) == 0)
        let cRejects = try c.auditLog(["--kind", "reject"])
        #expect(cRejects.count == n && cRejects.allSatisfy { $0["reason"] as? String == "unknown-key" })

        // A line of bad JSON is rejected as malformed and logged; the good line beside it is accepted.
        let newer = try a.new("case-file", #"{"title": "Robbery at Mill Road"}"#, ["--audience", "force:surrey"])
        let next = try a.ok("entries", "export", "--feed", a.feed, "--after", String(n)).stdout
        #expect(next.split(separator: "\n").count == 1)
        let mixed = try sandbox.write("mixed.jsonl", "{\"hash\": \"00\", \"header\": \n" + next)
        let mixedRun = try b.run("entries", "ingest", mixed, "--peer", "hampshire", "-o", "json")
        #expect(mixedRun.status == 1, "\(mixedRun)")
        let mixedReport = try mixedRun.object()
        #expect(int(mixedReport["accepted"]) == 1 && int(mixedReport["rejected"]) == 1, "\(mixedReport)")
        let lineResult = (mixedReport["results"] as? [[String: Any]])?.first { int($0["line"]) == 1 }
        #expect(lineResult?["reason"] as? String == "malformed", "\(mixedReport)")
        let malformed = try b.auditLog(["--kind", "reject"])
        #expect(malformed.count == 1)
        #expect(malformed.first?["reason"] as? String == "malformed" && malformed.first?["peer"] as? String == "hampshire")
        #expect(((malformed.first?["detail"] as? [String: Any])?["message"] as? String)?.contains("line 1") == true)
        #expect(int(try b.status()["entries"]) == n + 1)
        let table = try b.run("entries", "ingest", mixed)
        #expect(table.status == 1 && table.stderr.contains("rejected line 1: malformed")
                && table.stdout.contains("0 accepted, 1 duplicate, 0 withheld, 1 rejected"), "\(table)")

        // A forged header (one hex digit of the record id) is refused and stores nothing.
        let line = next.trimmingCharacters(in: .whitespacesAndNewlines)
        let marker = try #require(line.range(of: "\"record\":\"cf-"))
        let i = line.index(marker.upperBound, offsetBy: 31)
        let forged = try sandbox.write("forged.jsonl", line.replacingCharacters(in: i...i, with: line[i] == "0" ? "1" : "0"))
        let beforeForged = try b.counts()
        let forgedRun = try b.run("entries", "ingest", forged, "-o", "json")
        #expect(forgedRun.status == 1, "\(forgedRun)")
        #expect(int(try forgedRun.object()["rejected"]) == 1)
        #expect(try b.counts() == beforeForged)
        #expect(try b.show(newer.record)["fields"].flatMap { ($0 as? [String: Any])?["title"] as? String }
                == "Robbery at Mill Road")
        bStatus = try b.status()
        #expect(bStatus["digest"] as? String == (try a.status())["digest"] as? String)
    }
}
