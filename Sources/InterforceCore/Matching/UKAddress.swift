// UK addresses taken apart into the pieces that identify a dwelling, so two ways of writing one address agree.
//
// One flat is written "Flat 3, 12 High St, Beeston, Nottingham NG9 2JL", "3/12 HIGH STREET BEESTON NG92JL" and
// "12 High Street Flat 3". What identifies it is the same in each: a sub-building (flat 3), a building number (12),
// a street (HIGH STREET), a locality and a postcode. `UKAddress` parses those from free text: it splits on commas
// and line breaks, finds the postcode (see Postcode), expands the abbreviations of street types (Rd, St, Ave,
// Cres, ...; St at the start of a name is Saint), and recognises the flat forms (Flat/Flt/Apartment/Apt/Unit/Room
// N, and "3/12" or "3 12" for flat 3 at number 12). What is left before the number is a building name, what is
// after the street is the locality. The parse never fails: text it cannot place stays in the street or locality,
// and both records go through the same rules, so the comparison stays fair.

public struct UKAddress: Sendable, Hashable, CustomStringConvertible {
    /// The flat, apartment or unit: "3", "2A".
    public let subBuilding: String?
    /// Words before the building number (or, without one, the lines before the street): "ROSE COTTAGE".
    public let buildingName: String?
    /// "12", "12A".
    public let number: String?
    /// "HIGH STREET", with abbreviations expanded; "" when none was found.
    public let street: String
    /// The remaining words: "BEESTON NOTTINGHAM".
    public let locality: [String]
    public let postcode: Postcode?

    /// Characters of an address read; the rest is ignored (no real address is longer).
    public static let maximumCharacters = 512

    /// `postcode`, when given, overrides one found in `text` (records often hold it in its own field).
    public init(_ text: String, postcode given: String? = nil) {
        var parts = Self.splitLines(String(text.prefix(Self.maximumCharacters))).map(TextFold.tokens)
            .filter { !$0.isEmpty }
        var found = Self.extractPostcode(&parts)
        if let given, let p = Postcode(given) { found = p }
        postcode = found
        parts = parts.map(Self.expandAbbreviations).filter { !$0.isEmpty }

        var sub: String?
        for p in parts.indices {
            var tokens = parts[p]
            if let i = tokens.firstIndex(where: Self.subBuildingWords.contains), i + 1 < tokens.count {
                sub = tokens[i + 1]
                tokens.removeSubrange(i...(i + 1))
                parts[p] = tokens
                break
            }
        }
        parts = parts.filter { !$0.isEmpty }

        // The building number: the first numeric token; "3 12" (from 3/12) is flat 3 at number 12.
        var number: String?, name: [String] = [], street: [String] = [], locality: [String] = []
        if let p = parts.firstIndex(where: { $0.contains(where: Self.isNumber) }),
           var i = parts[p].firstIndex(where: Self.isNumber) {
            var tokens = parts[p]
            let nameEnd = i
            if sub == nil, i + 1 < tokens.count, Self.isNumber(tokens[i + 1]) {
                sub = tokens[i]
                i += 1
            }
            number = tokens[i]
            if i + 2 < tokens.count, tokens[i + 1].utf8.count == 1, !Self.isNumber(tokens[i + 1]) {
                number = tokens[i] + tokens[i + 1]  // "12 A High Street"
                tokens.remove(at: i + 1)
            }
            name = parts[..<p].flatMap { $0 } + tokens[..<nameEnd]
            var rest = Array(tokens[(i + 1)...])
            var later = Array(parts[(p + 1)...])
            if rest.isEmpty, !later.isEmpty { rest = later.removeFirst() }
            (street, locality) = Self.splitStreet(rest)
            locality += later.flatMap { $0 }
        } else if !parts.isEmpty {
            // No number: the street is the first line with a street type (or the first line), names come before.
            let p = parts.firstIndex(where: { $0.contains(where: Self.streetTypes.contains) }) ?? 0
            name = parts[..<p].flatMap { $0 }
            (street, locality) = Self.splitStreet(parts[p])
            locality += parts[(p + 1)...].flatMap { $0 }
        }
        self.subBuilding = sub
        self.number = number
        self.buildingName = name.isEmpty ? nil : name.joined(separator: " ")
        self.street = street.joined(separator: " ")
        self.locality = locality
    }

