// `interforce init`: creates a node's data directory, Ed25519 key, feed id, config and store.

import Foundation
import InterforceCore
import InterforceNode
import InterforceTransport
#if canImport(Glibc)
import Glibc
#endif

enum InitCommand: Command {
    static let name = "init"
    static let abstract = "create a node: data directory, key, feed, config and store (never overwrites)"
    static let usage = "init --force SLUG [--group SLUG]... [--authority PEM] [--listen HOST:PORT] [--tls-cert PEM --tls-key PEM --tls-ca PEM] [--peer FORCE]... [--socket-group GROUP]"
    static let discussion = """
        The federation settings can also be edited later in config.json (see docs/OPERATIONS.md). The account
        that runs init owns the node: it runs 'serve', and is the node's first admin ('interforce officer add').
        """
    static let options = [
        OptionSpec(name: "force", help: "this node's force, e.g. hampshire", valueName: "SLUG"),
        OptionSpec(name: "group", help: "a group the force belongs to, e.g. south-east", valueName: "SLUG",
                   repeatable: true),
        OptionSpec(name: "authority", help: "federation authority public key (PEM from Deploy/pki.sh authority)",
                   valueName: "PEM"),
        OptionSpec(name: "listen", help: "address for the peer HTTPS server, e.g. 127.0.0.1:7401", valueName: "HOST:PORT"),
        OptionSpec(name: "tls-cert", help: "this node's certificate (PEM)", valueName: "PEM"),
        OptionSpec(name: "tls-key", help: "this node's TLS private key (PEM)", valueName: "PEM"),
        OptionSpec(name: "tls-ca", help: "the federation CA certificate (PEM)", valueName: "PEM"),
        OptionSpec(name: "peer", help: "a force to replicate with", valueName: "FORCE", repeatable: true),
        OptionSpec(name: "socket-group", help: "the Unix group of the officers who may use the running node",
                   valueName: "GROUP"),
        outputOption,
    ]
    static let role = "none: the account that runs it becomes the node's own account"

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard let force = args.value("force") else { throw UsageError("--force is required") }
        guard args.positionals.isEmpty else { throw UsageError("unexpected argument '\(args.positionals[0])'") }
        let format = try OutputFormat.from(args)
        let dir = context.dataDirectory(args)
        var authority: String?
        if let pem = args.value("authority") {
            do { authority = try PublicKey.fromSPKIPEM(String(decoding: try readFile(pem), as: UTF8.self)).hex } catch let e as ModelError {
                throw UsageError("--authority \(pem): \(e.message)")
            }
        }
        func absolute(_ p: String?) -> String? {
            p.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
        }
        for flag in ["tls-cert", "tls-key", "tls-ca"] {
            if let p = args.value(flag), !FileManager.default.fileExists(atPath: p) { throw UsageError("--\(flag): \(p) not found") }
        }
        if let cert = args.value("tls-cert") {
            guard let ca = args.value("tls-ca") else { throw UsageError("--tls-cert needs --tls-ca, the federation CA") }
            do {
                try NodeCertificate.check(certificateFile: cert, caFile: ca, force: force,
                                          serverName: Replicator.serverName(of: force))
            } catch let e as ServerError { throw NodeError(e.message) }
        }
        for p in args.all("peer") where !Identifiers.isSlug(p) { throw UsageError("--peer '\(p)' is not a force slug") }
        if let g = args.value("socket-group"), getgrnam(g) == nil { throw UsageError("--socket-group: no group '\(g)'") }
        if let l = args.value("listen"), l.split(separator: ":").count < 2 || UInt16(l.split(separator: ":").last!) == nil {
            throw UsageError("--listen must be HOST:PORT")
        }
        let node = try Node.initialize(dataDirectory: dir, force: force, groups: args.all("group"), settings: { c in
            c.authority = authority
            c.listen = args.value("listen")
            c.tlsCertificate = absolute(args.value("tls-cert"))
            c.tlsKey = absolute(args.value("tls-key"))
            c.tlsCA = absolute(args.value("tls-ca"))
            c.peers = args.all("peer")
            c.socketGroup = args.value("socket-group")
        }, now: context.nowFunction)
        let info: JSONValue = ["data": .string(dir.path), "force": .string(force), "feed": .string(node.config.feed),
                               "publicKey": .string(node.publicKey.hex)]
        if format == .json { printJSON(info) } else {
            printOut("Initialised node for \(force) in \(dir.path)\nfeed \(node.config.feed)\nkey  \(node.publicKey.hex)")
        }
        return ExitCode.success
    }
}
