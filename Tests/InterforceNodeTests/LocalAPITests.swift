// The local API's wire and its schema agree, and its writes happen at most once.
//
// Every operation is exercised through a `LocalClient` whose transport is the socket server's own `respond`, so each
// message is encoded and decoded exactly as on `<data>/node.sock`. Every request and answer that passed is then
// validated by Python's `jsonschema` (code that is not ours) against Schemas/local-api.schema.json, and the
// operations the schema lists must be exactly `LocalOperation.allCases` with the same permissions.

import Foundation
import InterforceCore
import InterforceStore
import InterforceTestSupport
import Synchronization
import Testing

@testable import InterforceNode

struct LocalAPITests {
    struct Exchange: Sendable {
        let operation: String
        let request: String
        let status: Int
        let response: String
    }

    /// An API over an in-memory node whose own account is this process's, plus the exchanges it saw.
    final class Wire: Sendable {
        let node: LocalNode
        let server: LocalAPIServer
        let exchanges = Mutex<[Exchange]>([])
        let authority = SecretKey.generate()
        let feed: String
        let key: PublicKey

        init(pageLimit: Int = 2) throws {
            var config = NodeConfig(
                force: "sussex", feed: Identifiers.newFeedID(force: "sussex"), groups: ["south-east"])
            config.authority = authority.publicKey.hex
            let secret = SecretKey.generate()
            feed = config.feed
            key = secret.publicKey
            let n = try Node(
                config: config, store: try Store(path: ":memory:"), secretKey: secret, now: TestClock().function)
            node = LocalNode(service: NodeService(n), replicator: nil, pageLimit: pageLimit)
            server = try LocalAPIServer(local: node)
        }

        /// A client as the process `uid` (by default this one, the node's own account).
        func client(uid: UInt32 = geteuid()) -> LocalClient {
            LocalClient(socket: "loopback") { [self] operation, body in
                let (status, answer) = server.respond(operation, body: body, uid: uid)
                exchanges.withLock {
                    $0.append(
                        Exchange(
                            operation: operation.rawValue, request: String(decoding: body, as: UTF8.self),
                            status: status, response: String(decoding: answer, as: UTF8.self)))
                }
                return (status, answer)
            }
        }

        func membership(version: Int64) throws -> SignedMembership {
            let document: JSONValue = [
                "federation": "interforce-test", "version": .int(version), "issuedAt": 1_790_000_000_000,
                "revokedCertificates": [],
                "members": [
                    [
                        "force": "sussex", "name": "Sussex Police", "endpoint": "https://127.0.0.1:1",
                        "groups": ["south-east"],
                        "feeds": [
                            [
                                "feed": .string(feed),
                                "keys": [["key": .string(key.hex), "fromSeq": 1, "untilSeq": .null]],
                            ]
                        ],
                    ]
                ],
            ]
            return SignedMembership.sign(try Membership(json: document), with: authority)
        }
    }

    static let purpose = try! Purpose(parsing: "investigation: wire test")
    static let audit = try! Purpose(parsing: "audit: wire test")

