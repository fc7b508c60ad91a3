// The error model: what a force writes down about a person, mistakes included.
//
// Each record of a person is an independent observation of the truth (SyntheticPopulation), so two records of one
// person carry independent damage. The rates below were fixed from what record-linkage studies and police data
// quality reviews describe (a few per cent of names mistyped, familiar names common in custody records, dates of
// birth missing or keyed wrongly in several per cent, people moving house), before the matcher was run on any
// generated data, and were not changed to suit it. Per record:
//
// - forename (one of): a familiar form from the generator's own nickname list 8% (where the name has one; the
//   list includes British forms such as Gaz, Baz, Del, Mags and Josh that the matcher's table may not know), a
//   variant spelling 3% (Steven/Stephen, Aidan/Aiden), one typo 3%, an initial only 2%, the middle name instead
//   2%; the middle name is written after the forename in 40% of records of people who have one;
// - surname: one typo 3%, a variant spelling 1.5% (Thomson/Thompson, Clark/Clarke, Gray/Grey), one part of a
//   double-barrelled name 30%, a married woman's former surname 4%; apostrophes dropped or spaced, diacritics
//   dropped, hyphens spaced;
// - forename and surname exchanged 1.5%;
// - a typo is a QWERTY-neighbour substitution (45%), a deletion (20%), an insertion (20%) or two adjacent letters
//   exchanged (15%), at the first letter 10% of the time;
// - date of birth (one of): missing 5%, year only 2%, year and month 1.5%, day and month swapped 2.5% (where that
//   is a date), one digit wrong 3%, two adjacent digits exchanged 0.5%;
// - sex: wrong 0.5%, missing 2%;
// - address: missing 5%; a different address (moved, or an old address) 12%; otherwise the home, written in one of
//   several styles: flat forms (Flat 3, 12 ... / 3/12 ... / 12 ..., Flat 3 / Apartment 3), street types
//   abbreviated 40%, town left out 20%, county added 10%, commas or none, upper or title case;
// - postcode: missing 10%, one character wrong 2%, spacing and case varied, in its own field or at the end of the
//   address;
// - title (Mr, Mrs, Ms, Miss) before the forename 10%; names in upper case 35%, lower case 5%;
// - PNC ID recorded on 40% of the records of people who have one.

/// A kind of damage a record can carry; the benchmark counts missed pairs by them.
public enum Damage: String, Sendable, Hashable, CaseIterable {
    case nickname, forenameVariant = "forename-variant", forenameTypo = "forename-typo"
    case initialOnly = "initial-only", middleNameAsForename = "middle-name-as-forename"
    case surnameTypo = "surname-typo", surnameVariant = "surname-variant", surnamePart = "surname-part"
    case formerSurname = "former-surname", transposedNames = "transposed-names"
    case dobMissing = "dob-missing", dobYearOnly = "dob-year-only", dobYearMonth = "dob-year-month"
    case dobSwapped = "dob-swapped", dobTypo = "dob-typo"
    case sexWrong = "sex-wrong", sexMissing = "sex-missing"
    case moved, addressMissing = "address-missing", postcodeMissing = "postcode-missing"
    case postcodeTypo = "postcode-typo"
}

struct SyntheticRecording {
    var random: SyntheticRandom
    private(set) var damage: [Damage] = []

    init(seed: UInt64) { random = SyntheticRandom(seed: seed) }

