// What every subcommand is: a name, a one-line abstract, its usage and options, a `validate` step that turns
// arguments into a plan (usage errors only) and a `run` that does the work and returns an exit code.

import Foundation
import InterforceCore
import InterforceNode

enum ExitCode {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 64
}

protocol Command {
    static var name: String { get }
    static var abstract: String { get }
    static var usage: String { get }
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32
}

extension Command {
    static var discussion: String { "" }
    static var help: String {
        var lines = ["\(abstract)", "", "USAGE: interforce \(usage)"]
        if !discussion.isEmpty { lines += ["", discussion] }
        lines += ["", "OPTIONS:"]
        for o in options + globalOptions {
            let flag = o.name == "output" ? "-o, --output \(o.valueName!)"
                : "--\(o.name)" + (o.valueName.map { " \($0)" } ?? "")
            lines.append("  " + flag.padding(toLength: max(26, flag.count + 2), withPad: " ", startingAt: 0) + o.help)
        }
        return lines.joined(separator: "\n")
    }
}

/// What commands share: where the data lives, the clock, and (inside `serve`) the running node.
struct Context {
    let environment: [String: String]
    /// Set when the command runs inside `serve` on behalf of a CLI that forwarded it over the local socket.
    var running: RunningNode? = nil

    func dataDirectory(_ args: ParsedArguments) -> DataDirectory {
        if let d = args.value("data") { return DataDirectory(d) }
        if let d = environment["INTERFORCE_DATA"], !d.isEmpty { return DataDirectory(d) }
        return DataDirectory((environment["HOME"] ?? ".") + "/.interforce")
    }

    func openNode(_ args: ParsedArguments) throws -> Node {
        if let running {
            guard let node = running.node else { throw NodeError("internal: command needs the node outside its lock") }
            return node
        }
        return try Node.open(dataDirectory: dataDirectory(args), now: nowFunction)
    }

    /// INTERFORCE_NOW_MS pins the clock (tests of clock skew); otherwise the wall clock.
    var nowFunction: @Sendable () -> Int64 {
        if let fixed = environment["INTERFORCE_NOW_MS"].flatMap({ Int64($0) }) { return { fixed } }
        return Node.wallClock
    }

    /// --officer/--purpose, else INTERFORCE_OFFICER/INTERFORCE_PURPOSE, else the node's configured defaults.
    func reader(_ args: ParsedArguments, _ node: Node) throws -> Reader {
        guard let officer = args.value("officer") ?? environment["INTERFORCE_OFFICER"] ?? node.config.defaultOfficer
        else { throw UsageError("reads require --officer (who is reading)") }
        guard let purpose = args.value("purpose") ?? environment["INTERFORCE_PURPOSE"] ?? node.config.defaultPurpose
        else { throw UsageError("reads require --purpose (why: e.g. an incident or case reference)") }
        do { return try Reader(officer: officer, purpose: purpose) } catch { throw UsageError(error.message) }
    }

    func writer(_ args: ParsedArguments, _ node: Node) throws -> String {
        guard let officer = args.value("officer") ?? environment["INTERFORCE_OFFICER"] ?? node.config.defaultOfficer,
              !officer.trimmingCharacters(in: .whitespaces).isEmpty
        else { throw UsageError("writes require --officer (who is writing)") }
        return officer
    }
}

let officerOption = OptionSpec(name: "officer", help: "officer doing this (default: $INTERFORCE_OFFICER or config)",
                               valueName: "ID")
let purposeOption = OptionSpec(name: "purpose", help: "why, e.g. an incident or case reference (default: $INTERFORCE_PURPOSE or config)",
                               valueName: "TEXT")
let outputOption = OptionSpec(name: "output", help: "table (default) or json", valueName: "FORMAT")

enum OutputFormat {
    case table, json
    static func from(_ args: ParsedArguments) throws -> OutputFormat {
        switch args.value("output") ?? "table" {
        case "table": return .table
        case "json": return .json
        case let other: throw UsageError("-o must be table or json, not '\(other.prefix(20))'")
        }
    }
}

/// Reads a JSON document from --data TEXT, --file PATH, or stdin when the file is '-'.
func readJSONInput(_ args: ParsedArguments, what: String) throws -> JSONValue {
    let bytes: [UInt8]
    let source: String
    if let inline = args.value("json") {
        bytes = Array(inline.utf8)
        source = "--json"
    } else if let path = args.value("file") {
        if path == "-" {
            bytes = readStandardInput()
            source = "stdin"
        } else {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw NodeError("cannot read \(path): missing or unreadable")
            }
            bytes = [UInt8](data)
            source = path
        }
    } else {
        throw UsageError("give the \(what) with --json TEXT or --file PATH ('-' for stdin)")
    }
    do { return try JSONValue(parsing: bytes) } catch { throw NodeError("\(source): invalid JSON: \(error)") }
}

/// Where a command's output goes: the terminal, or (for a command forwarded to `serve`) buffers sent back.
final class CapturedOutput: @unchecked Sendable {
    // Only touched by the one thread running the forwarded command.
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    let stdin: [UInt8]
    init(stdin: [UInt8]) { self.stdin = stdin }
}

enum Output {
    @TaskLocal static var captured: CapturedOutput?
}

func printOut(_ text: String) { writeOut(Array((text + "\n").utf8)) }

func printErr(_ text: String) { writeErr(Array((text + "\n").utf8)) }

func writeErr(_ bytes: [UInt8]) {
    if let c = Output.captured { c.stderr += bytes } else { FileHandle.standardError.write(Data(bytes)) }
}

func writeOut(_ bytes: [UInt8]) {
    if let c = Output.captured { c.stdout += bytes } else { FileHandle.standardOutput.write(Data(bytes)) }
}

func readStandardInput() -> [UInt8] {
    if let c = Output.captured { return c.stdin }
    return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
}

/// Aligned columns for humans.
func table(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}

func parseTime(_ text: String?, flag: String) throws -> Int64? {
    guard let text else { return nil }
    guard let ms = ISOTime.parse(text) else {
        throw UsageError("--\(flag) must be a UTC time such as 2026-11-22 or 2026-11-22T09:30:00Z")
    }
    return ms
}
