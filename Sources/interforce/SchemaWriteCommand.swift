// `interforce schema write`: writes the JSON Schemas generated from the model (the same specs the validator runs),
// so Schemas/ can be regenerated and a test can prove the committed files match.

import Foundation
import InterforceCore

enum SchemaWriteCommand: Command {
    static let name = "schema write"
    static let abstract = "write the generated record and operation JSON Schemas into DIR"
    static let usage = "schema write DIR"
    static let options: [OptionSpec] = []
    static let role = noNodeRole

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one DIR") }
        let dir = args.positionals[0]
        for (relative, schema) in GeneratedSchemas.all {
            let path = dir + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: Data((schema.prettyText() + "\n").utf8)) else {
                throw UsageError("cannot write \(path)")
            }
            printOut(path)
        }
        return ExitCode.success
    }
}