    /// One record of `p` (without its id), and the damage it carries in `damage`.
    mutating func record(_ p: SyntheticPerson, id: String, population: SyntheticPopulation) -> PersonRecord {
        damage = []
        var forename = p.forename, surname = p.surname
        var middle = p.middleName.flatMap { random.chance(0.4) ? $0 : nil }

        let f = random.unit()
        // Each kind has its own slice of f, so a name without a nickname is not mistyped more often instead.
        if f < 0.08 {
            if let forms = Self.nicknames[p.forename] { forename = random.pick(forms); damage.append(.nickname) }
        } else if f < 0.11 {
            if let forms = Self.variants[p.forename] { forename = random.pick(forms); damage.append(.forenameVariant) }
        } else if f < 0.14 {
            forename = typo(forename); damage.append(.forenameTypo)
        } else if f < 0.16 {
            forename = String(forename.prefix(1)) + (random.chance(0.5) ? "." : ""); damage.append(.initialOnly)
        } else if f < 0.18 {
            if let m = p.middleName { forename = m; middle = nil; damage.append(.middleNameAsForename) }
        }

        if let former = p.formerSurname, random.chance(0.04) {
            surname = former; damage.append(.formerSurname)
        } else if surname.contains("-"), random.chance(0.3) {
            let parts = surname.split(separator: "-")
            surname = String(random.chance(0.5) ? parts[0] : parts[parts.count - 1]); damage.append(.surnamePart)
        }
        let s = random.unit()
        if s < 0.03 {
            surname = typo(surname); damage.append(.surnameTypo)
        } else if s < 0.045 {
            if let forms = Self.variants[surname] { surname = random.pick(forms); damage.append(.surnameVariant) }
        }
        surname = punctuation(surname)
        forename = Self.plain(forename, drop: random.chance(0.5))

        var forenames = [forename, middle].compactMap { $0 }.joined(separator: " ")
        if random.chance(0.015) {
            (forenames, surname) = (surname, forenames); damage.append(.transposedNames)
        }
        if random.chance(0.10) {
            let titles = p.sex == .male ? ["Mr"] : ["Mrs", "Ms", "Miss"]
            forenames = random.pick(titles) + (random.chance(0.3) ? ". " : " ") + forenames
        }
        let nameCase = random.unit()
        if nameCase < 0.35 {
            (forenames, surname) = (forenames.uppercased(), surname.uppercased())
        } else if nameCase < 0.40 {
            (forenames, surname) = (forenames.lowercased(), surname.lowercased())
        }

        var r = PersonRecord(id: id, forenames: forenames, surname: surname, dateOfBirth: dateOfBirth(p),
                             sex: sex(p))
        (r.address, r.postcode) = address(p, population: population)
        r.pncID = p.pncID.flatMap { random.chance(0.4) ? $0 : nil }
        return r
    }

    // MARK: Fields

    private mutating func dateOfBirth(_ p: SyntheticPerson) -> PartialDate? {
        var (y, m, d) = (p.year, p.month, p.day)
        let u = random.unit()
        if u < 0.05 { damage.append(.dobMissing); return nil }
        if u < 0.07 { damage.append(.dobYearOnly); return try? PartialDate(year: y, month: nil, day: nil) }
        if u < 0.085 { damage.append(.dobYearMonth); return try? PartialDate(year: y, month: m, day: nil) }
        if u < 0.11 {
            if d <= 12, d != m { (m, d) = (d, m); damage.append(.dobSwapped) }
        } else if u < 0.145 {
            var digits = Array(String(y * 10_000 + m * 100 + d).utf8)
            for _ in 0..<5 {
                var trial = digits
                if u < 0.14 {
                    let i = random.below(8)
                    trial[i] = UInt8(ascii: "0") + UInt8((Int(trial[i] - 0x30) + random.int(in: 1...9)) % 10)
                } else {
                    let i = random.below(7)
                    guard trial[i] != trial[i + 1] else { continue }
                    trial.swapAt(i, i + 1)
                }
                let v = trial.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                if (try? PartialDate(year: v / 10_000, month: v / 100 % 100, day: v % 100)) != nil {
                    digits = trial
                    (y, m, d) = (v / 10_000, v / 100 % 100, v % 100)
                    damage.append(.dobTypo)
                    break
                }
            }
        }
        return try? PartialDate(year: y, month: m, day: d)
    }

    private mutating func sex(_ p: SyntheticPerson) -> Sex? {
        let u = random.unit()
        if u < 0.005 { damage.append(.sexWrong); return p.sex == .male ? .female : .male }
        if u < 0.025 { damage.append(.sexMissing); return nil }
        return p.sex
    }

    /// The address text and the postcode field.
    private mutating func address(_ p: SyntheticPerson, population: SyntheticPopulation) -> (String?, String?) {
        let u = random.unit()
        if u < 0.05 { damage.append(.addressMissing); return (nil, nil) }
        var a = p.home
        if u < 0.17 { a = population.address(using: &random); damage.append(.moved) }

        var street = a.street
        if street.hasPrefix("St ") {
            let style = random.unit()
            if style < 0.3 { street = "St. " + street.dropFirst(3) }
            else if style < 0.5 { street = "Saint " + street.dropFirst(3) }
        }
        if random.chance(0.3) { street = street.replacingApostrophes() }
        let type = random.chance(0.4) ? (Self.streetAbbreviations[a.streetType] ?? a.streetType) : a.streetType
        let line = "\(a.number) \(street) \(type)"
        var lines: [String] = []
        if let flat = a.flat {
            let style = random.unit()
            if style < 0.5 { lines = ["Flat \(flat)", line] }
            else if style < 0.7 { lines = ["\(flat)/\(line)"] }
            else if style < 0.85 { lines = [line, "Flat \(flat)"] }
            else if style < 0.95 { lines = ["Apartment \(flat)", line] }
            else { lines = ["Flat \(flat) \(line)"] }
        } else {
            lines = [line]
        }
        if random.chance(0.8) { lines.append(a.town) }
        if random.chance(0.1) { lines.append(a.county) }

        var postcode: String? = a.postcode
        let pu = random.unit()
        if pu < 0.10 { postcode = nil; damage.append(.postcodeMissing) }
        else if pu < 0.12 { postcode = postcodeTypo(a.postcode); damage.append(.postcodeTypo) }
        if let pc = postcode {
            let spacing = random.unit()
            if spacing < 0.2 { postcode = pc.replacingSpaces() } else if spacing < 0.3 { postcode = pc.lowercased() }
        }
        var inline = false
        if let pc = postcode, random.chance(0.4) { lines.append(pc); inline = true }
        var text = lines.joined(separator: random.chance(0.6) ? ", " : " ")
        if random.chance(0.4) { text = text.uppercased() }
        return (text, inline ? nil : postcode)
    }

