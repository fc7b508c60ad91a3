// `interforce watch`: follows new entries live — an officer preparing to question a suspect sees the paragraphs
// of an interview note as they are written at another force. The start of the watch is logged with the officer,
// account and purpose; then the node is polled twice a second through the watch's cursor, and shows only entries
// of records the caller may read.

import Foundation
import InterforceCore
import InterforceNode

enum WatchCommand: Command {
    static let name = "watch"
    static let abstract = "follow new entries live (all records, or one with --record)"
    static let usage = "watch [--record ID] [--for SECONDS] [--count N] --purpose 'CODE: TEXT' [-o table|json]"
    static let options = [
        OptionSpec(name: "record", help: "only this record", valueName: "ID"),
        OptionSpec(name: "for", help: "stop after this many seconds (default: until interrupted)", valueName: "SECONDS"),
        OptionSpec(name: "count", help: "stop after N entries", valueName: "N"),
        purposeOption, outputOption,
    ]
    static let role = roleLine(.readRecords)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let seconds = try args.value("for").map { v -> Double in
            guard let s = Double(v), s > 0, s <= 1e7 else { throw UsageError("--for must be a positive number of seconds") }
            return s
        }
        let count = try args.value("count").map { v -> Int in
            guard let n = Int(v), n > 0 else { throw UsageError("--count must be a positive number") }
            return n
        }
        let request = WatchRequest(record: args.value("record"), purpose: try context.purpose(args))
        let deadline = seconds.map { Date().addingTimeInterval($0) }
        let api = try context.api(args)
        guard let cursor = try api.watch(request).cursor else { throw NodeError("the node did not start the watch") }
        var seen = 0
        while deadline.map({ Date() < $0 }) ?? true {
            for event in try api.nextEvents(NextRequest(cursor: cursor)).items {
                printOut(format == .json ? Terminal.json(event.json.canonicalText) : describe(event))
                seen += 1
                if let count, seen >= count { return ExitCode.success }
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        return ExitCode.success
    }

    static func describe(_ e: WatchEvent) -> String {
        let who = "\(ISOTime.format(millis: e.at)) \(e.force) \(e.record)"
        if e.op == "erase" { return "\(who) ERASED" }
        guard let change = e.change else { return "\(who) (payload erased)" }
        var parts: [String] = []
        for (field, values) in (change["append"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            for v in values.array ?? [] { parts.append("+ \(field): \(v.string ?? v.canonicalText)") }
        }
        for (field, value) in (change["set"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            parts.append("\(field) = \(value.string ?? value.canonicalText)")
        }
        for (field, values) in (change["add"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            parts.append("\(field) += \(values.canonicalText)")
        }
        for (field, values) in (change["remove"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            parts.append("\(field) -= \((values.array ?? []).compactMap { $0["value"]?.canonicalText }.joined(separator: ","))")
        }
        return Terminal.text("\(who) " + parts.joined(separator: "; "))
    }
}
