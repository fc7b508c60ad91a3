// Person matching: does this pair of person records look like one human being, and on what evidence?
//
// The score is a sum of weights in tenths of a bit (see Evidence), one per field, in the manner of Fellegi and
// Sunter (1969): agreement on a rare surname counts for more than agreement on Smith, so exact name agreement is
// weighted by how often the name occurs among the records scanned. On top of the sum, three rules, each one a
// pattern that sums get wrong:
//
// - Different first names veto the pair (unless one is a nickname, a one-keystroke slip, a spelling that sounds
//   the same with the same first letter, an initial, or the other record's middle name). Twins and siblings
//   share a surname, an address and sometimes a date of birth; only the first name tells them apart, so no
//   amount of other agreement may outvote it.
// - A name is never enough on its own: a pair is proposed only when the date of birth agrees (exactly, swapped,
//   with one keying error, to the month or to the year) or the address is the same home (or the same number
//   and street where no town or postcode can say otherwise). Two John Smiths are two people until something
//   else says otherwise.
// - Different national identifiers (PNC ID, CRO number) or generational suffixes (Jnr/Snr) veto the pair, and a
//   shared identifier means the records are already one record by identity, so they are not a suspected
//   duplicate at all.
//
// First and last names are also tried the other way round (a force that wrote SMITH JOHN), at a small cost.

public struct PersonMatcher: DuplicateMatcher {
    public static let defaultThreshold = 140

    /// Weights, in tenths of a bit. Name agreement is weighted by frequency between these bounds.
    enum Weight {
        static let surnameExact = 30...100, forenameExact = 20...70
        static let surnamePart = 30, surnameSpelling = 40, surnamePhonetic = 35, surnameDifferent = -50
        static let forenameInitial = 15, forenameNickname = 40, forenameSpelling = 35, forenamePhonetic = 25
        static let middleName = 25
        static let transposed = -5
        static let dateOfBirth: [PartialDate.Agreement: Int] = [
            .exact: 100, .dayMonthSwapped: 70, .keyingError: 40, .yearAndMonth: 45, .yearOnly: 15, .missing: 0,
            .conflict: -100,
        ]
        static let address: [UKAddress.Agreement: Int] = [
            .same: 50, .sameBuilding: 40, .sameStreet: 20, .samePostcode: 10, .different: -20, .missing: 0,
        ]
        static let sexSame = 10, sexDifferent = -70
    }

    /// A given name or surname with what the comparisons need, computed once per record.
    struct NameToken: Sendable {
        let text: String
        let scalars: [Unicode.Scalar]
        let code: String
        /// The formal names it can stand for (itself when the nickname table does not know it).
        let formal: [String]

        init(_ text: String) {
            self.text = text
            scalars = Array(text.unicodeScalars)
            code = NYSIIS.key(text)
            formal = Nicknames.formalNames(text)
        }

        var isInitial: Bool { scalars.count == 1 }
    }

    /// One record, normalised once. A class, so the scan's inner loop does not copy a dozen references per pair.
    final class Profile: Sendable {
        let id: String
        let surname: NameToken
        let surnameParts: [String]
        /// The surname's parts as tokens, for comparing them with the other record's forenames (names exchanged).
        let surnamePartTokens: [NameToken]
        let given: [NameToken]
        let generation: PersonName.Generation?
        /// NYSIIS of the first given name and of each formal name it can stand for.
        let forenameCodes: [String]
        let dateOfBirth: PartialDate?
        let address: UKAddress?
        /// How the date of birth and address read in evidence ("-" when missing).
        let dateOfBirthText: String, addressText: String
        let sex: Sex?
        let pnc: String?
        let cro: String?

        init(_ r: PersonRecord) {
            let name = PersonName(forenames: r.forenames, surname: r.surname)
            id = r.id
            surname = NameToken(name.surname)
            surnameParts = name.surnameParts
            surnamePartTokens = name.surnameParts.map(NameToken.init)
            given = name.given.map(NameToken.init)
            generation = name.generation
            let forms = given.first.map { [$0.text] + $0.formal } ?? []
            forenameCodes = Array(Set(forms.map(NYSIIS.key))).sorted()
            dateOfBirth = r.dateOfBirth
            address = r.address == nil && r.postcode == nil ? nil : UKAddress(r.address ?? "", postcode: r.postcode)
            dateOfBirthText = r.dateOfBirth?.description ?? "-"
            addressText = address?.description ?? "-"
            sex = r.sex
            pnc = r.pncID.flatMap { Misreads.compact($0, maximum: 20) }
            cro = r.croNumber.flatMap { Misreads.compact($0, maximum: 20) }
        }
    }