    private mutating func postcodeTypo(_ pc: String) -> String {
        var chars = Array(pc.utf8)
        let positions = chars.indices.filter { chars[$0] != UInt8(ascii: " ") }
        let i = random.pick(positions)
        if Postcode.isDigit(chars[i]) {
            chars[i] = UInt8(ascii: "0") + UInt8((Int(chars[i] - 0x30) + random.int(in: 1...9)) % 10)
        } else {
            chars[i] = UInt8(ascii: "A") + UInt8((Int(chars[i] - 0x41) + random.int(in: 1...25)) % 26)
        }
        return String(decoding: chars, as: UTF8.self)
    }

    // MARK: Typing

    /// One keying error in `name` (case is not kept; forces' systems differ in case anyway).
    mutating func typo(_ name: String) -> String {
        var c = Array(name.lowercased().unicodeScalars)
        guard c.count >= 2 else { return name }
        let i = random.chance(0.1) ? 0 : random.int(in: 1...(c.count - 1))
        let neighbours = Self.keyboard[c[i]].map { Array($0.unicodeScalars) } ?? [c[i]]
        let op = random.unit()
        if op < 0.45 {
            c[i] = random.pick(neighbours)
        } else if op < 0.65 {
            c.remove(at: i)
        } else if op < 0.85 {
            c.insert(random.chance(0.5) ? c[i] : random.pick(neighbours), at: i)
        } else {
            let j = i == c.count - 1 ? i - 1 : i
            c.swapAt(j, j + 1)
        }
        var out = String(String.UnicodeScalarView(c))
        if let first = out.first { out = first.uppercased() + out.dropFirst() }
        return out
    }

    /// Apostrophes kept, dropped (OBrien) or spaced (O Brien); hyphens kept or spaced; diacritics kept or dropped.
    private mutating func punctuation(_ name: String) -> String {
        var s = name
        if s.contains("'") {
            let u = random.unit()
            if u < 0.3 { s = s.replacingApostrophes() } else if u < 0.4 { s = s.replacingApostrophes(with: " ") }
        }
        if s.contains("-"), random.chance(0.2) { s = String(s.map { $0 == "-" ? " " : $0 }) }
        return Self.plain(s, drop: random.chance(0.5))
    }

    /// `s` with its diacritics dropped when `drop` (a keyboard without them).
    static func plain(_ s: String, drop: Bool) -> String {
        guard drop else { return s }
        return String(s.map { accents[$0] ?? $0 })
    }

    static let accents: [Character: Character] = [
        "ë": "e", "é": "e", "ś": "s", "ó": "o", "ı": "i", "ü": "u", "ä": "a", "ń": "n",
    ]

    static let keyboard: [Unicode.Scalar: String] = [
        "q": "wa", "w": "qeas", "e": "wrds", "r": "etdf", "t": "ryfg", "y": "tugh", "u": "yihj", "i": "uojk",
        "o": "ipkl", "p": "ol", "a": "qwsz", "s": "awedxz", "d": "serfcx", "f": "drtgvc", "g": "ftyhbv",
        "h": "gyujnb", "j": "huikmn", "k": "jiolm", "l": "kop", "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb",
        "b": "vghn", "n": "bhjm", "m": "njk",
    ]

    static let streetAbbreviations = [
        "Road": "Rd", "Street": "St", "Avenue": "Ave", "Close": "Cl", "Drive": "Dr", "Lane": "Ln", "Crescent": "Cres",
        "Gardens": "Gdns", "Grove": "Gr", "Court": "Ct", "Terrace": "Terr", "Place": "Pl", "Way": "Way",
    ]

