// `interforce membership ...`: the federation membership document, from each force's description of its node to
// the authority's signature and each node's installation.
//   describe  (at each force)     this node's force, feed, keys, groups and endpoint, as JSON
//   create    (at the authority)  an unsigned document from the descriptions
//   sign      (at the authority)  signs it with the authority's Ed25519 key (PKCS#8 PEM from Deploy/pki.sh)
//   diff      (anyone)            what changes from one version to the next, and whether a node would refuse it
//   inspect   (anyone)            shows a signed document and checks its signature
//   install   (at each force)     installs a newer signed document into the node

import Foundation
import InterforceCore
import InterforceNode

func readJSONFile(_ path: String) throws -> JSONValue {
    do { return try JSONValue(parsing: try readFile(path)) } catch let e as NodeError { throw e } catch {
        throw NodeError("\(path): invalid JSON: \(error)")
    }
}

func writeOutput(_ text: String, to path: String?) throws {
    guard let path else { printOut(Terminal.json(text)); return }
    let sink = try LineSink(path: path)
    sink.write(text)
    try sink.close()
}

enum MembershipDescribeCommand: Command {
    static let name = "membership describe"
    static let abstract = "describe this node for the federation authority (force, feed, key, groups, endpoint)"
    static let usage = "membership describe --name NAME --endpoint https://HOST:PORT [--group SLUG]..."
    static let options = [
        OptionSpec(name: "name", help: "the force's full name", valueName: "NAME"),
        OptionSpec(name: "endpoint", help: "where peers reach this node", valueName: "URL"),
        OptionSpec(name: "group", help: "a group (default: the groups in config.json)", valueName: "SLUG", repeatable: true),
    ]
    static let role = roleLine(.status)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard let name = args.value("name") else { throw UsageError("--name is required") }
        guard let endpoint = args.value("endpoint"), endpoint.hasPrefix("https://") else {
            throw UsageError("--endpoint must be an https:// URL")
        }
        for g in args.all("group") where !Identifiers.isSlug(g) { throw UsageError("group '\(g)' is not a slug") }
        let status = try context.api(args).status()
        let groups = args.has("group") ? args.all("group") : status.groups
        let member: JSONValue = [
            "force": .string(status.force), "name": .string(name), "endpoint": .string(endpoint),
            "groups": .array(groups.sorted().map { .string($0) }),
            "feeds": [["feed": .string(status.feed),
                       "keys": [["key": .string(status.publicKey), "fromSeq": 1, "untilSeq": .null]]]],
        ]
        printJSON(member)
        return ExitCode.success
    }
}

