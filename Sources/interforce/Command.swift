// What every subcommand is: a name, a one-line abstract, its usage and options, the role it needs, and a `run`
// that parses arguments into a typed request, asks the node (NodeAPI) and renders the answer.
//
// The node is reached the same way for every command (`Context.api`): through its local socket when `serve` runs,
// otherwise — for the node's own account only — by opening the store in this process. Either way the node decides
// who is asking from the operating system and applies its policy; the CLI never states an identity.

import Foundation
import InterforceCore
import InterforceNode
#if canImport(Glibc)
import Glibc
#endif

enum ExitCode {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 64
    /// A write was sent to the node but no answer came back: it may or may not have been done (EX_TEMPFAIL).
    static let unknown: Int32 = 75
}

protocol Command {
    static var name: String { get }
    static var abstract: String { get }
    static var usage: String { get }
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    /// Who may run it, for `--help`.
    static var role: String { get }
    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32
}

extension Command {
    static var discussion: String { "" }
    static var help: String {
        var lines = ["\(abstract)", "", "USAGE: interforce \(usage)", "", "ROLE: \(role)"]
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

/// The ROLE line of a command that asks the node for `permission`.
func roleLine(_ permission: Permission) -> String {
    switch permission {
    case .readRecords:
        "\(permission.roleList); an OFFICIAL-SENSITIVE record only with OFFICIAL-SENSITIVE clearance or when named on it"
    case .writeRecords, .eraseRecords:
        "\(permission.roleList); changing an OFFICIAL-SENSITIVE record needs clearance or being named on it"
    default: permission.roleList + (permission.roles.contains(.admin) ? " (the node's own account is always admin)" : "")
    }
}

let noNodeRole = "none: works on files only and does not use the node"

/// What commands share: the environment they run in.
struct Context {
    let environment: [String: String]

    func dataDirectory(_ args: ParsedArguments) -> DataDirectory {
        let path: String
        if let d = args.value("data") { path = d } else if let d = environment["INTERFORCE_DATA"], !d.isEmpty { path = d } else {
            path = (environment["HOME"] ?? ".") + "/.interforce"
        }
        // The socket path is handed to the kernel as is: make it absolute so it does not depend on the directory.
        return DataDirectory(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
    }

    /// The node of this data directory: the running node over its socket, or (only for the account that owns the
    /// data directory, when no node runs) the store opened here.
    func api(_ args: ParsedArguments) throws -> any NodeAPI {
        let dir = dataDirectory(args)
        if let client = try LocalClient.connect(socket: dir.socket) { return client }
        var info = stat()
        if stat(dir.path, &info) == 0, info.st_uid != geteuid() {
            throw NodeError("the node at \(dir.path) is not running (nothing answers on \(dir.socket)); only its own "
                            + "account (\(accountName(info.st_uid))) may open the store while it is stopped")
        }
        let node = try Node.open(dataDirectory: dir, now: nowFunction)
        return LocalNode(service: NodeService(node), replicator: nil).session(uid: geteuid())
    }

    /// INTERFORCE_NOW_MS pins the clock (tests of clock skew); otherwise the wall clock.
    var nowFunction: @Sendable () -> Int64 {
        if let fixed = environment["INTERFORCE_NOW_MS"].flatMap({ Int64($0) }) { return { fixed } }
        return Node.wallClock
    }

    /// --purpose, else INTERFORCE_PURPOSE: `CODE: TEXT`.
    func purpose(_ args: ParsedArguments) throws -> Purpose {
        guard let text = args.value("purpose") ?? environment["INTERFORCE_PURPOSE"] else {
            throw UsageError("reads require --purpose 'CODE: TEXT' (CODE one of "
                             + PurposeCode.allCases.map(\.rawValue).joined(separator: ", ") + "; TEXT the reference)")
        }
        do { return try Purpose(parsing: text) } catch { throw UsageError("--purpose: \(error.message)") }
    }

    /// --request-id, else a new one.
    func requestID(_ args: ParsedArguments) throws -> String {
        guard let id = args.value("request-id") else { return RequestID.new() }
        guard RequestID.isValid(id) else { throw UsageError("--request-id must be 16 to 64 letters, digits or '-'") }
        return id
    }
}

func accountName(_ uid: uid_t) -> String {
    guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
    return String(cString: name)
}

let purposeOption = OptionSpec(name: "purpose", help: "why, as CODE: TEXT, e.g. 'investigation: 44/12345/26' (default: $INTERFORCE_PURPOSE)",
                               valueName: "PURPOSE")
let requestIDOption = OptionSpec(name: "request-id", help: "this write's id (default: a new one); the same id again "
                                 + "returns the first result instead of writing twice", valueName: "ID")
let outputOption = OptionSpec(name: "output", help: "table (default) or json", valueName: "FORMAT")

enum OutputFormat {
    case table, json
    static func from(_ args: ParsedArguments) throws -> OutputFormat {
        switch args.value("output") ?? "table" {
        case "table": return .table
        case "json": return .json
        case let other: throw UsageError("-o must be table or json, not '\(Terminal.text(String(other.prefix(20))))'")
        }
    }
}

/// Reads a JSON document from --json TEXT, --file PATH (relative to the working directory), or stdin when the
/// file is '-'.
func readJSONInput(_ args: ParsedArguments, what: String) throws -> JSONValue {
    let bytes: [UInt8]
    let source: String
    if let inline = args.value("json") {
        bytes = Array(inline.utf8)
        source = "--json"
    } else if let path = args.value("file") {
        bytes = try readFile(path)
        source = path == "-" ? "stdin" : path
    } else {
        throw UsageError("give the \(what) with --json TEXT or --file PATH ('-' for stdin)")
    }
    do { return try JSONValue(parsing: bytes) } catch { throw NodeError("\(source): invalid JSON: \(error)") }
}

/// A file's bytes, or stdin's for '-'.
func readFile(_ path: String) throws -> [UInt8] {
    if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw NodeError("cannot read \(path): missing or unreadable")
    }
    return [UInt8](data)
}

func printOut(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

func printErr(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

/// Aligned columns for humans; every cell escaped for the terminal.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let rows = rows.map { $0.map(Terminal.text) }
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

func parseClassification(_ args: ParsedArguments) throws -> Classification? {
    guard let text = args.value("classification") else { return nil }
    do { return try Classification(validating: text) } catch { throw UsageError(error.message) }
}

func parseAudience(_ args: ParsedArguments) throws -> Audience? {
    guard let text = args.value("audience") else { return nil }
    do { return try Audience(parsing: text) } catch { throw UsageError(error.message) }
}

/// Lines to stdout or to a new 0600 file (never overwritten); on a terminal, escaped like JSON.
final class LineSink {
    let handle: FileHandle
    let escape: Bool
    var buffer: [UInt8] = []

    init(path: String?) throws {
        guard let path else {
            handle = FileHandle.standardOutput
            escape = Terminal.stdoutIsTerminal
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw NodeError("cannot create \(path): \(String(cString: strerror(errno)))") }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        escape = false
    }

    func write(_ line: String) {
        buffer.append(contentsOf: (escape ? Terminal.json(line) : line).utf8)
        buffer.append(0x0a)
        if buffer.count > 1 << 16 { flush() }
    }

    func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        flush()
        if handle !== FileHandle.standardOutput { try handle.synchronize() }
    }
}