    /// One line: "FLAT 3, 12 HIGH STREET, BEESTON NOTTINGHAM, NG9 2JL".
    public var description: String {
        var lines: [String] = []
        if let subBuilding { lines.append("FLAT \(subBuilding)") }
        if let buildingName { lines.append(buildingName) }
        let line = [number, street.isEmpty ? nil : street].compactMap { $0 }.joined(separator: " ")
        if !line.isEmpty { lines.append(line) }
        if !locality.isEmpty { lines.append(locality.joined(separator: " ")) }
        if let postcode { lines.append(postcode.description) }
        return lines.joined(separator: ", ")
    }

    public var isEmpty: Bool { number == nil && street.isEmpty && postcode == nil && buildingName == nil }

    /// How two addresses relate, from the same dwelling to different places.
    public enum Agreement: String, Sendable, Hashable {
        /// Same number (or building name) and flat, and the same postcode, or the same street and town.
        case same
        /// As `same`, but a flat is recorded on one side only.
        case sameBuilding = "same-building"
        /// Same number and street, but no postcode or town to tell which town's street it is.
        case sameStreet = "same-street"
        /// The same postcode (or building), another dwelling: neighbours, not the same home.
        case samePostcode = "same-postcode"
        case different
        /// One side has no address.
        case missing
    }

    /// Grades `a` against `b`; symmetric. Postcodes one keystroke apart, or a town on one side only, are treated
    /// as not comparable rather than as a disagreement, so a typo alone cannot separate one home into two.
    public static func compare(_ a: UKAddress?, _ b: UKAddress?) -> Agreement {
        guard let a, let b, !a.isEmpty, !b.isEmpty else { return .missing }
        let postcodes: Relation
        if let pa = a.postcode, let pb = b.postcode {
            // One slip changes the outward or the inward code, never both.
            let slip = pa.outward == pb.outward ? StringSimilarity.editDistance(pa.inward, pb.inward) <= 1
                : pa.inward == pb.inward && StringSimilarity.editDistance(pa.outward, pb.outward) <= 1
            postcodes = pa == pb ? .agree : slip ? .unknown : .disagree
        } else {
            postcodes = .unknown
        }
        let streets = relate(a.street, b.street) { x, y in
            StringSimilarity.jaroWinkler(x, y) >= 0.9 || x.hasPrefix(y + " ") || y.hasPrefix(x + " ")
        }
        let dwelling: Relation = a.number != nil || b.number != nil
            ? relate(a.number ?? "", b.number ?? "") { $0 == $1 }
            : relate(a.buildingName ?? "", b.buildingName ?? "") { StringSimilarity.jaroWinkler($0, $1) >= 0.9 }
        let towns: Relation = a.locality.isEmpty || b.locality.isEmpty ? .unknown
            : a.locality.contains(where: b.locality.contains) ? .agree : .disagree

        let flats: Relation = relate(a.subBuilding ?? "", b.subBuilding ?? "") { $0 == $1 }
        let bothWithoutFlat = a.subBuilding == nil && b.subBuilding == nil
        if dwelling == .agree, streets != .disagree, flats != .disagree {
            let place = postcodes == .agree || (postcodes == .unknown && streets == .agree && towns == .agree)
            if place { return bothWithoutFlat || flats == .agree ? .same : .sameBuilding }
            if postcodes == .unknown, streets == .agree, towns == .unknown { return .sameStreet }
        }
        if postcodes == .agree || (dwelling == .agree && streets == .agree && towns != .disagree) {
            return .samePostcode
        }
        return .different
    }

    private enum Relation { case agree, disagree, unknown }

    /// `.unknown` when either side is empty, else whether `similar` holds.
    private static func relate(_ a: String, _ b: String, _ similar: (String, String) -> Bool) -> Relation {
        a.isEmpty || b.isEmpty ? .unknown : similar(a, b) ? .agree : .disagree
    }

