// What reaches a terminal: every string that came from a user or a peer (record fields, purposes, officer names,
// peers' error messages) is shown with its control characters escaped, so nobody can move the cursor, clear a line
// or forge a row on the screen of the officer or auditor who reads it.
//
// Human output (tables, `record show`, `watch`) escapes every control, format and separator character visibly:
// `\n`, `\r`, `\t`, `\e`, and `\u{…}` for the rest. JSON output escapes the ones JSON leaves raw (DEL, C1 controls,
// bidirectional overrides, U+2028/9…) as `\uXXXX`, which parses to the same value. JSON-lines exports stay
// byte-exact canonical JSON when they go to a file or a pipe, and are escaped like JSON only on a terminal.

import Foundation
import InterforceCore
import InterforceNode

enum Terminal {
    /// `text` for a human reader, with control characters escaped visibly.
    static func text(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: TextRules.isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard TextRules.isControl(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{1B}": out += "\\e"
            default: out += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return out
    }

    /// JSON text with the control characters JSON leaves raw written as `\uXXXX` escapes (the same JSON value).
    /// They can only occur inside strings, where the escape is valid.
    static func json(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: TextRules.isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard TextRules.isControl(scalar), scalar.value >= 0x20 else {
                out.unicodeScalars.append(scalar)
                continue
            }
            for unit in String(scalar).utf16 { out += "\\u" + String(format: "%04x", unit) }
        }
        return out
    }

    /// Whether standard output is a terminal.
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
}

/// A JSON value for `-o json`: pretty, with every control character escaped.
func printJSON(_ value: JSONValue) { printOut(Terminal.json(value.prettyText())) }

/// Progress of long work (`entries export`, `entries ingest`, `audit export`) on one line of stderr, rewritten in
/// place at most twice a second, from half a second in, and only when stderr is a terminal: short work and a pipe
/// or a log file get the final summary alone.
final class Progress {
    private let enabled = isatty(STDERR_FILENO) == 1
    private var last = Date()
    private var shown = false

    /// Shows `text` (`12000 entries exported...`) unless the last update (or the start) was under 0.5 s ago.
    func update(_ text: @autoclosure () -> String) {
        guard enabled, Date().timeIntervalSince(last) >= 0.5 else { return }
        last = Date()
        shown = true
        FileHandle.standardError.write(Data(("\r" + Terminal.text(text()) + "\u{1B}[K").utf8))
    }

    /// Clears the progress line before the summary is printed.
    func finish() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}
