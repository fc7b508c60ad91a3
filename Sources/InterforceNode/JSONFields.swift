// Strict reading of a JSON object that came from outside the node (a local API request, a stored registration):
// exactly the members expected, each of the type expected, and an error naming the member when not.

public import InterforceCore

/// The members of one JSON object, read one at a time; unknown members are refused up front.
public struct Fields {
    let object: [String: JSONValue]
    let what: String

    /// `json` must be an object whose members are all in `allowed`.
    public init(_ json: JSONValue, _ what: String, _ allowed: Set<String>) throws(NodeError) {
        guard let object = json.object else { throw NodeError("\(what): expected a JSON object") }
        if let extra = Set(object.keys).subtracting(allowed).sorted().first {
            throw NodeError("\(what): unknown member '\(extra.prefix(40))'")
        }
        self.object = object
        self.what = what
    }

    /// The member, or nil when absent or null.
    public func value(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    public func require(_ key: String) throws(NodeError) -> JSONValue {
        guard let v = value(key) else { throw NodeError("\(what).\(key): missing") }
        return v
    }

    public func string(_ key: String) throws(NodeError) -> String {
        guard let s = try require(key).string else { throw NodeError("\(what).\(key): expected a string") }
        return s
    }

    public func optionalString(_ key: String) throws(NodeError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw NodeError("\(what).\(key): expected a string") }
        return s
    }

    public func int(_ key: String) throws(NodeError) -> Int64 {
        guard let i = try require(key).int else { throw NodeError("\(what).\(key): expected an integer") }
        return i
    }

    public func optionalInt(_ key: String) throws(NodeError) -> Int64? {
        guard let v = value(key) else { return nil }
        guard let i = v.int else { throw NodeError("\(what).\(key): expected an integer") }
        return i
    }

    public func bool(_ key: String) throws(NodeError) -> Bool {
        guard case .bool(let b) = try require(key) else { throw NodeError("\(what).\(key): expected true or false") }
        return b
    }

    public func optionalBool(_ key: String) throws(NodeError) -> Bool? {
        value(key) == nil ? nil : try bool(key)
    }

    public func array(_ key: String) throws(NodeError) -> [JSONValue] {
        guard let a = try require(key).array else { throw NodeError("\(what).\(key): expected an array") }
        return a
    }

    public func strings(_ key: String) throws(NodeError) -> [String] {
        let items = try array(key)
        let strings = items.compactMap(\.string)
        guard strings.count == items.count else { throw NodeError("\(what).\(key): expected an array of strings") }
        return strings
    }

    public func classification(_ key: String) throws(NodeError) -> Classification {
        do { return try Classification(validating: try string(key)) } catch let e as ModelError {
            throw NodeError("\(what).\(key): \(e.message)")
        } catch let e as NodeError { throw e } catch { throw NodeError("\(what).\(key): \(error)") }
    }

    public func optionalClassification(_ key: String) throws(NodeError) -> Classification? {
        value(key) == nil ? nil : try classification(key)
    }
}
