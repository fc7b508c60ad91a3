// The peer API's read endpoints as an operator reaches them with curl and the node's documented client
// certificate (`curl --cert node.pem --key node.key --cacert ca.pem`): health, Prometheus metrics, the installed
// membership, the version vector and a page of a feed, each answered 200 in its documented shape.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

@Suite struct PeerReadTests {
    @Test func curlWithANodeCertificateReadsEveryEndpoint() throws {
        let fed = try Federation([("hampshire", ["south-east"]), ("surrey", ["south-east"])],
                                 links: [("hampshire", "surrey")])
        let written = try fed.write("hampshire", "case-file", Fixtures.caseDocument().canonicalText,
                                    audience: "group:south-east")
        try waitUntil(timeout: 20, "the record at surrey") { try fed.show("surrey", written.record) != nil }
        let hampshire = fed.member("hampshire"), surrey = fed.member("surrey")

        /// GET `path` on surrey as hampshire's node: status, content type and body.
        func get(_ path: String) throws -> (status: String, type: String, body: String) {
            let file = fed.tmp.file("curl-\(UUID().uuidString)")
            let r = try fed.curl(["--cert", hampshire.certificate, "--key", hampshire.key, "--cacert", fed.caCertificate,
                                  "--output", file, "--write-out", "%{http_code} %{content_type}", surrey.url + path])
            try #require(r.status == 0, "\(r)")
            let parts = r.stdout.split(separator: " ", maxSplits: 1).map(String.init)
            return (parts.first ?? "", parts.count > 1 ? parts[1] : "",
                    (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
        }
        func json(_ body: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
        }

        let health = try get("/healthz")
        #expect(health.status == "200" && health.body.hasPrefix("ok\ndisk: ") && health.body.contains("\nclock: "),
                "\(health)")

        let metrics = try get("/metrics")
        #expect(metrics.status == "200" && metrics.type.hasPrefix("text/plain"), "\(metrics)")
        let entries = int(try fed.status("surrey")["entries"])
        #expect(metrics.body.contains("# TYPE interforce_entries gauge\n"), "\(metrics.body)")
        #expect(metrics.body.split(separator: "\n").contains("interforce_entries \(entries ?? -1)"), "\(metrics.body)")
        for family in ["interforce_records", "interforce_log_rows", "interforce_http_requests_total"] {
            #expect(metrics.body.contains("\n\(family) "), "\(family) in\n\(metrics.body)")
        }

        let membership = try get("/v1/membership")
        #expect(membership.status == "200" && membership.type.hasPrefix("application/json"), "\(membership)")
        let signed = try json(membership.body)
        #expect(Set(signed.keys) == ["membership", "signature"])
        #expect((signed["signature"] as? String)?.count == 128)
        let document = try #require(signed["membership"] as? [String: Any])
        #expect(document["federation"] as? String == Federation.federationName && int(document["version"]) == 1)
        let members = try #require(document["members"] as? [[String: Any]])
        #expect(members.compactMap { $0["force"] as? String } == ["hampshire", "surrey"])
        #expect(members.first { $0["force"] as? String == "surrey" }?["endpoint"] as? String == surrey.url)

        let feeds = try get("/v1/feeds")
        #expect(feeds.status == "200", "\(feeds)")
        let feedsBody = try json(feeds.body)
        #expect(Set(feedsBody.keys) == ["feeds", "heads", "forkDigests", "membershipVersion", "now"]
                && int(feedsBody["membershipVersion"]) == 1, "\(feeds.body)")
        let now = Int(Date().timeIntervalSince1970 * 1000)
        #expect(abs((int(feedsBody["now"]) ?? 0) - now) < 60_000, "now is the node's clock: \(feeds.body)")
        let vector = intMap(feedsBody["feeds"])
        #expect(vector == [hampshire.feed: 1], "\(feeds.body)")
        #expect(vector == intMap(try fed.status("surrey")["versionVector"]))
        #expect((feedsBody["heads"] as? [String: String]) == [hampshire.feed: written.entry], "heads by hash: \(feeds.body)")
        #expect((feedsBody["forkDigests"] as? [String: Any])?.isEmpty == true)

        let feedParameter = hampshire.feed.replacingOccurrences(of: "/", with: "%2F")
        let page = try get("/v1/feeds/entries?feed=\(feedParameter)&after=0&limit=10")
        #expect(page.status == "200", "\(page)")
        let items = try #require(try json(page.body)["items"] as? [[String: Any]], "\(page.body)")
        #expect(items.count == 1)
        let item = try #require(items.first)
        #expect(Set(item.keys) == ["hash", "header", "signature", "position", "payload"], "\(item.keys)")
        #expect(item["hash"] as? String == written.entry)
        let header = try #require(item["header"] as? [String: Any])
        #expect(header["author"] as? String == hampshire.feed && int(header["seq"]) == 1
                && header["record"] as? String == written.record, "\(header)")
        #expect((item["payload"] as? [String: Any]) != nil)
        // The page is the exported entry, byte for byte after canonicalisation.
        let exported = try #require(try fed.export("hampshire", feed: hampshire.feed).first)
        #expect(try JSONValue(parsing: page.body)["items"]?.array?.first == JSONValue(parsing: exported))
    }
}
