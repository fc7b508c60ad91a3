// `interforce audit log`: the replication and access log, filtered. Reading it is itself logged.

import InterforceCore
import InterforceNode
import InterforceStore

enum AuditLogCommand: Command {
    static let name = "audit log"
    static let abstract = "show the hash-chained replication and access log, filtered"
    static let usage = "audit log [--kind K] [--by COLLAR] [--account NAME] [--for CODE] [--peer P] [--author FEED] [--record ID] [--since T] [--until T] [--limit N] --purpose 'CODE: TEXT'"
    static let discussion = "Kinds: init, write, erase, accept, duplicate, reject, read, query, export, deny, officer-registered, officer-disabled, key-trusted, payloads-dropped, verify, audit, ... (docs/DATA-MODEL.md §11)."
    static let options = [
        OptionSpec(name: "kind", help: "only rows of this kind", valueName: "KIND"),
        OptionSpec(name: "by", help: "only rows of the officer with this collar number", valueName: "COLLAR"),
        OptionSpec(name: "account", help: "only rows caused by this Unix account", valueName: "NAME"),
        OptionSpec(name: "for", help: "only reads whose purpose has this code (investigation, ...)", valueName: "CODE"),
        OptionSpec(name: "peer", help: "only rows about this peer", valueName: "PEER"),
        OptionSpec(name: "author", help: "only rows about entries of this feed", valueName: "FEED"),
        OptionSpec(name: "record", help: "only rows about this record", valueName: "ID"),
        OptionSpec(name: "since", help: "at or after", valueName: "TIME"),
        OptionSpec(name: "until", help: "before", valueName: "TIME"),
        OptionSpec(name: "limit", help: "the newest N rows (default 100; more than 1000 are read 1000 at a time)",
                   valueName: "N"),
        purposeOption, outputOption,
    ]
    static let role = roleLine(.readLog)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        guard args.positionals.isEmpty else { throw UsageError("unexpected argument '\(args.positionals[0])'") }
        var filter = LogFilter()
        filter.kind = args.value("kind")
        filter.officer = args.value("by")
        filter.account = args.value("account")
        if let code = args.value("for") {
            guard PurposeCode(rawValue: code) != nil else {
                throw UsageError("--for must be one of " + PurposeCode.allCases.map(\.rawValue).joined(separator: ", "))
            }
            filter.purposeCode = code
        }
        filter.peer = args.value("peer")
        filter.author = args.value("author")
        filter.record = args.value("record")
        filter.since = try parseTime(args.value("since"), flag: "since")
        filter.until = try parseTime(args.value("until"), flag: "until")
        var limit = 100
        if let l = args.value("limit") {
            guard let n = Int(l), (1...1_000_000).contains(n) else {
                throw UsageError("--limit must be a number from 1 to 1000000")
            }
            limit = n
        }
        let rows = try pages(context.api(args), filter, limit: limit, purpose: try context.purpose(args))
        if format == .json {
            printJSON(.array(rows.map(\.json)))
        } else {
            printOut(table(["SEQ", "AT", "KIND", "WHO", "RECORD/ENTRY", "REASON/DETAIL"], rows.map { r in
                let e = r.event
                let who = [e.officer, e.account.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
                let what = e.record ?? e.entry.map { String($0.prefix(16)) } ?? "-"
                let detail = e.reason.map { "\($0): \(e.detail["message"]?.string ?? "")" }
                    ?? (e.purpose.map { "purpose: \($0)" } ?? e.detail.canonicalText)
                return [String(r.seq), ISOTime.format(millis: r.at), e.kind,
                        who.isEmpty ? (e.peer ?? e.author ?? "-") : who, what, String(detail.prefix(100))]
            }))
        }
        return ExitCode.success
    }

    /// The newest `limit` rows matching `filter`, oldest first, asked for a page of at most
    /// `AuditLogRequest.maxLimit` at a time (each page back from the oldest row of the last), so that the node is
    /// never held for the whole answer. Each page is logged as a read of the log.
    static func pages(_ api: any NodeAPI, _ filter: LogFilter, limit: Int, purpose: Purpose) throws -> [LogRow] {
        var pages: [[LogRow]] = [], left = limit, page = filter
        while left > 0 {
            page.limit = min(left, AuditLogRequest.maxLimit)
            let rows = try api.auditLog(AuditLogRequest(filter: page, purpose: purpose)).rows
            pages.append(rows)
            left -= rows.count
            guard rows.count == page.limit, let oldest = rows.first?.seq else { break }
            page.before = oldest
        }
        return pages.reversed().flatMap { $0 }
    }
}
