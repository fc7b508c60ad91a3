// The admin's status page (issue 13, point 5): `GET /status` on the node's HTTPS port, a read-only HTML page of the
// peers (state, lag in entries and time, last success, last error with its time), the warnings, the recent refusals
// and alerts, and the head of the audit log. It holds no record content (refusal messages never carry any), runs no
// script (Content-Security-Policy `default-src 'none'`) and refreshes itself every 10 seconds. It is served to a
// client with a member certificate, like /metrics, or to one connecting from the node's own host (loopback), so an
// admin can open it in a browser on the node, or through an SSH tunnel, without a client certificate.

import InterforceCore
import InterforceStore

extension Node {
    /// Rows of recent refusals and alerts the page shows, newest last.
    static let statusPageRows = 20

    func statusPage() throws -> String {
        let (peers, peerWarnings) = try peerViews()
        let at = now()
        let head = try store.logHead()
        let headRow = try store.logRows(after: max(0, head - 1), kinds: nil, limit: 1).first
        var rejects = LogFilter.kind("reject")
        rejects.limit = Self.statusPageRows
        var alerts = LogFilter.kind("alert")
        alerts.limit = Self.statusPageRows
        var checkpoints = LogFilter.kind("checkpoint")
        checkpoints.limit = 1

        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
            <title>Interforce \(e(config.force)): status</title>
            <style>
            body { font-family: sans-serif; margin: 1.5em; color: #111; }
            table { border-collapse: collapse; margin-bottom: 1.5em; }
            th, td { border: 1px solid #999; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
            th { background: #e8e8e8; }
            .ok { color: #060; } .bad { color: #a00; font-weight: bold; } .warn { color: #a50; }
            </style></head><body>
            <h1>Interforce node <span id="force">\(e(config.force))</span></h1>
            <p>version \(e(InterforceVersion.current)) · feed \(e(config.feed)) · membership
            \(membership.map { "version \($0.version) of \(e($0.federation))" } ?? "none installed") ·
            shown at \(ISOTime.format(millis: at))</p>

            """
        html += "<h2>Peers</h2>\n<table id=\"peers\"><tr><th>peer</th><th>state</th><th>lag</th>"
            + "<th>last success</th><th>clock</th><th>sent</th><th>received</th>"
            + "<th>last error</th></tr>\n"
        for p in peers {
            let state = p.state
            let css = state == "ok" ? "ok" : (state == "unreachable" || state == "not a member" ? "bad" : "warn")
            let error = p.lastError.map { message in
                let when = p.lastErrorAt.map { errorAt in
                    "\(ISOTime.format(millis: errorAt)) (\(seconds(at - errorAt)) ago"
                        + ((p.lastSuccess ?? 0) >= errorAt ? ", since recovered)" : ")")
                } ?? ""
                return "\(when): \(e(message))"
            } ?? "-"
            html += "<tr class=\"peer\" data-peer=\"\(e(p.peer))\"><td>\(e(p.peer))</td><td class=\"\(css)\">\(state)</td>"
                + "<td class=\"lag\">\(e(p.lagSummary))</td>"
                + "<td>\(p.lastSuccess.map { ISOTime.format(millis: $0) } ?? "never")</td>"
                + "<td>\(p.clockOffsetMillis.map { seconds($0) } ?? "-")</td><td>\(p.entriesSent)</td>"
                + "<td>\(p.entriesReceived)</td><td>\(error)</td></tr>\n"
        }
        html += "</table>\n"
        let allWarnings = try warnings().filter { !peerWarnings.contains($0) } + peerWarnings
        html += "<h2>Warnings</h2>\n"
            + (allWarnings.isEmpty ? "<p class=\"ok\">none</p>\n"
               : "<ul id=\"warnings\">" + allWarnings.map { "<li class=\"warn\">\(e($0))</li>" }.joined() + "</ul>\n")
        html += rowsTable("Recent refusals", id: "rejects", try store.logRows(rejects))
        html += rowsTable("Alerts", id: "alerts", try store.logRows(alerts))
        html += "<h2>Audit log head</h2>\n<p id=\"log-head\">row \(head)"
            + (headRow.map { " · hash <code>\($0.hash)</code> · \(ISOTime.format(millis: $0.at))" } ?? "")
            + (try store.logRows(checkpoints).last.map { " · last checkpoint: row \($0.seq)" } ?? "") + "</p>\n"
        return html + "</body></html>\n"
    }

    private func rowsTable(_ title: String, id: String, _ rows: [LogRow]) -> String {
        guard !rows.isEmpty else { return "<h2>\(title)</h2>\n<p class=\"ok\" id=\"\(id)\">none</p>\n" }
        var html = "<h2>\(title)</h2>\n<table id=\"\(id)\"><tr><th>row</th><th>time</th><th>peer</th><th>reason</th>"
            + "<th>feed</th><th>message</th></tr>\n"
        for r in rows {
            let message = r.event.detail["message"]?.string ?? ""
            html += "<tr><td>\(r.seq)</td><td>\(ISOTime.format(millis: r.at))</td><td>\(e(r.event.peer ?? "-"))</td>"
                + "<td>\(e(r.event.reason ?? "-"))</td><td>\(e(r.event.author ?? "-"))</td>"
                + "<td>\(e(String(message.prefix(300))))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// HTML-escaped text.
    private func e(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