    let profiles: [Profile]
    let surnameCounts: [String: Int]
    let forenameCounts: [String: Int]

    public init(_ records: [PersonRecord]) {
        profiles = records.map(Profile.init)
        var surnames: [String: Int] = [:], forenames: [String: Int] = [:]
        for p in profiles {
            surnames[p.surname.text, default: 0] += 1
            if let f = p.given.first { forenames[f.text, default: 0] += 1 }
        }
        surnameCounts = surnames
        forenameCounts = forenames
    }

    public var count: Int { profiles.count }
    public func id(_ i: Int) -> String { profiles[i].id }

    // MARK: Blocking

    /// Phonetic surname + forename initial; both phonetic names in either order; phonetic surname + year of birth
    /// (phonetic forename + year + surname initial, for a damaged surname); phonetic name + day and month (for a
    /// mistyped year); the date of birth with day and month in either order; the postcode + an initial; the
    /// building number + the phonetic first word of the street + an initial (for a missing or mistyped postcode).
    /// Every key but the date of birth carries a name, so no key gathers a whole street or a whole birth year.
    public func blockingKeys(_ i: Int) -> [String] {
        let p = profiles[i]
        let surnameCode = p.surname.code
        let surnameCodes = p.surnameParts.count > 1 ? [surnameCode] + p.surnameParts.map(NYSIIS.key) : [surnameCode]
        let forenameInitials = Set(p.forenameCodes.compactMap(\.first))
        let initials = forenameInitials.union(surnameCode.first.map { [$0] } ?? [])
        var keys: [String] = []
        for s in surnameCodes where !s.isEmpty {
            for f in forenameInitials { keys.append("n:\(s):\(f)") }
        }
        // Both phonetic names, in sorted order, so SMITH JOHN and JOHN SMITH meet in one small block.
        if !surnameCode.isEmpty {
            for f in p.forenameCodes where f.count > 1 {
                keys.append("t:\(min(f, surnameCode)):\(max(f, surnameCode))")
            }
        }
        if let d = p.dateOfBirth, let year = d.year {
            for c in surnameCodes where c.count > 1 { keys.append("y:\(c):\(year)") }
            if let s = surnameCode.first {
                for f in p.forenameCodes where f.count > 1 { keys.append("y:\(f):\(year):\(s)") }
            }
            if let month = d.month, let day = d.day { keys.append("d:\(year):\(min(month, day)):\(max(month, day))") }
        }
        if let d = p.dateOfBirth, let month = d.month, let day = d.day {
            for c in surnameCodes + p.forenameCodes where c.count > 1 { keys.append("m:\(c):\(month):\(day)") }
        }
        if let postcode = p.address?.postcode {
            for initial in initials { keys.append("p:\(postcode):\(initial)") }
        }
        if let number = p.address?.number, let word = p.address?.street.split(separator: " ").first {
            let street = NYSIIS.key(String(word))
            for initial in initials { keys.append("s:\(number):\(street):\(initial)") }
        }
        return keys
    }

    // MARK: Scoring