enum MembershipCreateCommand: Command {
    static let name = "membership create"
    static let abstract = "assemble an unsigned membership document, from node descriptions or the current version"
    static let usage = "membership create [--from CURRENT.signed.json] [--federation NAME] [--version N] [--member FILE]... "
        + "[--remove FORCE]... [--add-key FEED:HEX@SEQ]... [--revoke-key HEX@SEQ]... [--revoke-cert SHA256]... "
        + "[--reinstate HEX]... [--out FILE]"
    static let discussion = """
        With --from, the new version starts from the given document (signed or not): every member, feed, key with
        its range, revoked certificate and reinstatement is carried forward, and only what the flags say changes.
        A --member file for a force already listed replaces its name, groups and endpoint and adds the keys it
        lists that the document lacks; keys already listed keep their ranges. --version defaults to the next one.
        Without --from, the document is exactly the --member files and flags given.
        Changes are printed to stderr (see 'membership diff'). A node refuses a version that undoes a revocation of
        the one it holds (a certificate no longer revoked, a key's untilSeq dropped or moved later) unless the key
        or certificate is given with --reinstate, which this document then lists as reinstated.
        """
    static let options = [
        OptionSpec(name: "from", help: "start from this membership document (default: from nothing)", valueName: "FILE"),
        OptionSpec(name: "federation", help: "federation name (default with --from: its name)", valueName: "NAME"),
        OptionSpec(name: "version", help: "document version (default with --from: its version + 1)", valueName: "N"),
        OptionSpec(name: "member", help: "a node description from 'membership describe' (adds or updates a force)",
                   valueName: "FILE", repeatable: true),
        OptionSpec(name: "remove", help: "drop a force from the document", valueName: "FORCE", repeatable: true),
        OptionSpec(name: "add-key", help: "list a new key of a feed from position SEQ (rotation)",
                   valueName: "FEED:HEX@SEQ", repeatable: true),
        OptionSpec(name: "revoke-key", help: "end a key's range at position SEQ of its feed (the last it signs)",
                   valueName: "HEX@SEQ", repeatable: true),
        OptionSpec(name: "revoke-cert", help: "refuse a TLS certificate by SHA-256 fingerprint", valueName: "HEX",
                   repeatable: true),
        OptionSpec(name: "reinstate", help: "undo a revocation on purpose: a revoked certificate, or a key's end",
                   valueName: "HEX", repeatable: true),
        OptionSpec(name: "out", help: "write to FILE (created 0600) instead of stdout", valueName: "FILE"),
    ]
    static let role = noNodeRole

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.isEmpty else { throw UsageError("unexpected argument '\(args.positionals[0])'") }
        let base = try args.value("from").map { try readMembership($0).membership }
        guard let federation = args.value("federation") ?? base?.federation else {
            throw UsageError("--federation is required (or --from)")
        }
        let version: Int64
        if let v = args.value("version") {
            guard let n = Int64(v), n >= 1 else { throw UsageError("--version must be a number >= 1") }
            version = n
        } else if let base { version = base.version + 1 } else { throw UsageError("--version is required (or --from)") }
        if let base, version <= base.version {
            throw UsageError("--version \(version) must be higher than version \(base.version) of --from")
        }
        let revocations = try keyPositions(args.all("revoke-key"), flag: "revoke-key")
        let reinstate = Set(args.all("reinstate"))
        for hex in reinstate where !Identifiers.isLowerHex(hex, count: 64) {
            throw UsageError("--reinstate takes a key or certificate fingerprint as 64 lowercase hex digits")
        }
        for fp in args.all("revoke-cert") where !Identifiers.isLowerHex(fp, count: 64) {
            throw UsageError("--revoke-cert takes a SHA-256 fingerprint as 64 lowercase hex digits")
        }

