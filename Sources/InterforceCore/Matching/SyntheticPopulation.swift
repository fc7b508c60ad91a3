// The true people behind the synthetic records: households of East Midlands residents, before any force writes
// anything down.
//
// Realistic non-duplicates matter as much as realistic duplicates: a matcher is only as good as what it refuses.
// So the population is built as households at addresses, with the look-alikes that real data holds:
// - common names: forenames drawn with a Zipf-like spread over about 80 names per sex, surnames 18% from the 100
//   commonest in England and Wales (Smith at about 1%), 7% from a list of Irish, South Asian, Polish, West African
//   and other surnames with apostrophes and diacritics, and 75% from a long tail of about 2,200 English
//   place-name surnames, each shared by dozens of unrelated people at 100,000 records;
// - relatives at one address: couples (three in four share a surname; the wife's former surname is kept), their
//   children, single parents, and house-sharers; double-barrelled surnames in 1.5% of households;
// - twins (1.5% of births: same surname, date of birth and address, different forenames) and sons named after
//   their father (3% of sons: same forename, surname and address, different date of birth);
// - streets reused across towns (every town has a High Street) and postcodes shared by about 15 neighbouring
//   numbers.
// What forces then write about each person, errors included, is SyntheticRecording's business.

/// One real (synthetic) person.
public struct SyntheticPerson: Sendable {
    public let household: Int
    public let sex: Sex
    public let forename: String
    public let middleName: String?
    public let surname: String
    /// A surname used before marriage, for wives who took their husband's.
    public let formerSurname: String?
    public let year: Int, month: Int, day: Int
    public let home: SyntheticAddress
    public let pncID: String?
    public let isTwin: Bool
}

public struct SyntheticAddress: Sendable, Hashable {
    public let flat: Int?
    public let number: Int
    public let street: String
    public let streetType: String
    public let town: String
    public let county: String
    public let postcode: String
}

/// Draws households of people; a `SyntheticPopulation` is one seeded stream of them.
struct SyntheticPopulation {
    private var random: SyntheticRandom
    private let streets: [Street]
    private var household = 0

    struct Street {
        let name: String, type: String, town: Town, outward: String, maxNumber: Int, hasFlats: Bool
        let inward: [String]  // one inward code per run of 15 numbers
    }

    struct Town {
        let name: String, county: String, districts: [String]
    }

    init(seed: UInt64, streetCount: Int) {
        var random = SyntheticRandom(seed: seed)
        var streets: [Street] = []
        for _ in 0..<max(40, streetCount) {
            let town = random.pick(Self.towns)
            let maxNumber = random.int(in: 12...220)
            var inward: [String] = []
            for _ in 0...(maxNumber / 15) { inward.append(Self.inwardCode(&random)) }
            streets.append(Street(name: random.pick(Self.streetNames), type: Self.streetTypes.draw(&random),
                                  town: town, outward: random.pick(town.districts), maxNumber: maxNumber,
                                  hasFlats: random.chance(0.12), inward: inward))
        }
        self.streets = streets
        self.random = random
    }

    static func inwardCode(_ random: inout SyntheticRandom) -> String {
        let letters = Array("ABDEFGHJLNPQRSTUWXYZ")
        return "\(random.below(10))\(random.pick(letters))\(random.pick(letters))"
    }

    /// A random address from the street pool, drawn with `random` (the population's own draws are untouched).
    func address(using random: inout SyntheticRandom) -> SyntheticAddress {
        let s = random.pick(streets)
        let number = random.int(in: 1...s.maxNumber)
        return SyntheticAddress(flat: s.hasFlats ? random.int(in: 1...12) : nil, number: number, street: s.name,
                                streetType: s.type, town: s.town.name, county: s.town.county,
                                postcode: "\(s.outward) \(s.inward[number / 15])")
    }

