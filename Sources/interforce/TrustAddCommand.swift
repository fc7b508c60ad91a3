// `interforce trust add`: trusts another node's Ed25519 key for its feed, within a validity window.
// Until the signed federation membership arrives, this is how a node learns whose entries to accept.

import InterforceCore
import InterforceNode

enum TrustAddCommand: Command {
    static let name = "trust add"
    static let abstract = "trust a feed's Ed25519 public key (within an optional validity window)"
    static let usage = "trust add --feed FEED --key HEX [--from TIME] [--until TIME] [--request-id ID]"
    static let options = [
        OptionSpec(name: "feed", help: "the feed the key signs for", valueName: "FEED"),
        OptionSpec(name: "key", help: "Ed25519 public key, 64 hex digits", valueName: "HEX"),
        OptionSpec(name: "from", help: "valid from (default: always)", valueName: "TIME"),
        OptionSpec(name: "until", help: "valid until (default: no end)", valueName: "TIME"),
        requestIDOption,
    ]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard let feed = args.value("feed") else { throw UsageError("--feed is required") }
        guard Identifiers.isFeedID(feed) else { throw UsageError("--feed must be <force>/<16 hex digits>") }
        guard let hex = args.value("key") else { throw UsageError("--key is required") }
        let key: PublicKey
        do { key = try PublicKey(hex: hex) } catch { throw UsageError("--key: \(error)") }
        let request = TrustRequest(requestId: try context.requestID(args), feed: feed, key: key,
                                   validFrom: try parseTime(args.value("from"), flag: "from") ?? 0,
                                   validUntil: try parseTime(args.value("until"), flag: "until"))
        let result = try context.api(args).trust(request)
        printOut("trusted \(result.key) for \(result.feed)")
        return ExitCode.success
    }
}
