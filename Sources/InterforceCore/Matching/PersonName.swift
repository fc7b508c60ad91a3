// Person names as the matcher compares them: given names and surname folded, titles and suffixes taken off.
//
// Forces record names in many shapes: "Mr Robert J. O'Neil-Smith" and "ROBERT JAMES ONEIL SMITH". What stays
// constant is the sequence of given names and the surname's letters, so that is what a `PersonName` keeps:
// folded tokens (see TextFold) with courtesy titles (Mr, Mrs, Dr, ...) removed wherever they appear at the front,
// a generational suffix (Jnr, Snr, II, III) kept apart because it tells a father from his son, and the surname
// both as its parts ("SMITH", "JONES" for Smith-Jones) and joined ("SMITHJONES"), so a space or hyphen typed or
// left out changes nothing. One-letter given names are initials.

public struct PersonName: Sendable, Hashable {
    /// Folded given names in order, e.g. ["ROBERT", "J"].
    public let given: [String]
    /// The surname's folded tokens joined without spaces: "OBRIENWALSH".
    public let surname: String
    /// The surname's folded tokens: ["OBRIEN", "WALSH"].
    public let surnameParts: [String]
    /// A generational suffix, if one was written in either field.
    public let generation: Generation?

    public enum Generation: String, Sendable, Hashable {
        case junior, senior, second, third, fourth
    }

    public init(forenames: String, surname: String) {
        var givenTokens = TextFold.tokens(forenames)
        var surnameTokens = TextFold.tokens(surname)
        var generation: Generation?
        if let last = surnameTokens.last, let g = Self.generations[last], surnameTokens.count > 1 {
            generation = g
            surnameTokens.removeLast()
        }
        if let last = givenTokens.last, let g = Self.generations[last], givenTokens.count > 1 {
            generation = generation ?? g
            givenTokens.removeLast()
        }
        while let first = givenTokens.first, Self.titles.contains(first), givenTokens.count > 1 {
            givenTokens.removeFirst()
        }
        if givenTokens.count == 1, Self.titles.contains(givenTokens[0]) { givenTokens = [] }
        self.given = givenTokens
        self.surnameParts = surnameTokens
        self.surname = surnameTokens.joined()
        self.generation = generation
    }

    /// The first given name, or "" when none was recorded.
    public var forename: String { given.first ?? "" }

    /// Courtesy, professional and religious titles (folded, without full stops).
    static let titles: Set<String> = [
        "MR", "MRS", "MS", "MISS", "MX", "MASTER", "DR", "DOCTOR", "PROF", "PROFESSOR", "REV", "REVD", "REVEREND",
        "FR", "FATHER", "SIR", "DAME", "LORD", "LADY", "SISTER", "BROTHER",
    ]

    static let generations: [String: Generation] = [
        "JR": .junior, "JNR": .junior, "JUNIOR": .junior, "SR": .senior, "SNR": .senior, "SENIOR": .senior,
        "II": .second, "III": .third, "IV": .fourth,
    ]
}