    public func assess(_ i: Int, _ j: Int) -> Assessment {
        let a = profiles[i], b = profiles[j]
        var result = Assessment()
        if let veto = identifierVeto(a, b) {
            result.veto = veto
            return result
        }
        if let ga = a.generation, let gb = b.generation, ga != gb {
            result.veto = Evidence("generation", "different", ga.rawValue, gb.rawValue, weight: 0)
            return result
        }

        let names = bestNameAlignment(a, b)
        if let veto = names.veto {
            result.veto = veto
            result.evidence = names.evidence
            return result
        }
        for e in names.evidence { result.add(e) }

        let dob = PartialDate.compare(a.dateOfBirth, b.dateOfBirth)
        result.add(Evidence("date-of-birth", dob.rawValue, a.dateOfBirthText, b.dateOfBirthText,
                            weight: Weight.dateOfBirth[dob] ?? 0))
        let address = UKAddress.compare(a.address, b.address)
        result.add(Evidence("address", address.rawValue, a.addressText, b.addressText,
                            weight: Weight.address[address] ?? 0))
        if let sa = a.sex, let sb = b.sex {
            result.add(Evidence("sex", sa == sb ? "exact" : "different", sa.rawValue, sb.rawValue,
                                weight: sa == sb ? Weight.sexSame : Weight.sexDifferent))
        }
        result.corroborated = [.exact, .dayMonthSwapped, .keyingError, .yearAndMonth, .yearOnly].contains(dob)
            || [.same, .sameBuilding, .sameStreet].contains(address)
        return result
    }

    /// A veto when both records hold a national identifier: different ones mean different people, the same one
    /// means one record already (not a suspected duplicate).
    private func identifierVeto(_ a: Profile, _ b: Profile) -> Evidence? {
        if let x = a.pnc, let y = b.pnc {
            return Evidence("pnc-id", x == y ? "shared-key" : "different", x, y, weight: 0)
        }
        if let x = a.cro, let y = b.cro {
            return Evidence("cro-number", x == y ? "shared-key" : "different", x, y, weight: 0)
        }
        return nil
    }

    private struct NameAlignment {
        var evidence: [Evidence] = []
        var veto: Evidence?
        var weight: Int { evidence.reduce(0) { $0 + $1.weight } }
    }

    /// Names compared as written, and, when that fails, with one record's forename and surname exchanged.
    private func bestNameAlignment(_ a: Profile, _ b: Profile) -> NameAlignment {
        let direct = alignment(surnames: (a.surname, b.surname, a.surnameParts, b.surnameParts),
                               given: (a.given, b.given))
        let directFails = direct.veto != nil || direct.evidence.first?.finding == "different"
        guard directFails, let fa = a.given.first, let fb = b.given.first, !a.surname.text.isEmpty,
              !b.surname.text.isEmpty,
              // Exchanged names must start alike (or sound alike) to be worth comparing.
              a.surname.scalars.first == fb.scalars.first || a.surname.code == fb.code else { return direct }
        // a's surname against b's first forename, a's forenames against the parts of b's surname: a force that
        // exchanged the fields of "Robert James" "Smith" wrote "Smith" "Robert James".
        var swapped = alignment(surnames: (a.surname, fb, a.surnameParts, b.given.map(\.text)),
                                given: (a.given, b.surnamePartTokens))
        guard swapped.veto == nil, swapped.evidence.first?.finding != "different",
              direct.veto != nil || swapped.weight + Weight.transposed > direct.weight else { return direct }
        swapped.evidence.append(Evidence("name-order", "transposed", "\(fa.text) \(a.surname.text)",
                                         "\(b.surname.text) \(fb.text)", weight: Weight.transposed))
        return swapped
    }

    private func alignment(surnames s: (NameToken, NameToken, [String], [String]), given: ([NameToken], [NameToken]))
        -> NameAlignment {
        var n = NameAlignment()
        n.evidence.append(surnameEvidence(s.0, s.1, s.2, s.3))
        let forename = forenameEvidence(given.0, given.1)
        if forename.finding == "different" { n.veto = forename } else { n.evidence.append(forename) }
        return n
    }

    private func surnameEvidence(_ a: NameToken, _ b: NameToken, _ aParts: [String], _ bParts: [String]) -> Evidence {
        func e(_ finding: String, _ weight: Int) -> Evidence {
            Evidence("surname", finding, a.text, b.text, weight: weight)
        }
        if a.text.isEmpty || b.text.isEmpty { return e("missing", 0) }
        if a.text == b.text {
            return e("exact", frequencyWeight(surnameCounts[a.text], m: 0.9, within: Weight.surnameExact))
        }
        if aParts.count > 1 || bParts.count > 1, aParts.contains(where: { bParts.contains($0) }) {
            return e("part", Weight.surnamePart)
        }
        if Self.oneSlip(a.scalars, b.scalars, jaroWinkler: 0.92) { return e("spelling", Weight.surnameSpelling) }
        if a.code == b.code { return e("phonetic", Weight.surnamePhonetic) }
        return e("different", Weight.surnameDifferent)
    }

