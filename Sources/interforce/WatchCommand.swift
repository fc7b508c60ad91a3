// `interforce watch`: follows new entries live — an officer preparing to question a suspect sees the paragraphs
// of an interview note as they are written at another force. Polls the running node (or the store) twice a
// second; the start of the watch is logged with officer and purpose.

import Foundation
import InterforceCore
import InterforceNode

enum WatchCommand: Command {
    static let name = "watch"
    static let abstract = "follow new entries live (all records, or one with --record)"
    static let usage = "watch [--record ID] [--for SECONDS] [--count N] --officer ID --purpose TEXT [-o table|json]"
    static let options = [
        OptionSpec(name: "record", help: "only this record", valueName: "ID"),
        OptionSpec(name: "for", help: "stop after this many seconds (default: until interrupted)", valueName: "SECONDS"),
        OptionSpec(name: "count", help: "stop after N entries", valueName: "N"),
        officerOption, purposeOption, outputOption,
    ]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let seconds = try args.value("for").map { v -> Double in
            guard let s = Double(v), s > 0 else { throw UsageError("--for must be a positive number of seconds") }
            return s
        }
        let count = try args.value("count").map { v -> Int in
            guard let n = Int(v), n > 0 else { throw UsageError("--count must be a positive number") }
            return n
        }
        let deadline = seconds.map { Date().addingTimeInterval($0) }
        var base = ["watch-poll"]
        if let r = args.value("record") { base += ["--record", r] }
        for flag in ["data", "officer", "purpose"] { if let v = args.value(flag) { base += ["--\(flag)", v] } }
        var head = try poll(base + ["--start"], context)["head"]?.int ?? 0
        var seen = 0
        while deadline.map({ Date() < $0 }) ?? true {
            let reply = try poll(base + ["--after", String(head)], context)
            head = reply["head"]?.int ?? head
            for event in reply["events"]?.array ?? [] {
                printOut(format == .json ? event.canonicalText : describe(event))
                seen += 1
                if let count, seen >= count { return ExitCode.success }
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        return ExitCode.success
    }

    /// One poll, through the running node when there is one.
    static func poll(_ argv: [String], _ context: Context) throws -> JSONValue {
        let captured = CapturedOutput(stdin: [])
        let exit = Output.$captured.withValue(captured) { dispatch(argv, context: context, forward: true) }
        guard exit == ExitCode.success, let json = try? JSONValue(parsing: captured.stdout) else {
            throw NodeError(String(decoding: captured.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return json
    }

    static func describe(_ e: JSONValue) -> String {
        let who = "\(e["at"]?.string ?? "") \(e["force"]?.string ?? "") \(e["record"]?.string ?? "")"
        if e["op"]?.string == "erase" { return "\(who) ERASED" }
        guard let change = e["change"] else { return "\(who) (payload erased)" }
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
        return "\(who) " + parts.joined(separator: "; ")
    }
}

/// The poll behind `watch` (not listed in help): the new head and the events after a log row.
enum WatchPollCommand: Command {
    static let name = "watch-poll"
    static let abstract = "(internal) one poll of 'watch'"
    static let usage = "watch-poll (--start | --after SEQ) [--record ID] --officer ID --purpose TEXT"
    static let options = [
        OptionSpec(name: "record", help: "only this record", valueName: "ID"),
        OptionSpec.flag("start", "log the start of a watch and return the head"),
        OptionSpec(name: "after", help: "log row to continue after", valueName: "SEQ"),
        officerOption, purposeOption,
    ]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let node = try context.openNode(args)
        let record = args.value("record")
        if args.has("start") {
            let head = try node.startWatch(record: record, reader: try context.reader(args, node))
            printOut(JSONValue.object(["head": .int(head), "events": []]).canonicalText)
            return ExitCode.success
        }
        guard let a = args.value("after"), let after = Int64(a), after >= 0 else {
            throw UsageError("--after SEQ or --start is required")
        }
        _ = try context.reader(args, node)   // the same officer and purpose as the logged start
        let (head, events) = try node.watchEvents(after: after, record: record)
        printOut(JSONValue.object(["head": .int(head), "events": .array(events)]).canonicalText)
        return ExitCode.success
    }
}
