// The same-as link: an officer's signed statement that two POLE records describe one real person, object, place or
// event (decision 7 of the brief), as a record type of its own so that it is authored, signed, replicated, admitted,
// merged, erased and audited exactly like every other record.
//
// A link record's id is the natural id of its *pair*, the two record ids sorted (byte order) and joined by one
// space: every force that links the same two records writes to the same link record, whoever links first. Its
// `assertions` are an add-wins set: linking adds `{officer, reason}` (tagged, as every add, with the entry's hash);
// unlinking removes exactly the adds the remover observed, and records who and why in the `removal` register. So a
// link made concurrently with an unlink survives it, and the link is *active* while any assertion is present.
// Nothing else changes: the two records are never touched by a link. Clusters are resolved in
// Merge/SameAsClusters.swift.
//
// What a link entry must satisfy beyond its payload schema is checked on write and on receipt alike (`LinkRules`),
// each with its own rejection code.

extension RecordSchema {
    static let linkStatement = ValueSpec.object([
        PropertySpec("officer", officer, required: true),
        PropertySpec("reason", .text(maxLength: LinkRules.maxReason), required: true),
    ])

    public static let link = RecordSchema(
        type: .link, title: "Same-as link",
        fields: [
            FieldSpec("pair", .register, .formatted(.linkPair), required: true,
                      "the two records joined, smaller id first, one space between; gives the link its identity"),
            FieldSpec("assertions", .set, linkStatement, required: true,
                      "who linked the pair and why; the link is active while any is present"),
            FieldSpec("removal", .register, linkStatement, "who last unlinked the pair and why"),
        ],
        naturalKey: "pair")
}

public enum LinkRules {
    public static let maxReason = 500

    /// The pair field of the link between `a` and `b`: the smaller id first.
    public static func pair(_ a: String, _ b: String) -> String {
        Array(a.utf8).lexicographicallyPrecedes(b.utf8) ? "\(a) \(b)" : "\(b) \(a)"
    }

    /// The id of the link record between `a` and `b` (in either order).
    public static func linkID(_ a: String, _ b: String) -> String {
        RecordID.natural(type: .link, key: pair(a, b))
    }

    /// Why `reason` is not a valid link reason, if it is not: 1 to 500 Unicode scalars, not only white space, and
    /// no scalar of the Unicode categories Cc, Cf, Zl or Zp (control and format characters, line and paragraph
    /// separators).
    public static func reasonProblem(_ reason: String) -> String? {
        let scalars = reason.unicodeScalars
        guard (1...maxReason).contains(scalars.count) else { return "must be 1 to \(maxReason) characters" }
        guard scalars.contains(where: { !$0.properties.isWhitespace }) else { return "must not be only white space" }
        if let bad = scalars.first(where: {
            [.control, .format, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory)
        }) {
            return "must not contain control characters (found U+\(String(bad.value, radix: 16, uppercase: true)))"
        }
        return nil
    }

    /// Whether the two records named by `a` and `b` may be linked, judged from their ids alone.
    public static func pairProblem(_ a: String, _ b: String) -> Rejection? {
        if a == b { return Rejection(.linkSelf, "a record cannot be linked to itself (\(a))") }
        let ta = RecordType(recordID: a), tb = RecordType(recordID: b)
        guard let ta, let tb, ta.isPOLE, tb.isPOLE else {
            return Rejection(.linkType, "links join person, object, location or event records, not \(a) and \(b)")
        }
        guard ta == tb else {
            return Rejection(.linkCrossType,
                             "a \(ta.rawValue) record cannot be linked to a record of another type (\(tb.rawValue)): \(a), \(b)")
        }
        return nil
    }

    /// The checks a write payload to a link record must pass before its operations are parsed: every reason it
    /// states is a valid reason (`link-reason`). Anything else wrong with its shape is left to the schema.
    public static func checkReasons(_ payload: JSONValue) throws(Rejection) {
        var statements: [JSONValue] = payload["add"]?["assertions"]?.array ?? []
        if let removal = payload["set"]?["removal"] { statements.append(removal) }
        for removal in payload["remove"]?["assertions"]?.array ?? [] {
            if let value = removal["value"] { statements.append(value) }
        }
        for statement in statements {
            guard let reason = statement["reason"]?.string else { continue }
            if let problem = reasonProblem(reason) { throw Rejection(.linkReason, "link reason \(problem)") }
        }
    }

    /// The checks the parsed operations of a link write must pass: a pair it sets names two distinct POLE records
    /// of one type, smaller id first (the natural-key check then ties the pair to the record id).
    public static func checkPair(_ ops: Operations) throws(Rejection) {
        guard let pair = ops.assign["pair"]?.string else { return }
        let parts = pair.split(separator: " ").map(String.init)
        guard parts.count == 2 else { return }   // the format already refused it
        if let problem = pairProblem(parts[0], parts[1]) { throw problem }
        guard pair == Self.pair(parts[0], parts[1]) else {
            throw Rejection(.linkOrder, "link pair must name the smaller record id first")
        }
    }
}
