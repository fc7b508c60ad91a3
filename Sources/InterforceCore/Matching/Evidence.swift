// What a duplicate scan hands an officer: suspected pairs, each with a score and the evidence for it.
//
// A scan proposes; it never decides. Each `SuspectedDuplicate` says which two records, how strongly they look like
// one person, vehicle or place, and why, field by field, in terms an officer can check against the records: "date
// of birth: day-month-swapped, 1985-03-04 / 1985-04-03, +7.0". Weights are in tenths of a bit: each is (roughly)
// ten times log2 of how much likelier the finding is between two records of one real thing than between two
// records of different things, so they add up, and +10 means "twice as likely", +100 "a thousand times". A veto
// is a finding that rules a pair out whatever else agrees (two different PNC IDs; two different first names),
// and is kept so that the question "why was this pair not proposed?" has an answer too.

/// One field's comparison.
public struct Evidence: Sendable, Hashable, CustomStringConvertible {
    /// "surname", "forename", "date-of-birth", "address", "registration", ...
    public let field: String
    /// The finding, from the fixed vocabulary of docs/MATCHING.md: "exact", "nickname", "day-month-swapped", ...
    public let finding: String
    /// The two values as compared, after normalisation.
    public let first: String
    public let second: String
    /// Tenths of a bit; negative counts against the pair. A veto's weight is 0 (it is not added, it decides).
    public let weight: Int
    /// A detail of the finding, e.g. which characters of a registration had to be read the other way.
    public let note: String?

    public init(_ field: String, _ finding: String, _ first: String, _ second: String, weight: Int,
                note: String? = nil) {
        (self.field, self.finding, self.first, self.second) = (field, finding, first, second)
        (self.weight, self.note) = (weight, note)
    }

    /// "forename: nickname, BOB / ROBERT, +4.0" (and the note in brackets, if any).
    public var description: String {
        "\(field): \(finding), \(first) / \(second), \(Self.format(weight))" + (note.map { " (\($0))" } ?? "")
    }

    /// Tenths as "+4.0" / "-2.5".
    public static func format(_ tenths: Int) -> String {
        let sign = tenths < 0 ? "-" : "+"
        let m = tenths.magnitude
        return "\(sign)\(m / 10).\(m % 10)"
    }
}

/// The comparison of one pair: the sum of the weights, each finding, and a veto if one applies.
public struct Assessment: Sendable, Hashable {
    public var score: Int = 0
    public var evidence: [Evidence] = []
    /// The finding that rules the pair out, if any.
    public var veto: Evidence?
    /// Whether some fact other than the name supports the pair; person pairs need it to be proposed.
    public var corroborated = true

    public init() {}

    mutating func add(_ e: Evidence) {
        evidence.append(e)
        score += e.weight
    }

    /// Whether this pair is put to an officer at `threshold`.
    public func isProposed(threshold: Int) -> Bool { veto == nil && corroborated && score >= threshold }
}

/// A pair the scan puts to an officer. `first` < `second`, by record id.
public struct SuspectedDuplicate: Sendable, Hashable {
    public let first: String
    public let second: String
    public let score: Int
    public let evidence: [Evidence]

    public init(first: String, second: String, score: Int, evidence: [Evidence]) {
        (self.first, self.second, self.score, self.evidence) = (first, second, score, evidence)
    }
}

/// The outcome of one scan.
public struct ScanReport: Sendable {
    /// Proposed pairs, highest score first (ties by record ids), each pair once.
    public let proposals: [SuspectedDuplicate]
    public let records: Int
    /// Pairs that shared a blocking key and were scored; the rest were never compared.
    public let comparedPairs: Int
    /// Blocks larger than the limit, left unexpanded (so the scan stays bounded); their pairs were not compared
    /// unless another key brought them together.
    public let skippedBlocks: [SkippedBlock]
    public let threshold: Int

    public struct SkippedBlock: Sendable, Hashable {
        public let key: String
        public let size: Int
    }
}
