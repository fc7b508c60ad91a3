// `interforce audit export`: the whole log as JSON lines, each row with its prev and hash, for outside verification.

import Foundation
import InterforceCore
import InterforceNode

enum AuditExportCommand: Command {
    static let name = "audit export"
    static let abstract = "write the whole log as JSON lines (one row per line, with prev and hash)"
    static let usage = "audit export [--out FILE] --officer ID --purpose TEXT"
    static let options = [
        OptionSpec(name: "out", help: "write to FILE (created 0600, never overwritten) instead of stdout", valueName: "FILE"),
        officerOption, purposeOption,
    ]

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let node = try context.openNode(args)
        let reader = try context.reader(args, node)
        let sink = try LineSink(path: args.value("out"))
        let count = try node.exportLog(reader: reader) { row in try sink.write(row.json.canonicalText) }
        try sink.close()
        printErr("\(count) log row(s) exported")
        return ExitCode.success
    }
}

/// Lines to stdout or to a new 0600 file.
final class LineSink {
    let handle: FileHandle?
    let path: String?
    var buffer: [UInt8] = []

    init(path: String?) throws {
        self.path = path
        guard let path else { handle = nil; return }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw NodeError("cannot create \(path): \(String(cString: strerror(errno)))") }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    func write(_ line: String) throws {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0a)
        if buffer.count > 1 << 16 { flush() }
    }

    func flush() {
        if let handle { handle.write(Data(buffer)) } else { writeOut(buffer) }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        flush()
        try handle?.synchronize()
    }
}
