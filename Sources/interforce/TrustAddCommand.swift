// `interforce trust add`: trusts another node's Ed25519 key for a range of positions of its feed.
// Until the signed federation membership arrives, this is how a node learns whose entries to accept.

import InterforceCore
import InterforceNode

enum TrustAddCommand: Command {
    static let name = "trust add"
    static let abstract = "trust a feed's Ed25519 public key (for a range of the feed's positions)"
    static let usage = "trust add --feed FEED --key HEX [--from-seq N] [--until-seq N] [--request-id ID]"
    static let options = [
        OptionSpec(name: "feed", help: "the feed the key signs for", valueName: "FEED"),
        OptionSpec(name: "key", help: "Ed25519 public key, 64 hex digits", valueName: "HEX"),
        OptionSpec(name: "from-seq", help: "first position of the feed it signs (default 1)", valueName: "N"),
        OptionSpec(name: "until-seq", help: "last position it signs (default: no end)", valueName: "N"),
        requestIDOption,
    ]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard let feed = args.value("feed") else { throw UsageError("--feed is required") }
        guard Identifiers.isFeedID(feed) else { throw UsageError("--feed must be <force>/<16 hex digits>") }
        guard let hex = args.value("key") else { throw UsageError("--key is required") }
        let key: PublicKey
        do { key = try PublicKey(hex: hex) } catch { throw UsageError("--key: \(error)") }
        func seq(_ flag: String) throws -> Int64? {
            guard let text = args.value(flag) else { return nil }
            guard let n = Int64(text), Limits.isSeq(n) else { throw UsageError("--\(flag) must be a position 1...\(Limits.maxSeq)") }
            return n
        }
        let request = TrustRequest(requestId: try context.requestID(args), feed: feed, key: key,
                                   fromSeq: try seq("from-seq") ?? 1, untilSeq: try seq("until-seq"))
        let result = try context.api(args).trust(request)
        printOut("trusted \(result.key) for \(result.feed)")
        return ExitCode.success
    }
}
