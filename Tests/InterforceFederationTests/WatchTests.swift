// Live following across forces (the Cumbria case): an officer at one force watches an interview note while an
// officer at another force, on a linked node, appends to it; the paragraph shows up in the watch as written.

import Foundation
import InterforceCore
import InterforceTestSupport
import Testing

@Suite struct WatchTests {
    @Test func aWatchSeesAParagraphAppendedAtALinkedForce() throws {
        let fed = try Federation([("hampshire", ["south-east"]), ("surrey", ["south-east"])],
                                 links: [("hampshire", "surrey")])
        let note = try fed.write("hampshire", "interview-note", Fixtures.noteDocument().canonicalText,
                                 audience: "group:south-east")
        try waitUntil(timeout: 20, "the note at surrey") { try fed.show("surrey", note.record) != nil }

        let watch = try fed.launch(Fixtures.executable, ["watch", "--record", note.record, "--count", "1", "--for", "20"],
                                   extra: fed.officerEnvironment("surrey"), label: "watch")
        // The watch has started once surrey has logged it (with the officer and purpose).
        try waitUntil(timeout: 15, "surrey to log the start of the watch") {
            try fed.auditLog("surrey").contains {
                $0["kind"] as? String == "read" && $0["record"] as? String == note.record
                    && ($0["detail"] as? [String: Any])?["view"] as? String == "watch"
                    && $0["officer"] as? String == Federation.officer("surrey")
            }
        }
        let paragraph = "The suspect was seen leaving Elm Road at 22:10."
        try fed.ok("hampshire", "record", "update", note.record, "--append", paragraph)
        let appended = Date()
        #expect(fed.wait(watch, seconds: 25), "watch did not finish")
        let latency = Date().timeIntervalSince(appended)
        let (stdout, stderr) = fed.output("watch")
        #expect(watch.terminationStatus == 0, "\(stderr)")
        let lines = stdout.split(separator: "\n")
        #expect(lines.count == 1, "\(stdout)")
        #expect(lines.first?.contains("hampshire") == true && lines.first?.contains(note.record) == true
                && lines.first?.contains("+ paragraphs: \(paragraph)") == true, "\(stdout)")
        #expect(latency < 10, "seen \(latency) s after it was written")
    }
}