    /// The first given names compared; failing that, any given name against any other (a middle name used as a
    /// forename); failing that, "different", which vetoes.
    private func forenameEvidence(_ a: [NameToken], _ b: [NameToken]) -> Evidence {
        guard let fa = a.first, let fb = b.first else {
            return Evidence("forename", "missing", a.first?.text ?? "-", b.first?.text ?? "-", weight: 0)
        }
        if let (finding, weight) = forenameLevel(fa, fb) {
            return Evidence("forename", finding, fa.text, fb.text, weight: weight)
        }
        for (i, x) in a.enumerated() where !x.isInitial {
            for (j, y) in b.enumerated() where !y.isInitial && (i, j) != (0, 0) {
                if let (finding, _) = forenameLevel(x, y), finding != "initial" {
                    return Evidence("forename", "middle-name", a.map(\.text).joined(separator: " "),
                                    b.map(\.text).joined(separator: " "), weight: Weight.middleName)
                }
            }
        }
        return Evidence("forename", "different", fa.text, fb.text, weight: 0)
    }

    private func forenameLevel(_ a: NameToken, _ b: NameToken) -> (String, Int)? {
        if a.text == b.text, !a.isInitial {
            return ("exact", frequencyWeight(forenameCounts[a.text], m: 0.8, within: Weight.forenameExact))
        }
        if a.isInitial || b.isInitial {
            let (initial, full) = a.isInitial ? (a, b) : (b, a)
            let agrees = full.text.hasPrefix(initial.text) || full.formal.contains { $0.hasPrefix(initial.text) }
            return agrees ? ("initial", Weight.forenameInitial) : nil
        }
        // Different names standing for a common formal name: Bob and Robert, Bob and Robbie.
        if a.formal.contains(where: b.formal.contains) { return ("nickname", Weight.forenameNickname) }
        if Self.oneSlip(a.scalars, b.scalars, jaroWinkler: 0.93) { return ("spelling", Weight.forenameSpelling) }
        // Spellings of one name that sound the same and are written nearly the same: Sean and Shawn, Mohammed and
        // Muhammad. NYSIIS alone is too coarse for forenames (John, James, Jane and Joan are all JAN).
        if a.code == b.code, a.scalars.first == b.scalars.first,
           StringSimilarity.editDistance(a.scalars, b.scalars) <= 2 {
            return ("phonetic", Weight.forenamePhonetic)
        }
        return nil
    }

    /// One keystroke apart (for names of three letters or more), or Jaro-Winkler at least `jaroWinkler`.
    static func oneSlip(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar], jaroWinkler: Double) -> Bool {
        let shorter = min(x.count, y.count), longer = max(x.count, y.count)
        if shorter >= 3, longer - shorter <= 1, StringSimilarity.editDistance(x, y) <= 1 { return true }
        // Jaro-Winkler is at most 0.4 + 0.6 * (2 + shorter/longer) / 3: skip the computation when that is too low.
        guard longer > 0, 0.4 + 0.2 * (2 + Double(shorter) / Double(longer)) >= jaroWinkler else { return false }
        return StringSimilarity.jaroWinkler(x, y) >= jaroWinkler
    }

    /// Ten times log2(m / f), where f is the share of scanned records with this value, bounded to `range`.
    private func frequencyWeight(_ count: Int?, m: Double, within range: ClosedRange<Int>) -> Int {
        let share = Double(max(count ?? 1, 1)) / Double(max(profiles.count, 1))
        return min(max(Self.tenthsOfLog2(m / share), range.lowerBound), range.upperBound)
    }

    /// floor(10 * log2(x)) for x > 0, from the binary exponent and a table of 2^(k/10): the core has no libm.
    static func tenthsOfLog2(_ x: Double) -> Int {
        guard x.isFinite, x > 0 else { return 0 }
        let steps = [1.0717735, 1.1486984, 1.2311444, 1.3195079, 1.4142136, 1.5157166, 1.6245048, 1.7411011, 1.8660660]
        let s = x.significand
        return Int(x.exponent) * 10 + steps.prefix { s >= $0 }.count
    }
}
