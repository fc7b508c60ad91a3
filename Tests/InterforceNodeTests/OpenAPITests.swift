// Schemas/openapi.yaml describes exactly the routes the peer API serves: the (method, path) pairs under `paths:`
// equal PeerAPI.routes in both directions. The spec is also checked for being well-formed: always by a small
// structural check written here, and in addition by PyYAML when python3 has it.

import Foundation
import InterforceNode
import InterforceTestSupport
import Testing

struct OpenAPITests {
    struct Route: Hashable, Comparable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method) \(path)" }
        static func < (a: Route, b: Route) -> Bool { (a.path, a.method) < (b.path, b.method) }
    }

    static let specPath = Fixtures.packageRoot + "/Schemas/openapi.yaml"
    static let httpMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    static var served: Set<Route> { Set(PeerAPI.routes.map { Route(method: $0.method, path: $0.path) }) }

    static func specText() throws -> String { try String(contentsOfFile: specPath, encoding: .utf8) }

    static func indentation(_ line: Substring) -> Int { line.prefix { $0 == " " }.count }

    static func isContent(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " }
        return !trimmed.isEmpty && !trimmed.hasPrefix("#")
    }

    /// The key of a `key:` or `key: value` line, without quotes; nil for other lines.
    static func key(_ line: Substring) -> String? {
        let trimmed = line.drop { $0 == " " }
        guard !trimmed.hasPrefix("-"), let colon = trimmed.firstIndex(of: ":") else { return nil }
        let after = trimmed[trimmed.index(after: colon)...]
        guard after.isEmpty || after.hasPrefix(" ") else { return nil }
        var name = String(trimmed[..<colon])
        if name.count >= 2, let q = name.first, q == "\"" || q == "'", name.last == q { name = String(name.dropFirst().dropLast()) }
        return name
    }

    /// (method, path) pairs under the top-level `paths:` key: paths are keys indented two spaces, methods keys
    /// indented four spaces under them. The section ends at the next top-level key.
    static func specRoutes(_ text: String) -> [Route] {
        var routes: [Route] = []
        var inPaths = false
        var currentPath: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where isContent(line) {
            let indent = indentation(line)
            if indent == 0 {
                inPaths = key(line) == "paths"
                currentPath = nil
                continue
            }
            guard inPaths, let name = key(line) else { continue }
            if indent == 2 {
                currentPath = name
            } else if indent == 4, let path = currentPath, httpMethods.contains(name) {
                routes.append(Route(method: name.uppercased(), path: path))
            }
        }
        return routes
    }

    @Test func theLineParserReadsPathsAndMethods() {
        let sample = """
            openapi: 3.1.0
            paths:
              /a:
                get:
                  responses: {}
                post:
                  summary: x
              "/b/c":
                # a comment
                delete:
                  parameters: []
            components:
              /not-a-path:
                get: {}
            """
        #expect(Self.specRoutes(sample) == [Route(method: "GET", path: "/a"), Route(method: "POST", path: "/a"),
                                             Route(method: "DELETE", path: "/b/c")])
    }

    @Test func specDescribesExactlyTheServedRoutes() throws {
        let listed = Self.specRoutes(try Self.specText())
        let spec = Set(listed)
        #expect(listed.count == spec.count, "a (method, path) is listed twice in openapi.yaml")
        #expect(PeerAPI.routes.count == Self.served.count, "PeerAPI.routes lists a route twice")
        let undocumented = Self.served.subtracting(spec).sorted()
        let unserved = spec.subtracting(Self.served).sorted()
        #expect(undocumented.isEmpty, "served by PeerAPI but missing from openapi.yaml: \(undocumented)")
        #expect(unserved.isEmpty, "in openapi.yaml but not served by PeerAPI: \(unserved)")
        #expect(spec.count == 10)
    }

    /// A structural check that needs no YAML library: indentation by spaces in steps of two, the required top-level
    /// keys, the mutual-TLS security scheme, every local `$ref` naming a component that exists, and the external
    /// entry schema present beside the spec.
    @Test func specIsStructurallyWellFormed() throws {
        let text = try Self.specText()
        #expect(!text.contains("\t"), "openapi.yaml contains a tab")
        #expect(!text.contains("\r"), "openapi.yaml contains a carriage return")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var topLevel: [String] = []
        var components: Set<String> = []   // "schemas/Name", "responses/Name", ...
        var section: String?
        for (number, line) in lines.enumerated() where Self.isContent(line) {
            let indent = Self.indentation(line)
            #expect(indent % 2 == 0, "line \(number + 1): indentation \(indent) is not a multiple of 2")
            if indent == 0 {
                let name = Self.key(line)
                #expect(name != nil, "line \(number + 1): a top-level line must be a key")
                topLevel.append(name ?? "")
            }
            if indent == 2, topLevel.last == "components" { section = Self.key(line) }
            if indent == 4, topLevel.last == "components", let section, let name = Self.key(line) {
                components.insert(section + "/" + name)
            }
        }
        #expect(Set(topLevel).count == topLevel.count, "a top-level key repeats: \(topLevel)")
        for required in ["openapi", "info", "paths", "components", "security"] {
            #expect(topLevel.contains(required), "top-level key '\(required)' is missing")
        }
        #expect(lines.contains { $0.hasPrefix("openapi: 3.1.") }, "the spec must declare openapi: 3.1.x")
        #expect(components.contains("securitySchemes/mutualTLS"))
        #expect(text.contains("type: mutualTLS"))
        #expect(lines.contains("  - mutualTLS: []"), "mutualTLS must be the default security requirement")

        var dangling: [String] = []
        for line in lines {
            guard let range = line.range(of: "$ref: ") else { continue }
            let target = line[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            if target.hasPrefix("#/components/") {
                if !components.contains(String(target.dropFirst("#/components/".count))) { dangling.append(target) }
            } else {
                let file = Fixtures.packageRoot + "/Schemas/" + target.replacingOccurrences(of: "./", with: "")
                if !FileManager.default.fileExists(atPath: file) { dangling.append(target) }
            }
        }
        #expect(dangling.isEmpty, "$ref targets that do not exist: \(dangling)")
    }

    /// PyYAML must load the spec, find OpenAPI 3.1, resolve every local $ref, and list the same routes.
    @Test func specParsesAsYAML() throws {
        let script = """
            import json, sys
            try:
                import yaml
            except ImportError:
                print("NO-YAML"); sys.exit(0)
            doc = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
            assert isinstance(doc, dict), "not a mapping"
            assert str(doc.get("openapi", "")).startswith("3.1."), "openapi is not 3.1.x"
            def resolve(ref):
                node = doc
                for part in ref[2:].split("/"):
                    node = node[part.replace("~1", "/").replace("~0", "~")]
            def walk(x):
                if isinstance(x, dict):
                    for k, v in x.items():
                        if k == "$ref" and isinstance(v, str) and v.startswith("#/"):
                            resolve(v)
                        walk(v)
                elif isinstance(x, list):
                    for v in x:
                        walk(v)
            walk(doc)
            print(json.dumps(sorted([m.upper(), p] for p, ops in doc["paths"].items() for m in ops)))
            """
        // The test set-up (Deploy/debian-deps.sh --with-python) installs PyYAML: without it this check fails, loudly,
        // instead of returning as if it had passed.
        let result = try #require(try? Self.python(["-c", script, Self.specPath]), "python3 is needed")
        #expect(!result.stdout.hasPrefix("NO-YAML"),
                "python3 lacks PyYAML: run Deploy/debian-deps.sh --with-python (make test does) to check openapi.yaml")
        #expect(result.status == 0, "PyYAML could not load openapi.yaml: \(result.stderr)")
        guard result.status == 0 else { return }
        let pairs = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String]] ?? []
        let parsed = Set(pairs.compactMap { $0.count == 2 ? Route(method: $0[0], path: $0[1]) : nil })
        #expect(parsed == Self.served, "routes as PyYAML reads them: \(parsed.sorted())")
    }

    struct ProcessResult {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs python3 from PATH; throws when it cannot be started or is not installed (exit 127 from env).
    static func python(_ arguments: [String]) throws -> ProcessResult {
        let scratch = TemporaryDirectory("openapi")
        let out = scratch.file("out"), err = scratch.file("err")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        struct NotInstalled: Error {}
        if process.terminationStatus == 127 { throw NotInstalled() }
        return ProcessResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}