    /// The generator's own familiar forms, written apart from the matcher's table.
    static let nicknames: [String: [String]] = [
        "Robert": ["Bob", "Rob", "Robbie", "Bobby"], "William": ["Bill", "Will", "Billy", "Liam"],
        "Margaret": ["Peggy", "Maggie", "Meg", "Mags"], "Elizabeth": ["Liz", "Beth", "Betty", "Lizzie"],
        "James": ["Jim", "Jimmy", "Jamie", "Jimbo"], "John": ["Jack", "Johnny"], "Michael": ["Mike", "Mick", "Micky"],
        "Richard": ["Rich", "Rick", "Dick", "Ricky"], "Thomas": ["Tom", "Tommy"], "David": ["Dave", "Davey"],
        "Anthony": ["Tony", "Ant"], "Christopher": ["Chris", "Kit"], "Stephen": ["Steve"], "Steven": ["Steve"],
        "Andrew": ["Andy", "Drew"], "Daniel": ["Dan", "Danny"], "Matthew": ["Matt"], "Joseph": ["Joe"],
        "Edward": ["Ted", "Ed", "Eddie", "Ned"], "Nicholas": ["Nick", "Nicky"], "Samuel": ["Sam", "Sammy"],
        "Benjamin": ["Ben", "Benji"], "Alexander": ["Alex", "Sandy", "Xander"], "Peter": ["Pete"],
        "Kenneth": ["Ken", "Kenny"], "Gary": ["Gaz"], "Barry": ["Baz"], "Terence": ["Tel", "Terry"],
        "Derek": ["Del"], "Darren": ["Daz"], "Sharon": ["Shaz"], "Karen": ["Kaz"], "Patricia": ["Pat", "Trish"],
        "Susan": ["Sue", "Suzy"], "Catherine": ["Kate", "Cath", "Katie"], "Jennifer": ["Jen", "Jenny"],
        "Rebecca": ["Becky", "Bex"], "Victoria": ["Vicky", "Tori"], "Samantha": ["Sam", "Sammy"],
        "Charlotte": ["Charlie", "Lottie"], "Eleanor": ["Ellie", "Nell"], "Jessica": ["Jess"],
        "Deborah": ["Debbie", "Deb"], "Sarah": ["Sal"], "Oliver": ["Ollie"], "Henry": ["Harry"],
        "Frederick": ["Freddie", "Fred"], "Abigail": ["Abbie", "Abby"], "Amelia": ["Millie"],
        "Isabella": ["Bella", "Izzy"], "Joshua": ["Josh"], "Nathan": ["Nate"], "Christine": ["Chris"],
        "Philip": ["Phil"], "Geoffrey": ["Geoff"], "Raymond": ["Ray"], "Leonard": ["Len"], "Ronald": ["Ron"],
        "Douglas": ["Doug"], "Stuart": ["Stu"], "Timothy": ["Tim"], "Jonathan": ["Jon", "Jonny"],
        "Jacqueline": ["Jackie"], "Alfie": ["Alf"], "Callum": ["Cal"],
    ]

    /// Alternative spellings of forenames and surnames, in both directions where both are used.
    static let variants: [String: [String]] = [
        "Catherine": ["Katherine", "Kathryn"], "Stephen": ["Steven"], "Steven": ["Stephen"], "Philip": ["Phillip"],
        "Sarah": ["Sara"], "Leanne": ["Lianne"], "Graham": ["Graeme"], "Sean": ["Shaun", "Shawn"],
        "Mohammed": ["Muhammad", "Mohamed"], "Aidan": ["Aiden"], "Jayden": ["Jaden"], "Tracey": ["Tracy"],
        "Stacey": ["Stacy"], "Geoffrey": ["Jeffrey"], "Jacqueline": ["Jaqueline"], "Alison": ["Allison"],
        "Gillian": ["Jillian"], "Rachel": ["Rachael"], "Kirsty": ["Kirstie"], "Chantelle": ["Shantelle"],
        "Carl": ["Karl"], "Neil": ["Neal"], "Lee": ["Leigh"], "Kelly": ["Kelley"], "Megan": ["Meghan"],
        "Amy": ["Aimee"], "Zoë": ["Zoe", "Zoey"], "Isla": ["Islay"],
        "Thompson": ["Thomson"], "Smith": ["Smyth"], "Clarke": ["Clark"], "Clark": ["Clarke"], "Davies": ["Davis"],
        "Davis": ["Davies"], "Phillips": ["Philips"], "Matthews": ["Mathews"], "Gray": ["Grey"],
        "McDonald": ["MacDonald"], "Hussain": ["Husain", "Hossain"], "Stevens": ["Stephens"], "O'Neill": ["O'Neil"],
        "Allen": ["Allan"], "Choudhury": ["Chowdhury"], "MacKenzie": ["McKenzie"],
    ]
}

private extension String {
    func replacingApostrophes(with replacement: String = "") -> String {
        split(separator: "'", omittingEmptySubsequences: false).joined(separator: replacement)
    }
    func replacingSpaces() -> String { split(separator: " ").joined() }
}