    /// The people of the next household.
    mutating func nextHousehold() -> [SyntheticPerson] {
        household += 1
        let home = address(using: &random)
        var surname = surnameDraw()
        if random.chance(0.015) { surname += "-" + surnameDraw() }
        var people: [SyntheticPerson] = []
        func add(_ sex: Sex, _ forename: String? = nil, surname: String, former: String? = nil, born: (Int, Int, Int),
                 twin: Bool = false) {
            let pnc = random.chance(0.35) ? pncID(born: born.0) : nil
            people.append(SyntheticPerson(
                household: household, sex: sex, forename: forename ?? forenameDraw(sex),
                middleName: random.chance(0.5) ? forenameDraw(sex) : nil, surname: surname, formerSurname: former,
                year: born.0, month: born.1, day: born.2, home: home, pncID: pnc, isTwin: twin))
        }
        let kind = random.unit()
        if kind < 0.30 {  // one adult
            add(random.chance(0.5) ? .male : .female, surname: surname, born: birth(1940...2004))
        } else if kind < 0.90 {  // a couple, or a couple or single parent with children
            let withChildren = kind >= 0.55
            let single = kind >= 0.80
            let motherBorn = birth(1945...1995)
            let wifeSurname: String, former: String?
            if random.chance(0.75) { (wifeSurname, former) = (surname, surnameDraw()) } else {
                (wifeSurname, former) = (surnameDraw(), nil)
            }
            add(.female, surname: single ? surname : wifeSurname, former: single ? nil : former, born: motherBorn)
            var fatherForename: String?
            if !single {
                let father = forenameDraw(.male)
                fatherForename = father
                add(.male, father, surname: surname, born: birth((motherBorn.0 - 6)...(motherBorn.0 + 4)))
            }
            if withChildren {
                for _ in 0..<random.int(in: 1...3) {
                    let eldest = motherBorn.0 + 18
                    let born = birth(eldest...max(eldest, min(motherBorn.0 + 42, 2015)))
                    let twins = random.chance(0.015)
                    for _ in 0..<(twins ? 2 : 1) {
                        let sex: Sex = random.chance(0.5) ? .male : .female
                        let junior = sex == .male && fatherForename != nil && random.chance(0.03)
                        add(sex, junior ? fatherForename : nil, surname: surname, born: born, twin: twins)
                    }
                }
            }
        } else {  // two to four house-sharers, unrelated
            for _ in 0..<random.int(in: 2...4) {
                add(random.chance(0.5) ? .male : .female, surname: surnameDraw(), born: birth(1975...2004))
            }
        }
        // Twins of one birth must not share a forename.
        for i in people.indices.dropFirst() where people[i].isTwin && people[i - 1].isTwin
            && people[i].forename == people[i - 1].forename && people[i].year == people[i - 1].year {
            let p = people[i]
            var other = forenameDraw(p.sex)
            while other == p.forename { other = forenameDraw(p.sex) }
            people[i] = SyntheticPerson(household: p.household, sex: p.sex, forename: other, middleName: p.middleName,
                                        surname: p.surname, formerSurname: p.formerSurname, year: p.year,
                                        month: p.month, day: p.day, home: p.home, pncID: p.pncID, isTwin: true)
        }
        return people
    }

    private mutating func birth(_ years: ClosedRange<Int>) -> (Int, Int, Int) {
        let year = random.int(in: years)
        let month = random.int(in: 1...12)
        return (year, month, random.int(in: 1...PartialDate.daysIn(month: month, year: year)))
    }

    private mutating func pncID(born: Int) -> String {
        let year = min(born + random.int(in: 14...40), 2025) % 100
        let serial = random.int(in: 1...9_999_999)
        let digits = String(serial)
        return "\(year < 10 ? "0" : "")\(year)/\(String(repeating: "0", count: 7 - digits.count))\(digits)"
            + "\(random.pick(Array("ABCDEFGHJKLMNPQRTUVWXYZ")))"
    }

    private mutating func forenameDraw(_ sex: Sex) -> String {
        sex == .male ? Self.maleNames.draw(&random) : Self.femaleNames.draw(&random)
    }

    private mutating func surnameDraw() -> String {
        let x = random.unit()
        if x < 0.18 { return Self.commonSurnames.draw(&random) }
        if x < 0.25 { return Self.otherSurnames.draw(&random) }
        return random.pick(Self.tailPrefixes) + random.pick(Self.tailSuffixes).lowercased()
    }

