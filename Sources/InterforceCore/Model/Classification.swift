// Government Security Classification markings that an entry may carry.
//
// Interforce shares only the OFFICIAL tier. SECRET and TOP SECRET material belongs on accredited systems, so
// any other marking is refused at authoring and at ingest rather than stored and filtered later.

/// The marking carried by every entry header (decision 4 of the brief).
public enum Classification: String, CaseIterable, Sendable, Comparable {
    case official = "OFFICIAL"
    case officialSensitive = "OFFICIAL-SENSITIVE"

    /// Parses a marking exactly as written in an entry header; anything else is a ``ModelError``.
    public init(validating text: String) throws(ModelError) {
        guard let value = Classification(rawValue: text) else {
            throw ModelError("classification '\(text.prefix(40))' is not accepted (allowed: OFFICIAL, OFFICIAL-SENSITIVE)")
        }
        self = value
    }

    private var rank: Int { self == .official ? 0 : 1 }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
