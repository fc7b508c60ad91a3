// `link same-as`, `link remove` and `dedup scan` as an officer runs them: the scan proposes the pair with its
// evidence and links nothing, the link joins the two in `record show` and `query`, a bad link exits 1 with its
// code and stores nothing, a usage error exits 64, and the removal splits them again; each leaves its log row.

import Foundation
import InterforceTestSupport
import Testing

@Suite struct CLILinkTests {
    @Test func scanProposesAnOfficerLinksAndUnlinks() throws {
        let node = try CLINode(Sandbox(), force: "nottinghamshire")
        let a = try node.new("person", #"{"forenames": "Robert", "surname": "Smith", "dateOfBirth": "1985-03-14", "postcode": "NG1 5AB"}"#).record
        let b = try node.new("person", #"{"forenames": "Bob", "surname": "Smith", "dateOfBirth": "1985-03-14", "address": "14 Elm Rd, Nottingham NG1 5AB"}"#).record
        let scan = try node.ok("dedup", "scan", "-o", "json").object()
        let proposals = try #require(scan["proposals"] as? [[String: Any]])
        #expect(proposals.count == 1 && Set([proposals[0]["first"] as? String, proposals[0]["second"] as? String]) == [a, b])
        let fields = (proposals[0]["evidence"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
        #expect(fields.contains("date-of-birth") && fields.contains("forename"), "\(fields)")
        #expect(try node.show(a)["cluster"] is NSNull, "a scan links nothing")

        let before = try node.counts()
        let selfLink = try node.run("link", "same-as", a, a, "--reason", "x")
        #expect(selfLink.status == 1 && selfLink.stderr.contains("link-self"), "\(selfLink)")
        let badReason = try node.run("link", "same-as", a, b, "--reason", "")
        #expect(badReason.status == 1 && badReason.stderr.contains("link-reason"), "\(badReason)")
        #expect(try node.run("link", "same-as", a, "--reason", "x").status == 64)
        #expect(try node.counts() == before, "refused links stored nothing")

        try node.ok("link", "same-as", a, b, "--reason", "scan: same DOB and postcode; nickname Bob")
        let cluster = try #require(try node.show(b)["cluster"] as? [String: Any])
        #expect((cluster["members"] as? [[String: Any]])?.count == 2)
        let text = try node.ok("record", "show", a).stdout
        #expect(text.contains("SAME AS") && text.contains("scan: same DOB and postcode; nickname Bob"))
        #expect(try node.ok("query", "--type", "person", "-o", "json").array().count == 1)
        #expect(try node.ok("dedup", "scan", "-o", "json").object()["alreadyLinked"] as? Int == 1)

        try node.ok("link", "remove", a, b, "--reason", "different fathers' names")
        #expect(try node.show(a)["cluster"] is NSNull)
        #expect(try node.ok("query", "--type", "person", "-o", "json").array().count == 2)
        let kinds = try node.auditLog().compactMap { $0["kind"] as? String }
        #expect(kinds.filter { $0 == "scan" }.count == 2 && kinds.contains("link") && kinds.contains("unlink"))
    }
}