    // MARK: Names and places

    static let maleNames = WeightedChoice(ranked: [
        "John", "David", "Michael", "Paul", "Andrew", "Mark", "James", "Peter", "Richard", "Robert", "Stephen",
        "Christopher", "Ian", "Gary", "Daniel", "Thomas", "Matthew", "William", "Anthony", "Steven", "Simon",
        "Kevin", "Jason", "Darren", "Lee", "Neil", "Craig", "Martin", "Alan", "Graham", "Philip", "Jonathan",
        "Adam", "Wayne", "Stuart", "Carl", "Dean", "Barry", "Derek", "Kenneth", "Keith", "Brian", "Colin",
        "Terence", "Raymond", "Ronald", "George", "Harry", "Jack", "Oliver", "Charlie", "Jacob", "Joshua", "Samuel",
        "Benjamin", "Joseph", "Ryan", "Liam", "Connor", "Callum", "Kieran", "Nathan", "Luke", "Aaron", "Jordan",
        "Alexander", "Edward", "Henry", "Alfie", "Mohammed", "Ahmed", "Arjun", "Tomasz", "Piotr", "Sean", "Aidan",
        "Jayden", "Frederick", "Geoffrey", "Douglas", "Leonard", "Timothy", "Nicholas", "Patrick",
    ], exponent: 0.8)

    static let femaleNames = WeightedChoice(ranked: [
        "Susan", "Sarah", "Karen", "Julie", "Lisa", "Michelle", "Nicola", "Claire", "Helen", "Emma", "Rachel",
        "Joanne", "Amanda", "Tracey", "Sharon", "Elizabeth", "Margaret", "Patricia", "Catherine", "Jennifer",
        "Deborah", "Victoria", "Rebecca", "Laura", "Jessica", "Samantha", "Charlotte", "Hannah", "Sophie", "Emily",
        "Olivia", "Amelia", "Isla", "Ava", "Mia", "Isabella", "Grace", "Poppy", "Chloe", "Lucy", "Ella", "Lily",
        "Freya", "Evie", "Zoë", "Abigail", "Eleanor", "Megan", "Amy", "Natalie", "Kelly", "Gemma", "Leanne",
        "Stacey", "Jade", "Kirsty", "Dorothy", "Joan", "Mary", "Barbara", "Pauline", "Christine", "Janet", "Linda",
        "Gillian", "Anne", "Alison", "Louise", "Kathleen", "Agnieszka", "Fatima", "Aisha", "Priya", "Siobhan",
        "Niamh", "Chantelle", "Jacqueline",
    ], exponent: 0.8)

    static let commonSurnames = WeightedChoice(ranked: [
        "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
        "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
        "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore",
        "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson",
        "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
        "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall",
        "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell",
        "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer",
        "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens",
        "Jenkins", "Murray", "Dixon", "Harvey",
    ], exponent: 0.6)

    static let otherSurnames = WeightedChoice(ranked: [
        "O'Brien", "O'Connor", "O'Neill", "McCarthy", "McDonald", "MacKenzie", "Nowak", "Kowalski", "Wiśniewski",
        "Wójcik", "Nguyen", "Chen", "Wang", "Okafor", "Mensah", "Osei", "Ferreira", "Silva", "Santos", "Popescu",
        "Ionescu", "Yılmaz", "Müller", "Schäfer", "Ahmed", "Rahman", "Choudhury", "Kaur", "Shah", "Mistry",
        "Chauhan", "Parmar", "Sharma", "Gill", "Sandhu", "Bhatti", "Iqbal", "Akhtar", "Malik", "Mahmood",
        "D'Souza", "Fernandes", "Da Silva", "Kelleher", "Doherty", "Gallagher", "Byrne", "Quinn", "Lynch", "Walsh",
    ], exponent: 0.3)