        // Members by force, as JSON objects: the base's, then each --member file merged in, then --remove.
        var members: [String: [String: JSONValue]] = [:]
        for m in base?.members ?? [] {
            members[m.force] = base!.json["members"]?.array?.first { $0["force"]?.string == m.force }?.object
        }
        for path in args.all("member") {
            guard let file = try readJSONFile(path).object, let force = file["force"]?.string else {
                throw NodeError("\(path): not a member description (a JSON object with 'force')")
            }
            guard base != nil, var merged = members[force] else {
                members[force] = file
                continue
            }
            for key in ["name", "groups", "endpoint"] { if let v = file[key] { merged[key] = v } }
            merged["feeds"] = .array(mergeFeeds(merged["feeds"]?.array ?? [], file["feeds"]?.array ?? []))
            members[force] = merged
        }
        for force in args.all("remove") {
            guard members.removeValue(forKey: force) != nil else { throw NodeError("--remove \(force): no such member") }
        }
        for item in args.all("add-key") {
            let (feed, hex, from) = try newKey(item)
            guard let force = members.first(where: { $0.value["feeds"]?.array?.contains { $0["feed"]?.string == feed } ?? false })?.key
            else { throw NodeError("--add-key: no member lists feed \(feed)") }
            members[force]!["feeds"] = .array(members[force]!["feeds"]!.array!.map { f in
                guard f["feed"]?.string == feed, var o = f.object else { return f }
                o["keys"] = .array((o["keys"]?.array ?? []) + [["key": .string(hex), "fromSeq": .int(from), "untilSeq": .null]])
                return .object(o)
            })
        }
        // Key ranges: --revoke-key ends one, --reinstate (of a key) reopens it.
        var ended = Set<String>(), reopened = Set<String>()
        for force in members.keys {
            members[force]!["feeds"] = .array((members[force]!["feeds"]?.array ?? []).map { feed in
                guard var f = feed.object else { return feed }
                f["keys"] = .array((f["keys"]?.array ?? []).map { key in
                    guard var k = key.object, let hex = k["key"]?.string else { return key }
                    if let until = revocations[hex] {
                        ended.insert(hex)
                        k["untilSeq"] = .int(until)
                    } else if reinstate.contains(hex) {
                        reopened.insert(hex)
                        k["untilSeq"] = .null
                    }
                    return .object(k)
                })
                return .object(f)
            })
        }
        if let missing = Set(revocations.keys).subtracting(ended).sorted().first {
            throw NodeError("--revoke-key \(missing.prefix(16))...: no member lists that key")
        }
        var revoked = Set(base?.revokedCertificates ?? []).union(args.all("revoke-cert"))
        let unrevoked = revoked.intersection(reinstate)
        revoked.subtract(reinstate)
        if let unknown = reinstate.subtracting(unrevoked).subtracting(reopened).sorted().first {
            throw NodeError("--reinstate \(unknown.prefix(16))...: neither a revoked certificate nor a listed key")
        }
        // A reinstatement stands until the key or certificate is revoked again.
        let reinstated = Set(base?.reinstated ?? []).union(reinstate).subtracting(revoked).subtracting(revocations.keys)
        let document: JSONValue = [
            "federation": .string(federation), "version": .int(version), "issuedAt": .int(context.nowFunction()),
            "members": .array(members.keys.sorted().map { .object(members[$0]!) }),
            "revokedCertificates": .array(revoked.sorted().map { .string($0) }),
            "reinstated": .array(reinstated.sorted().map { .string($0) }),
        ]
        let membership: Membership
        do { membership = try Membership(json: document) } catch { throw NodeError(error.message) }
        try writeOutput(membership.json.prettyText(), to: args.value("out"))
        printErr("membership version \(version) of \(Terminal.text(federation)): \(membership.members.count) forces, "
                 + "\(membership.revokedCertificates.count) revoked certificate(s)"
                 + (args.value("out").map { "; written to \(Terminal.text($0)) (unsigned: sign it with 'membership sign')" } ?? ""))
        if let base {
            let changes = membership.changes(since: base)
            printErr("changes from version \(base.version):" + (changes.isEmpty ? " none" : ""))
            for line in diffLines(changes, reinstated: membership.reinstated) { printErr("  " + line) }
        }
        return ExitCode.success
    }

    /// `HEX@SEQ` values of a flag, by key.
    static func keyPositions(_ values: [String], flag: String) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for r in values {
            let parts = r.split(separator: "@", maxSplits: 1).map(String.init)
            guard parts.count == 2, Identifiers.isLowerHex(parts[0], count: 64), let n = Int64(parts[1]), n >= 0,
                  n <= Limits.maxSeq
            else {
                throw UsageError("--\(flag) takes HEX@SEQ, e.g. <64 hex>@42: the key signs positions up to 42 of its feed")
            }
            out[parts[0]] = n
        }
        return out
    }

    /// `FEED:HEX@SEQ`.
    static func newKey(_ text: String) throws -> (feed: String, hex: String, from: Int64) {
        let usage = UsageError("--add-key takes FEED:HEX@SEQ, e.g. surrey/<16 hex>:<64 hex>@43: the new key signs "
                               + "from position 43 of that feed")
        guard let colon = text.lastIndex(of: ":"), let at = text.lastIndex(of: "@"), colon < at else { throw usage }
        let feed = String(text[..<colon]), hex = String(text[text.index(after: colon)..<at])
        guard Identifiers.isFeedID(feed), Identifiers.isLowerHex(hex, count: 64),
              let from = Int64(text[text.index(after: at)...]), Limits.isSeq(from)
        else { throw usage }
        return (feed, hex, from)
    }

    /// The feeds of a member with a description's merged in: keys already listed keep their range; new feeds and
    /// keys are added.
    static func mergeFeeds(_ current: [JSONValue], _ described: [JSONValue]) -> [JSONValue] {
        var out = current
        for feed in described {
            guard let id = feed["feed"]?.string else { continue }
            guard let i = out.firstIndex(where: { $0["feed"]?.string == id }), var f = out[i].object else {
                out.append(feed)
                continue
            }
            var keys = f["keys"]?.array ?? []
            for key in feed["keys"]?.array ?? [] where !keys.contains(where: { $0["key"] == key["key"] }) {
                keys.append(key)
            }
            f["keys"] = .array(keys)
            out[i] = .object(f)
        }
        return out
    }
}

