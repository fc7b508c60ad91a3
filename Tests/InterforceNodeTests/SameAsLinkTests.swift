// Same-as links through the local API and on receipt: a link joins two records into one cluster that `record show`
// and `query` follow, removing it splits them, and every bad link is refused with its own code and message, stores
// nothing and (on receipt) leaves its `reject` row; a link to a record not held and to one the caller may not see
// are answered alike, as any lookup is, with different log rows.

import Foundation
import InterforceCore
@testable import InterforceNode
import InterforceStore
import InterforceTestSupport
import Testing

struct SameAsLinkTests {
    let local: LocalNode
    let api: NodeSession
    let purpose = try! Purpose(parsing: "investigation: op elm")

    /// Nottinghamshire's node, its own account registered as an uncleared officer (so need-to-know applies).
    init() throws {
        local = LocalNode(service: NodeService(try Fixtures.memoryNode(force: "nottinghamshire", clock: TestClock())),
                          replicator: nil)
        api = local.session(uid: geteuid())
        _ = try api.addOfficer(
            OfficerAddRequest(requestId: RequestID.new(), account: currentAccountName, collar: "DC 5",
                              name: "Test", force: nil, roles: [.officer, .analyst], clearance: .official))
    }

    /// The node itself, under its lock (writes here bypass the policy: they set the scene).
    func node<T: Sendable>(_ body: (Node) throws -> T) throws -> T { try local.service.with(body) }
    func counts() throws -> StoreCounts { try node { try $0.store.counts() } }
    func log() throws -> [LogEvent] { try node { try $0.store.logRows().map(\.event) } }
    func state(_ id: String) throws -> RecordState? { try node { try $0.store.recordState(id) } }
    func create(_ type: RecordType, _ document: JSONValue, classification: Classification = .official,
                audience: Audience = Fixtures.everyone) throws -> String {
        try node {
            try $0.create(type: type, document: document, classification: classification, audience: audience,
                          officer: "PC 1").header.record
        }
    }

    func person(_ forenames: String, _ surname: String, classification: Classification = .official,
                audience: Audience = Fixtures.everyone) throws -> String {
        try create(.person, ["forenames": .string(forenames), "surname": .string(surname), "dateOfBirth": "1985-03-14"],
                   classification: classification, audience: audience)
    }

    func link(_ a: String, _ b: String, reason: String = "same DOB and address", audience: Audience? = nil,
              remove: Bool = false) throws -> WriteResult {
        try api.link(LinkRequest(requestId: RequestID.new(), action: remove ? .remove : .sameAs, records: [a, b],
                                 reason: reason, audience: audience))
    }

    /// Refused with `code` (in the message) and nothing stored.
    func expectRefused(_ a: String, _ b: String, reason: String = "same person", audience: Audience? = nil,
                       _ code: APIError.Code, mentioning text: String) throws {
        let before = try counts()
        do {
            _ = try link(a, b, reason: reason, audience: audience)
            Issue.record("link \(a) \(b) was not refused")
        } catch let error as APIError {
            #expect(error.code == code, "\(error)")
            #expect(error.message.contains(text), "message was: \(error.message)")
        }
        let after = try counts()
        #expect(after.entries == before.entries && after.records == before.records, "a refused link stored something")
    }

    @Test func aLinkJoinsTwoRecordsForShowAndQueryAndItsRemovalSplitsThem() throws {
        let a = try person("Robert", "Smith"), b = try person("Bob", "Smyth"), c = try person("Rob", "Smith")
        let caseFile = try create(.caseFile, ["title": "Burglary", "entities": [["record": .string(b), "role": "suspect"]]])
        let linked = try link(a, b)
        #expect(linked.record == LinkRules.linkID(a, b) && linked.record == LinkRules.linkID(b, a))
        _ = try link(b, c)
        let shown = try api.show(RecordRequest(record: c, purpose: purpose))
        let cluster = try #require(shown.cluster)
        #expect(cluster.members.map(\.id) == [a, b, c].sorted() && cluster.representative == [a, b, c].min())
        #expect(cluster.links.count == 2 && cluster.references.map(\.id) == [caseFile])
        let assertion = try #require(SameAsLink(cluster.links[0])?.assertions.first)
        #expect(assertion.value["officer"] == "DC 5" && assertion.adds[0].force == "nottinghamshire")
        // Every record of the cluster shown is logged as read, with the purpose.
        let reads = try log().filter { $0.kind == "read" }.map { $0.record ?? "" }
        #expect(Set(reads) == Set([a, b, c, caseFile]))
        let people = try api.query(QueryRequest(type: .person, purpose: purpose))
        #expect(people.records.count == 1 && people.clusters[people.records[0].id] == [a, b, c].sorted())

        _ = try link(b, c, reason: "different middle names", remove: true)
        let split = try #require(try api.show(RecordRequest(record: a, purpose: purpose)).cluster)
        #expect(split.members.map(\.id) == [a, b].sorted())
        #expect(try api.query(QueryRequest(type: .person, purpose: purpose)).records.count == 2)
        #expect(try state(c)?.document["forenames"] == "Rob", "a link never changes a record")
        let kinds = try log().map(\.kind)
        #expect(kinds.filter { $0 == "link" }.count == 2 && kinds.filter { $0 == "unlink" }.count == 1)
    }