    static let tailPrefixes = [
        "Ash", "Bar", "Brad", "Bram", "Brook", "Cald", "Carl", "Chad", "Clif", "Cran", "Dal", "Dun", "El", "Fair",
        "Far", "Fen", "Gar", "Gold", "Hal", "Hart", "Hen", "Hol", "Ken", "Kin", "Lang", "Lit", "Mar", "Mid", "Mor",
        "New", "Nor", "Oak", "Pen", "Rad", "Ram", "Red", "Roth", "Rus", "Sand", "Shep", "Stan", "Stock", "Sut",
        "Thorn", "Tow", "Wal", "West", "Whit", "Win", "Wood", "Yar", "Birch", "Crow", "Haw", "Lock", "Mel",
    ]

    static let tailSuffixes = [
        "ton", "ley", "ford", "worth", "field", "by", "ham", "wood", "dale", "shaw", "brook", "well", "more", "low",
        "cott", "hurst", "stead", "wick", "thorpe", "land", "man", "er", "son", "ridge", "bury", "combe", "gate",
        "hill", "moor", "way", "stone", "croft", "holm", "ling", "den", "lock", "ward", "bourne", "sey", "nall",
    ]

    static let towns: [Town] = [
        Town(name: "Nottingham", county: "Nottinghamshire", districts: ["NG1", "NG2", "NG3", "NG5", "NG7", "NG8"]),
        Town(name: "Beeston", county: "Nottinghamshire", districts: ["NG9"]),
        Town(name: "Arnold", county: "Nottinghamshire", districts: ["NG5"]),
        Town(name: "Mansfield", county: "Nottinghamshire", districts: ["NG18", "NG19"]),
        Town(name: "Newark", county: "Nottinghamshire", districts: ["NG24"]),
        Town(name: "Worksop", county: "Nottinghamshire", districts: ["S80", "S81"]),
        Town(name: "Leicester", county: "Leicestershire", districts: ["LE1", "LE2", "LE3", "LE4", "LE5"]),
        Town(name: "Loughborough", county: "Leicestershire", districts: ["LE11"]),
        Town(name: "Hinckley", county: "Leicestershire", districts: ["LE10"]),
        Town(name: "Melton Mowbray", county: "Leicestershire", districts: ["LE13"]),
        Town(name: "Market Harborough", county: "Leicestershire", districts: ["LE16"]),
        Town(name: "Northampton", county: "Northamptonshire", districts: ["NN1", "NN2", "NN3", "NN4", "NN5"]),
        Town(name: "Kettering", county: "Northamptonshire", districts: ["NN15", "NN16"]),
        Town(name: "Corby", county: "Northamptonshire", districts: ["NN17", "NN18"]),
        Town(name: "Wellingborough", county: "Northamptonshire", districts: ["NN8"]),
        Town(name: "Daventry", county: "Northamptonshire", districts: ["NN11"]),
    ]

    static let streetNames = [
        "High", "Church", "Station", "Main", "Park", "Victoria", "Albert", "Queen", "King", "Mill", "Manor", "School",
        "New", "North", "South", "West", "Chapel", "Castle", "Bridge", "Windsor", "York", "Derby", "Mansfield",
        "London", "Melton", "Wollaton", "Sherwood", "Forest", "Abbey", "Priory", "Chestnut", "Oak", "Elm", "Birch",
        "Beech", "Ash", "Willow", "Holly", "Lime", "Maple", "Cedar", "Rose", "Meadow", "Orchard", "Brook", "River",
        "Canal", "Hillside", "Woodland", "Valley", "Spring", "Wellington", "Nelson", "Byron", "Tennyson", "Chaucer",
        "Milton", "Keats", "St Ann's", "St Mary's", "St Peter's", "Queens", "Kings", "Princes", "Alexandra",
        "Charles", "George", "Cromwell", "Gladstone", "Portland", "Grosvenor", "Lancaster", "Belvoir", "Trent",
        "Soar", "Nene", "Welland", "Charnwood", "Bradgate",
    ]

    static let streetTypes = WeightedChoice([
        ("Road", 40.0), ("Street", 25), ("Avenue", 7), ("Close", 6), ("Drive", 5), ("Lane", 5), ("Crescent", 3),
        ("Gardens", 2), ("Way", 2), ("Grove", 2), ("Court", 1), ("Terrace", 1), ("Place", 1),
    ])
}