/// A membership document from a file, signed (`{"membership", "signature"}`) or not.
func readMembership(_ path: String) throws -> (membership: Membership, signed: SignedMembership?) {
    let json = try readJSONFile(path)
    do {
        if json["signature"] != nil {
            let signed = try SignedMembership(json: json)
            return (signed.membership, signed)
        }
        return (try Membership(json: json), nil)
    } catch { throw NodeError("\(path): \(error.message)") }
}

/// One line per change; a change that undoes a revocation is marked, as a node would refuse it or as reinstated.
func diffLines(_ changes: [MembershipChange], reinstated: [String]) -> [String] {
    changes.map { c in
        guard let weakened = c.weakens else { return Terminal.text(c.text) }
        return (reinstated.contains(weakened) ? "REINSTATED " : "UNREVOKES ") + Terminal.text(c.text)
    }
}

enum MembershipDiffCommand: Command {
    static let name = "membership diff"
    static let abstract = "show what changes from one membership version to another"
    static let usage = "membership diff OLD NEW [-o table|json]"
    static let discussion = """
        OLD and NEW are membership documents, signed or not. Each change is one line; a change that undoes a
        revocation of OLD is marked UNREVOKES (a node holding OLD refuses NEW; exit 1), or REINSTATED when NEW
        lists it as reinstated.
        """
    static let options = [outputOption]
    static let role = noNodeRole

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 2 else { throw UsageError("give OLD and NEW") }
        let format = try OutputFormat.from(args)
        let old = try readMembership(args.positionals[0]).membership
        let new = try readMembership(args.positionals[1]).membership
        let changes = new.changes(since: old)
        let refused = new.unauthorisedWeakenings(since: old)
        if format == .json {
            printJSON(["from": .int(old.version), "to": .int(new.version), "changes": .array(changes.map(\.json)),
                       "unrevokes": .array(refused.map(\.json))])
        } else {
            printOut("version \(old.version) -> \(new.version): \(changes.count) change(s)")
            for line in diffLines(changes, reinstated: new.reinstated) { printOut("  " + line) }
            if !refused.isEmpty {
                printOut("a node holding version \(old.version) refuses version \(new.version): it undoes "
                         + "\(refused.count) revocation(s) without reinstating them")
            }
        }
        return refused.isEmpty ? ExitCode.success : ExitCode.failure
    }
}

enum MembershipSignCommand: Command {
    static let name = "membership sign"
    static let abstract = "sign a membership document with the federation authority key"
    static let usage = "membership sign FILE --authority-key PEM [--out FILE]"
    static let options = [
        OptionSpec(name: "authority-key", help: "Ed25519 private key, PKCS#8 PEM (Deploy/pki.sh authority)", valueName: "PEM"),
        OptionSpec(name: "out", help: "write to FILE (created 0600) instead of stdout", valueName: "FILE"),
    ]
    static let role = noNodeRole

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one FILE") }
        guard let keyPath = args.value("authority-key") else { throw UsageError("--authority-key is required") }
        let membership: Membership
        do { membership = try Membership(json: try readJSONFile(args.positionals[0])) } catch let e as ModelError {
            throw NodeError("\(args.positionals[0]): \(e.message)")
        }
        let key: SecretKey
        do { key = try SecretKey.fromPKCS8PEM(String(decoding: try readFile(keyPath), as: UTF8.self)) } catch let e as ModelError {
            throw NodeError("\(keyPath): \(e.message)")
        }
        try writeOutput(SignedMembership.sign(membership, with: key).json.prettyText(), to: args.value("out"))
        printErr("signed membership version \(membership.version) with authority key \(key.publicKey.hex.prefix(16))..."
                 + (args.value("out").map { "; written to \(Terminal.text($0))" } ?? ""))
        return ExitCode.success
    }
}

