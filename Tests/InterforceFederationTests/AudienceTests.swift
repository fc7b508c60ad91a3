// Sharing policy across real processes: an entry meant for one group reaches that group and never a force outside
// it, even through a relay that links the two groups; the outsider holds only a withheld marker (so the author's
// feed stays gap-free there), and a valid member that pushes it the entry anyway is refused and logged.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

@Suite struct AudienceTests {
    @Test func anEntryForOneGroupNeverReachesAnotherThroughARelay() throws {
        // hampshire, surrey: south-east; nottinghamshire: east-midlands. hampshire - surrey - nottinghamshire.
        let fed = try Federation([("hampshire", ["south-east"]), ("surrey", ["south-east"]),
                                  ("nottinghamshire", ["east-midlands"])],
                                 links: [("hampshire", "surrey"), ("surrey", "nottinghamshire")])
        let hampshireFeed = fed.member("hampshire").feed
        let secret = try fed.write("hampshire", "case-file", Fixtures.caseDocument().canonicalText,
                                   audience: "group:south-east")
        try waitUntil(timeout: 20, "the south-east record at surrey") { try fed.show("surrey", secret.record) != nil }
        try fed.ok("surrey", "sync", "--timeout", "20")

        // Nottinghamshire got a withheld marker for the position, never the entry.
        try waitUntil(timeout: 20, "a withheld marker row at nottinghamshire") {
            try fed.auditLog("nottinghamshire").contains {
                $0["kind"] as? String == "withheld" && $0["entry"] as? String == secret.entry
            }
        }
        let refused = try fed.cli("nottinghamshire", "record", "show", secret.record)
        #expect(refused.status == 1 && refused.stderr.contains("no record"), "\(refused)")
        #expect(try !fed.export("nottinghamshire").contains { (try? Envelope.hash($0)) == secret.entry })
        let outsider = try fed.status("nottinghamshire")
        #expect(int(outsider["entries"]) == 0 && int(outsider["records"]) == 0, "\(outsider)")
        #expect(intMap(outsider["versionVector"])[hampshireFeed] == 1, "the marker keeps hampshire's feed gap-free")
        #expect(try fed.sameDigest(["hampshire", "surrey"]))
        #expect(try fed.digest("nottinghamshire") != fed.digest("hampshire"))

        // Surrey (a valid member) pushes the entry itself to Nottinghamshire: rejected, logged, nothing stored.
        let envelope = try #require(try fed.export("hampshire", feed: hampshireFeed).first {
            try Envelope.hash($0) == secret.entry
        })
        let (status, body) = try fed.push([envelope], to: "nottinghamshire", as: "surrey")
        #expect(status == 200, "\(body)")
        let result = try #require((body["results"] as? [[String: Any]])?.first, "\(body)")
        #expect(result["outcome"] as? String == "rejected" && result["reason"] as? String == "not-in-audience",
                "\(result)")
        let rejects = try fed.auditLog("nottinghamshire").filter {
            $0["kind"] as? String == "reject" && $0["entry"] as? String == secret.entry
        }
        #expect(rejects.count == 1 && rejects.first?["reason"] as? String == "not-in-audience"
                && rejects.first?["peer"] as? String == "surrey", "\(rejects)")
        let after = try fed.status("nottinghamshire")
        #expect(int(after["entries"]) == 0 && after["digest"] as? String == outsider["digest"] as? String, "\(after)")
        #expect(try fed.show("nottinghamshire", secret.record) == nil)

        // The feed goes on past the withheld position: hampshire's next entry for both groups arrives.
        let shared = try fed.write("hampshire", "case-file", Fixtures.caseDocument(title: "Vehicle crime").canonicalText,
                                   audience: "group:south-east,group:east-midlands")
        try waitUntil(timeout: 20, "the shared record at nottinghamshire") {
            try fed.show("nottinghamshire", shared.record) != nil
        }
        #expect(try fed.show("nottinghamshire", secret.record) == nil)
    }
}
