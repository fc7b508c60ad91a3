// `interforce membership ...`: the federation membership document, from each force's description of its node to
// the authority's signature and each node's installation.
//   describe  (at each force)     this node's force, feed, keys, groups and endpoint, as JSON
//   create    (at the authority)  an unsigned document from the descriptions
//   sign      (at the authority)  signs it with the authority's Ed25519 key (PKCS#8 PEM from Deploy/pki.sh)
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
    static let abstract = "assemble an unsigned membership document from node descriptions"
    static let usage = "membership create --federation NAME --version N --member FILE... [--revoke-key HEX@SEQ]... [--revoke-cert SHA256]... [--out FILE]"
    static let options = [
        OptionSpec(name: "federation", help: "federation name", valueName: "NAME"),
        OptionSpec(name: "version", help: "document version; must exceed the installed one", valueName: "N"),
        OptionSpec(name: "member", help: "a node description from 'membership describe'", valueName: "FILE", repeatable: true),
        OptionSpec(name: "revoke-key", help: "end a key's range at position SEQ of its feed (the last it signs)",
                   valueName: "HEX@SEQ", repeatable: true),
        OptionSpec(name: "revoke-cert", help: "refuse a TLS certificate by SHA-256 fingerprint", valueName: "HEX",
                   repeatable: true),
        OptionSpec(name: "out", help: "write to FILE (created 0600) instead of stdout", valueName: "FILE"),
    ]
    static let role = noNodeRole

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard let federation = args.value("federation") else { throw UsageError("--federation is required") }
        guard let v = args.value("version"), let version = Int64(v), version >= 1 else {
            throw UsageError("--version must be a number >= 1")
        }
        var revocations: [String: Int64] = [:]
        for r in args.all("revoke-key") {
            let parts = r.split(separator: "@", maxSplits: 1).map(String.init)
            guard parts.count == 2, Identifiers.isLowerHex(parts[0], count: 64), let n = Int64(parts[1]), n >= 0,
                  n <= Limits.maxSeq
            else {
                throw UsageError("--revoke-key takes HEX@SEQ, e.g. <64 hex>@42: the key signs positions up to 42 of its feed")
            }
            revocations[parts[0]] = n
        }
        var members: [JSONValue] = []
        var revoked = Set<String>()
        for path in args.all("member") {
            var member = try readJSONFile(path)
            if var o = member.object, let feeds = o["feeds"]?.array {
                o["feeds"] = .array(feeds.map { feed in
                    guard var f = feed.object else { return feed }
                    f["keys"] = .array((f["keys"]?.array ?? []).map { key in
                        guard var k = key.object, let hex = k["key"]?.string, let until = revocations[hex] else { return key }
                        revoked.insert(hex)
                        k["untilSeq"] = .int(until)
                        return .object(k)
                    })
                    return .object(f)
                })
                member = .object(o)
            }
            members.append(member)
        }
        if let missing = Set(revocations.keys).subtracting(revoked).sorted().first {
            throw NodeError("--revoke-key \(missing.prefix(16))...: no member file lists that key")
        }
        let document: JSONValue = [
            "federation": .string(federation), "version": .int(version), "issuedAt": .int(context.nowFunction()),
            "members": .array(members), "revokedCertificates": .array(args.all("revoke-cert").map { .string($0) }),
        ]
        let membership: Membership
        do { membership = try Membership(json: document) } catch { throw NodeError(error.message) }
        try writeOutput(membership.json.prettyText(), to: args.value("out"))
        return ExitCode.success
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