    // MARK: Parsing steps

    private static func splitLines(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == "\r" || $0 == ";" }).map(String.init)
    }

    /// Removes the last postcode found (one token, or an outward and inward token) and returns it.
    private static func extractPostcode(_ parts: inout [[String]]) -> Postcode? {
        for p in parts.indices.reversed() {
            let tokens = parts[p]
            for i in tokens.indices.reversed() {
                if i > 0, tokens[i].utf8.count == 3,
                   let pc = Postcode(compact: Array((tokens[i - 1] + tokens[i]).utf8)) {
                    parts[p].removeSubrange((i - 1)...i)
                    return pc
                }
                if let pc = Postcode(compact: Array(tokens[i].utf8)) {
                    parts[p].remove(at: i)
                    return pc
                }
            }
        }
        return nil
    }

    private static func expandAbbreviations(_ tokens: [String]) -> [String] {
        var out: [String] = []
        for (i, t) in tokens.enumerated() {
            if t == "ST" {
                // "St Ann's Well Road": a name that starts with St; "High St": the street type.
                let startsName = (i == 0 || isNumber(tokens[i - 1])) && i + 1 < tokens.count
                out.append(startsName ? "SAINT" : "STREET")
            } else {
                out.append(abbreviations[t] ?? t)
            }
        }
        return out
    }

    /// Street words up to and including the first street type after the first word ("PARK LANE", "THE GREEN");
    /// the rest is locality. Without a street type, every word is the street.
    private static func splitStreet(_ tokens: [String]) -> (street: [String], locality: [String]) {
        guard let t = tokens.indices.dropFirst().first(where: { streetTypes.contains(tokens[$0]) }) else {
            return (tokens, [])
        }
        return (Array(tokens[...t]), Array(tokens[(t + 1)...]))
    }

    /// Digits, optionally followed by one letter: "12", "12A".
    static func isNumber(_ token: String) -> Bool {
        let u = Array(token.utf8)
        guard let first = u.first, Postcode.isDigit(first), u.count <= 6 else { return false }
        let digits = u.prefix(while: Postcode.isDigit)
        return digits.count == u.count || (digits.count == u.count - 1 && Postcode.isLetter(u[u.count - 1]))
    }

    static let subBuildingWords: Set<String> = ["FLAT", "FLT", "APARTMENT", "APT", "UNIT", "ROOM", "RM", "SUITE"]

    static let abbreviations: [String: String] = [
        "RD": "ROAD", "AVE": "AVENUE", "AV": "AVENUE", "CL": "CLOSE", "CRES": "CRESCENT", "CRS": "CRESCENT",
        "DR": "DRIVE", "DRV": "DRIVE", "LN": "LANE", "GDNS": "GARDENS", "GDN": "GARDEN", "PL": "PLACE",
        "SQ": "SQUARE", "TER": "TERRACE", "TERR": "TERRACE", "TCE": "TERRACE", "CT": "COURT", "CRT": "COURT",
        "GRN": "GREEN", "GR": "GROVE", "GRO": "GROVE", "GRV": "GROVE", "PK": "PARK", "PDE": "PARADE",
        "WLK": "WALK", "HSE": "HOUSE", "BLDGS": "BUILDINGS", "MT": "MOUNT", "UPR": "UPPER", "LWR": "LOWER",
        "NTH": "NORTH", "STH": "SOUTH", "HWY": "HIGHWAY", "BVD": "BOULEVARD", "BLVD": "BOULEVARD",
    ]

    static let streetTypes: Set<String> = [
        "ROAD", "STREET", "AVENUE", "CLOSE", "CRESCENT", "DRIVE", "LANE", "GARDENS", "GARDEN", "PLACE", "SQUARE",
        "TERRACE", "COURT", "GREEN", "GROVE", "PARK", "PARADE", "WALK", "WAY", "ROW", "HILL", "MEWS", "RISE",
        "VIEW", "HIGHWAY", "BOULEVARD", "GATE", "YARD", "WHARF",
    ]
}