    @Test func everyBadLinkIsRefusedWithItsOwnCodeAndStoresNothing() throws {
        let a = try person("Robert", "Smith"), b = try person("Bob", "Smyth")
        let vehicle = try create(.object, ["kind": "vehicle", "description": "silver Golf"])
        let caseFile = try create(.caseFile, ["title": "Burglary"])
        let hidden = try person("Robert", "Smith", classification: .officialSensitive)
        let local = try person("Robert", "Smyth", audience: .authorForceOnly)
        let unknown = "pe-" + String(repeating: "0", count: 32)

        try expectRefused(a, unknown, .notFound, mentioning: "no record \(unknown)")
        try expectRefused(a, a, .failed, mentioning: "link-self")
        try expectRefused(a, vehicle, .failed, mentioning: "link-cross-type")
        try expectRefused(a, caseFile, .failed, mentioning: "link-type")
        try expectRefused(a, "pe-123", .failed, mentioning: "link-unknown-record")
        try expectRefused(a, local, audience: Fixtures.everyone, .failed, mentioning: "link-audience")
        for reason in ["", "   ", "tab\there", String(repeating: "x", count: 501), "rtl\u{202E}override"] {
            try expectRefused(a, b, reason: reason, .failed, mentioning: "link-reason")
        }
        // Outside need-to-know: answered as a record not held, logged as the refusal it is.
        try expectRefused(a, hidden, .notFound, mentioning: "no record \(hidden)")
        let rows = try log()
        #expect(rows.contains { $0.kind == "not-found" && $0.record == unknown })
        #expect(rows.contains { $0.kind == "deny" && $0.reason == "need-to-know" && $0.record == hidden })
        #expect(!rows.contains { $0.kind == "link" })
        // A link record is written only through `link`.
        #expect(throws: APIError.self) {
            try api.create(CreateRequest(requestId: RequestID.new(), type: .link,
                                         document: ["pair": .string(LinkRules.pair(a, b)),
                                                    "assertions": [["officer": "PC 9", "reason": "forged officer"]]],
                                         classification: nil, audience: nil))
        }
        // Removing a link that does not exist.
        do {
            _ = try link(a, b, remove: true)
            Issue.record("unlinking an absent link was not refused")
        } catch let error as APIError {
            #expect(error.message.contains("link-absent"))
        }
        // The local link with its default audience (where both records go: here only) is fine.
        #expect(try link(a, local).record == LinkRules.linkID(a, local))
    }
}

extension AdmissionTests {
    func linkEntry(_ pair: String, statement: JSONValue = ["officer": "DC 1", "reason": "same"]) -> JSONValue {
        let payload: JSONValue = ["set": ["pair": .string(pair)], "add": ["assertions": [statement]]]
        let header = Forge.header(author: author, key: authorKey, seq: 1, prev: nil, time: clock.now,
                                  record: RecordID.natural(type: .link, key: pair), type: "link", payload: payload)
        return Forge.envelope(header: header, payload: payload, key: authorKey)
    }

    @Test func linkEntriesAreCheckedOnReceiptWithTheirOwnCodes() throws {
        let a = "pe-" + String(repeating: "a", count: 32), b = "pe-" + String(repeating: "b", count: 32)
        let vehicle = "ob-" + String(repeating: "c", count: 32)
        try expectRejected(linkEntry("\(a) \(a)"), .linkSelf, mentioning: "itself")
        try expectRejected(linkEntry("\(a) \(vehicle)"), .linkCrossType, mentioning: "record of another type (object)")
        try expectRejected(linkEntry("\(b) \(a)"), .linkOrder, mentioning: "smaller record id first")
        try expectRejected(linkEntry("\(a) \(b)", statement: ["officer": "DC 1", "reason": "line\nbreak"]),
                           .linkReason, mentioning: "control characters")
        try expectRejected(linkEntry("\(a) cf-\(String(repeating: "d", count: 32))"), .schema, mentioning: "pair")
        try accept(linkEntry("\(a) \(b)"))
        let state = try #require(try receiver.store.recordState(LinkRules.linkID(a, b)))
        let link = try #require(SameAsLink(state))
        #expect(link.isActive && link.first == a && link.second == b)
    }
}