    @Test func everyOperationOnTheWireMatchesTheSchema() throws {
        let wire = try Wire()
        let api = wire.client()
        let me = currentAccountName
        _ = try api.addOfficer(
            OfficerAddRequest(
                requestId: RequestID.new(), account: me, collar: "DS 1", name: "Test",
                force: nil, roles: [.officer, .analyst, .supervisor, .auditor],
                clearance: .officialSensitive))
        _ = try api.whoami()
        _ = try api.status()
        let note = try api.create(
            CreateRequest(
                requestId: RequestID.new(), type: .interviewNote,
                document: ["interviewee": "Alex \u{1b}[2J Smith", "interviewer": "DC 42"],
                classification: .officialSensitive, audience: .authorForceOnly))
        let caseFile = try api.create(
            CreateRequest(
                requestId: RequestID.new(), type: .caseFile,
                document: ["title": "Burglary", "crimeReference": "44/1/26"],
                classification: .official, audience: try Audience(groups: ["south-east"])))
        _ = try api.update(
            UpdateRequest(
                requestId: RequestID.new(), record: note.record,
                patch: ["append": ["paragraphs": ["Started."]]], classification: nil, audience: nil))
        _ = try api.show(RecordRequest(record: note.record, purpose: Self.purpose))
        _ = try api.history(RecordRequest(record: note.record, purpose: Self.purpose))
        _ = try api.query(QueryRequest(text: "Alex", type: .interviewNote, limit: 5, purpose: Self.purpose))
        let watch = try api.watch(WatchRequest(record: nil, purpose: Self.purpose))
        _ = try api.update(
            UpdateRequest(
                requestId: RequestID.new(), record: caseFile.record,
                patch: ["set": ["status": "charged"]], classification: nil, audience: nil))
        let events = try api.nextEvents(NextRequest(cursor: try #require(watch.cursor))).items
        #expect(events.map(\.record) == [caseFile.record])
        var page = try api.exportEntries(EntriesExportRequest(feed: nil, after: 0, purpose: Self.purpose))
        var lines = page.items.map(\.json.canonicalText)
        while let cursor = page.cursor {
            page = try api.nextEntries(NextRequest(cursor: cursor))
            lines += page.items.map(\.json.canonicalText)
        }
        #expect(lines.count == 4, "four entries, two to a page")
        let ingested = try api.ingest(
            IngestRequest(
                requestId: RequestID.new(), peer: "file", firstLine: 1,
                lines: lines + ["{not json"]))
        #expect(ingested.results.map(\.outcome) == ["duplicate", "duplicate", "duplicate", "duplicate", "rejected"])
        _ = try api.auditLog(AuditLogRequest(filter: .kind("write"), purpose: Self.audit))
        var rows = try api.exportLog(PurposeRequest(purpose: Self.audit))
        while let cursor = rows.cursor { rows = try api.nextLogRows(NextRequest(cursor: cursor)) }
        _ = try api.verify()
        _ = try api.checkpoint(CheckpointRequest(requestId: RequestID.new()))
        // Before a membership: once one is installed, keys come from it alone.
        _ = try api.trust(
            TrustRequest(
                requestId: RequestID.new(), feed: "kent/0123456789abcdef",
                key: SecretKey.generate().publicKey, fromSeq: 3, untilSeq: 9))
        _ = try api.installMembership(
            MembershipInstallRequest(
                requestId: RequestID.new(),
                membership: try wire.membership(version: 1)))
        _ = try api.peers()
        let added = try api.changePeers(PeersChangeRequest(requestId: RequestID.new(), add: true, force: "essex"))
        #expect(added.peers.contains("essex") && !added.active.contains("essex") && added.warnings.count == 1)
        _ = try api.peersStatus()
        _ = try api.showOfficer(OfficerShowRequest(account: nil))
        _ = try api.listOfficers()
        // Same-as links: two people linked, shown as a cluster with the case file that names one, queried once,
        // scanned, unlinked.
        let people = try ["Robert", "Bob"].map { name in
            try api.create(
                CreateRequest(
                    requestId: RequestID.new(), type: .person,
                    document: ["forenames": .string(name), "surname": "Smith", "dateOfBirth": "1985-03-14"],
                    classification: .official, audience: .authorForceOnly)
            ).record
        }
        _ = try api.create(
            CreateRequest(
                requestId: RequestID.new(), type: .caseFile,
                document: ["title": "Theft", "entities": [["record": .string(people[0]), "role": "suspect"]]],
                classification: .official, audience: .authorForceOnly))
        _ = try api.dedupScan(DedupScanRequest(type: .person, purpose: Self.purpose))
        _ = try api.link(
            LinkRequest(requestId: RequestID.new(), action: .sameAs, records: people, reason: "same DOB"))
        #expect(try api.show(RecordRequest(record: people[1], purpose: Self.purpose)).cluster?.members.count == 2)
        #expect(try api.query(QueryRequest(type: .person, limit: 5, purpose: Self.purpose)).clusters.count == 1)
        _ = try api.link(
            LinkRequest(requestId: RequestID.new(), action: .remove, records: people, reason: "twins"))
        _ = try api.erase(EraseRequest(requestId: RequestID.new(), record: caseFile.record, reason: "retention RR-1"))
        _ = try api.disableOfficer(OfficerDisableRequest(requestId: RequestID.new(), account: me))
        // Answers that are errors: no replication workers in process, a malformed request, an unknown cursor.
        #expect(throws: APIError.self) { try api.sync(SyncRequest(timeoutSeconds: 1)) }
        let malformed = wire.server.respond(
            .recordShow, body: Array(#"{"record": "x", "officer": "PC 1"}"#.utf8),
            uid: geteuid())
        #expect(
            malformed.status == 400
                && String(decoding: malformed.body, as: UTF8.self).contains("unknown member 'officer'"))
        #expect(throws: APIError.self) { try api.nextEvents(NextRequest(cursor: String(repeating: "0", count: 32))) }

        let exchanges = wire.exchanges.withLock { $0 }
        let passed = Set(exchanges.filter { $0.status == 200 }.map(\.operation))
        let untested = Set(LocalOperation.allCases.map(\.rawValue)).subtracting(passed).subtracting(["sync"])
        #expect(untested.isEmpty, "operations never answered 200 here: \(untested.sorted())")

        let scratch = TemporaryDirectory("local-api")
        let file = scratch.file("exchanges.json")
        let all = exchanges.map { e -> [String: Any] in
            ["operation": e.operation, "request": e.request, "status": e.status, "response": e.response]
        }
        try JSONSerialization.data(withJSONObject: all).write(to: URL(fileURLWithPath: file))
        let result = try Python.json(Self.validator, [Fixtures.packageRoot + "/Schemas", file])
        #expect(result["errors"] as? [String] == [], "\(result["errors"] ?? "")")
        #expect(int(result["checked"]) == exchanges.count * 2, "every request and every answer")
        #expect(int(result["control"]) == 1, "the schema refuses a request with an officer member")
        let operations = result["operations"] as? [String: String] ?? [:]
        let code = Dictionary(
            uniqueKeysWithValues: LocalOperation.allCases.map {
                ($0.rawValue, $0.permission?.rawValue ?? "null")
            })
        #expect(operations == code, "Schemas/local-api.schema.json lists other operations or permissions than the code")
    }

    static let validator = #"""
        import json, os, sys
        from jsonschema import Draft202012Validator

        root, path = sys.argv[1:3]
        docs = {}
        for name in ("local-api.schema.json", "entry.schema.json", "log-row.schema.json"):
            with open(os.path.join(root, name), encoding="utf-8") as f:
                docs[name] = json.load(f)
        api = docs["local-api.schema.json"]
        Draft202012Validator.check_schema(api)
        base = api["$id"].rsplit("/", 1)[0] + "/"

        def validator(ref):
            schema = {"$id": api["$id"], "$defs": api["$defs"], "$ref": ref["$ref"]}
            try:
                from referencing import Registry, Resource
                registry = Registry().with_resources(
                    [(base + n, Resource.from_contents(d)) for n, d in docs.items()])
                return Draft202012Validator(schema, registry=registry)
            except ImportError:   # jsonschema before 4.18 (Debian 12)
                from jsonschema import RefResolver
                store = {base + n: d for n, d in docs.items()}
                return Draft202012Validator(schema, resolver=RefResolver(api["$id"], schema, store=store))

        errors, checked = [], 0
        with open(path, encoding="utf-8") as f:
            exchanges = json.load(f)
        for n, e in enumerate(exchanges):
            op = api["operations"].get(e["operation"])
            if op is None:
                errors.append("%d: operation %s is not in the schema" % (n, e["operation"]))
                continue
            try:
                request = json.loads(e["request"])
            except ValueError:
                request = None
            if request is not None:
                checked += 1
                if e["status"] != 400:
                    for err in validator(op["request"]).iter_errors(request):
                        errors.append("%d %s request: %s at %s"
                                      % (n, e["operation"], err.message, list(err.absolute_path)))
            checked += 1
            answer = json.loads(e["response"])
            schema = op["response"] if e["status"] == 200 else {"$ref": "#/$defs/Error"}
            for err in validator(schema).iter_errors(answer):
                errors.append("%d %s answer %d: %s at %s" % (n, e["operation"], e["status"], err.message,
                                                             list(err.absolute_path)))
        # Negative control: the same validation refuses a request that names its own officer.
        forged = {"record": "x", "purpose": {"code": "audit", "text": "t"}, "officer": "PC 1"}
        control = len(list(validator({"$ref": "#/$defs/RecordRequest"}).iter_errors(forged)))
        print(json.dumps({"errors": errors[:50], "checked": checked, "control": control,
                          "operations": {k: (v["permission"] or "null") for k, v in api["operations"].items()}}))
        """#

    // MARK: At most once

    @Test func aWriteRetriedWithItsRequestIdIsDoneOnce() throws {
        let wire = try Wire()
        let api = wire.client()
        _ = try api.addOfficer(
            OfficerAddRequest(
                requestId: RequestID.new(), account: currentAccountName, collar: "DS 1",
                name: "Test", force: nil, roles: [.officer], clearance: .official))
        let id = RequestID.new()
        let request = CreateRequest(
            requestId: id, type: .caseFile, document: ["title": "Burglary"],
            classification: .official, audience: .authorForceOnly)
        let first = try api.create(request)
        let again = try api.create(request)
        #expect(first == again, "the retry is answered with the first result")
        let append = UpdateRequest(
            requestId: RequestID.new(), record: first.record,
            patch: ["set": ["summary": "once"]], classification: nil, audience: nil)
        #expect(try api.update(append) == api.update(append))
        #expect(try api.status().counts.entries == 2, "two writes, not four")

        // The same id for something else, or from another account, is refused and changes nothing.
        let other = CreateRequest(
            requestId: id, type: .caseFile, document: ["title": "Robbery"],
            classification: .official, audience: .authorForceOnly)
        let conflict = #expect(throws: APIError.self) { try api.create(other) }
        #expect(conflict?.code == .conflict && conflict?.message.contains(id) == true)
        let stranger = wire.client(uid: geteuid() == 0 ? 65534 : 0)
        #expect(throws: APIError.self) { try stranger.create(request) }
        #expect(try api.status().counts.entries == 2)
    }

    @Test func aCollarNumberIsUniqueAsRecordsNameIt() throws {
        let api = try Wire().client()
        func add(_ account: String, _ collar: String) throws -> OfficerResponse {
            try api.addOfficer(
                OfficerAddRequest(
                    requestId: RequestID.new(), account: account, collar: collar,
                    name: "Test", force: nil, roles: [.officer], clearance: .official))
        }
        _ = try add(currentAccountName, "DS 1")
        // Another account may not take the same number in another case or spacing: records name it either way.
        for variant in ["ds 1", "DS  1", "Ds 1"] {
            let refused = #expect(throws: APIError.self) { try add("nobody", variant) }
            #expect(
                refused?.message.contains("already registered to account \(currentAccountName)") == true,
                "\(variant): \(String(describing: refused))")
        }
        #expect(try api.listOfficers().officers.count == 1)
    }
}