enum MembershipInspectCommand: Command {
    static let name = "membership inspect"
    static let abstract = "show a signed membership document and check its signature"
    static let usage = "membership inspect FILE [--authority PEM] [-o table|json]"
    static let options = [
        OptionSpec(name: "authority", help: "authority public key PEM (default: the node's configured authority)",
                   valueName: "PEM"),
        outputOption,
    ]
    static let role = "none with --authority; without it, any registered officer (the node is asked for its authority key)"

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one FILE") }
        let format = try OutputFormat.from(args)
        let signed: SignedMembership
        do { signed = try SignedMembership(json: try readJSONFile(args.positionals[0])) } catch let e as ModelError {
            throw NodeError("\(args.positionals[0]): \(e.message)")
        }
        var authority: PublicKey?
        if let pem = args.value("authority") {
            do { authority = try PublicKey.fromSPKIPEM(String(decoding: try readFile(pem), as: UTF8.self)) } catch let e as ModelError {
                throw NodeError("\(pem): \(e.message)")
            }
        } else if let hex = try? context.api(args).status().authority {
            authority = try? PublicKey(hex: hex)
        }
        let verified = authority.map { signed.verify(authority: $0) }
        let m = signed.membership
        if format == .json {
            printJSON(.object(["membership": m.json, "signatureValid": verified.map { .bool($0) } ?? .null]))
        } else {
            printOut("federation \(Terminal.text(m.federation))  version \(m.version)  issued \(ISOTime.format(millis: m.issuedAt))")
            printOut("signature  \(verified.map { $0 ? "valid" : "INVALID" } ?? "not checked (no authority key)")")
            printOut(table(["FORCE", "GROUPS", "ENDPOINT", "FEED", "KEYS"], m.members.flatMap { member in
                member.feeds.map { f in
                    [member.force, member.groups.joined(separator: ","), member.endpoint, f.feed,
                     f.keys.map { "\($0.key.hex.prefix(12))… seq \($0.fromSeq)-" + ($0.untilSeq.map { String($0) } ?? "") }
                        .joined(separator: "; ")]
                }
            }))
            if !m.reinstated.isEmpty {
                printOut("reinstated: \(Terminal.text(m.reinstated.joined(separator: ", ")))")
            }
            if !m.revokedCertificates.isEmpty {
                printOut("revoked certificates: \(Terminal.text(m.revokedCertificates.joined(separator: ", ")))")
            }
        }
        return verified == false ? ExitCode.failure : ExitCode.success
    }
}

enum MembershipInstallCommand: Command {
    static let name = "membership install"
    static let abstract = "install a newer signed membership document into this node"
    static let usage = "membership install FILE|- [--request-id ID]"
    static let options = [requestIDOption]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one FILE") }
        let signed: SignedMembership
        do { signed = try SignedMembership(json: try readJSONFile(args.positionals[0])) } catch let e as ModelError {
            throw NodeError("\(args.positionals[0]): \(e.message)")
        }
        let result = try context.api(args).installMembership(
            MembershipInstallRequest(requestId: try context.requestID(args), membership: signed))
        if result.installed {
            printOut("installed membership version \(result.version) (\(result.forces) forces)")
            return ExitCode.success
        }
        printErr("membership version \(result.version) is not newer than the installed version "
                 + "\(result.previous ?? 0); nothing changed")
        return ExitCode.failure
    }
}
