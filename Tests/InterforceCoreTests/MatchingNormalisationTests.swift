// The matcher's normalisers, by vector: what two differently written forms of one name, address, postcode,
// registration mark, VIN or serial number become, and what each refuses.

import InterforceCore
import Testing

struct TextFoldTests {
    @Test(arguments: [
        ("  Dr. Zoë  O’Brien-Walsh ", "DR ZOE OBRIEN WALSH"),
        ("Łukasz Świątek", "LUKASZ SWIATEK"),
        ("Müller", "MULLER"),
        ("Straße", "STRASSE"),
        ("Ødegaard", "ODEGAARD"),
        ("Zoe\u{0308}", "ZOE"),  // already decomposed: the combining diaeresis is dropped
        ("Þór", "THOR"),
        ("Ștefan Yılmaz", "STEFAN YILMAZ"),
        ("Иван", "ИВАН"),  // other scripts are kept, upper-cased, never transliterated by guess
        ("d'Souza", "DSOUZA"),
        ("12/14, High St.", "12 14 HIGH ST"),
        ("", ""),
        (" -- ", ""),
    ])
    func folds(_ input: String, _ expected: String) {
        #expect(TextFold.fold(input) == expected)
    }

    @Test func readsOnlyABoundedPrefix() {
        let long = String(repeating: "ab", count: 10_000)
        #expect(TextFold.fold(long).count == TextFold.maximumScalars)
    }
}

struct PersonNameTests {
    @Test func takesOffTitlesAndKeepsSurnameParts() {
        let n = PersonName(forenames: "Mr Robert J.", surname: "O'Neil-Smith")
        #expect(n.given == ["ROBERT", "J"])
        #expect(n.surname == "ONEILSMITH")
        #expect(n.surnameParts == ["ONEIL", "SMITH"])
        #expect(n.generation == nil)
    }

    @Test func spacingInASurnameChangesNothing() {
        #expect(PersonName(forenames: "Sarah", surname: "van der Berg").surname
            == PersonName(forenames: "Sarah", surname: "Vanderberg").surname)
        #expect(PersonName(forenames: "Sean", surname: "O Brien").surname
            == PersonName(forenames: "Sean", surname: "O'BRIEN").surname)
    }

    @Test func keepsTheGenerationApart() {
        let junior = PersonName(forenames: "John", surname: "Smith Jnr")
        #expect(junior.surname == "SMITH")
        #expect(junior.generation == .junior)
        #expect(PersonName(forenames: "John Snr", surname: "Smith").generation == .senior)
        #expect(PersonName(forenames: "John", surname: "Smith").generation == nil)
    }

    @Test func aTitleAloneIsNoName() {
        #expect(PersonName(forenames: "Dr", surname: "Patel").given == [])
        #expect(PersonName(forenames: "Mrs Sarah Jane", surname: "Patel").given == ["SARAH", "JANE"])
    }
}

struct NicknameTests {
    @Test(arguments: [
        ("BOB", "ROBERT"), ("BOB", "ROBBIE"), ("PEGGY", "MARGARET"), ("BILL", "WILLIAM"), ("LIAM", "BILL"),
        ("ALEX", "SANDY"), ("KATE", "CATHERINE"), ("KATHRYN", "KATE"), ("TED", "EDWARD"), ("HARRY", "HAROLD"),
    ])
    func equivalent(_ a: String, _ b: String) {
        #expect(Nicknames.equivalent(a, b))
        #expect(Nicknames.equivalent(b, a))
    }

    @Test(arguments: [("JACK", "JAMES"), ("ROBERT", "RICHARD"), ("XANTHE", "ZARA"), ("JO", "JOHN")])
    func notEquivalent(_ a: String, _ b: String) {
        #expect(!Nicknames.equivalent(a, b))
    }

    @Test func aFormCanStandForSeveralNames() {
        #expect(Nicknames.formalNames("PAT") == ["PATRICIA", "PATRICK"])
        #expect(Nicknames.formalNames("ROBERT") == ["ROBERT"])
        #expect(Nicknames.formalNames("XANTHE") == ["XANTHE"])
    }
}

struct PostcodeTests {
    @Test(arguments: [
        ("ng92jl", "NG9 2JL"), ("NG9 2JL", "NG9 2JL"), ("n g 9 2 j l", "NG9 2JL"), ("EC1A 1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"), ("M1 1AE", "M1 1AE"), ("B33 8TH", "B33 8TH"), ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"), ("GIR 0AA", "GIR 0AA"),
        ("NG9 OJL", "NG9 0JL"),  // the inward code starts with a digit: a letter O there is a zero
    ])
    func normalises(_ input: String, _ expected: String) {
        #expect(Postcode(input)?.description == expected)
    }

    @Test(arguments: ["NG9", "12345", "NG9 2J1", "NGGG 2JL", "", "9NG 2JL", "NG9 2JL X", "NG9-2JL-NG9-2JL"])
    func refuses(_ input: String) {
        #expect(Postcode(input) == nil)
    }
}

struct UKAddressTests {
    @Test func takesAFlatAddressApart() {
        let a = UKAddress("Flat 3, 12 High St, Beeston, Nottingham NG9 2JL")
        #expect(a.subBuilding == "3")
        #expect(a.number == "12")
        #expect(a.street == "HIGH STREET")
        #expect(a.locality == ["BEESTON", "NOTTINGHAM"])
        #expect(a.postcode?.description == "NG9 2JL")
        #expect(a.description == "FLAT 3, 12 HIGH STREET, BEESTON NOTTINGHAM, NG9 2JL")
    }

    @Test(arguments: [
        "3/12 HIGH STREET BEESTON NG92JL", "12 High Street Flat 3, Beeston, NG9 2JL",
        "Apartment 3, 12 High Street, Beeston ng9 2jl", "Flat 3 12 high st beeston NG9 2JL",
    ])
    func flatFormsAgree(_ text: String) {
        let a = UKAddress(text)
        #expect(a.subBuilding == "3")
        #expect(a.number == "12")
        #expect(a.street == "HIGH STREET")
        #expect(a.postcode?.description == "NG9 2JL")
        #expect(UKAddress.compare(a, UKAddress("Flat 3, 12 High St, Beeston, Nottingham NG9 2JL")) == .same)
    }

    @Test func housesWithNamesAndSaints() {
        let cottage = UKAddress("Rose Cottage, Main Rd, Bingham, NG13 8AA")
        #expect(cottage.buildingName == "ROSE COTTAGE")
        #expect(cottage.number == nil)
        #expect(cottage.street == "MAIN ROAD")
        #expect(cottage.locality == ["BINGHAM"])
        let saint = UKAddress("14 St Ann's Well Rd, Nottingham")
        #expect(saint.street == "SAINT ANNS WELL ROAD")
        #expect(saint.locality == ["NOTTINGHAM"])
        #expect(UKAddress("12A Park Lane").number == "12A")
        #expect(UKAddress("12 A Park Lane").number == "12A")
    }

    @Test func aSeparatePostcodeFieldWins() {
        #expect(UKAddress("12 High Street", postcode: "ng9 2jl").postcode?.description == "NG9 2JL")
    }

    @Test(arguments: [
        ("Flat 3, 12 High St, NG9 2JL", "12 High Street, NG9 2JL", UKAddress.Agreement.sameBuilding),
        ("14 High St NG9 2JL", "12 High St NG9 2JL", .samePostcode),
        ("Flat 2, 12 High St, NG9 2JL", "Flat 3, 12 High St, NG9 2JL", .samePostcode),
        ("12 High Street, Beeston", "12 High Street, Mansfield", .different),
        ("12 High Street", "12 High Street, Beeston", .sameStreet),
        ("12 High St, Beeston, NG9 2JL", "12 High Street, Beeston NG9 2JK", .same),  // postcode one slip apart
        ("12 High St, NG9 2JL", "40 Derby Road, LE11 3AB", .different),
        ("", "12 High Street", .missing),
    ])
    func compares(_ a: String, _ b: String, _ expected: UKAddress.Agreement) {
        #expect(UKAddress.compare(UKAddress(a), UKAddress(b)) == expected)
        #expect(UKAddress.compare(UKAddress(b), UKAddress(a)) == expected)
    }
}

struct MarkTests {
    @Test func registrationMarks() {
        #expect(RegistrationMark("ab12 cde")?.normalised == "AB12CDE")
        #expect(RegistrationMark("AB12-CDE")?.misreadKey == RegistrationMark("A812 C0E")?.misreadKey)
        #expect(RegistrationMark("") == nil)
        #expect(RegistrationMark("ABCDEFGHIJK") == nil)  // longer than any registration mark
    }

    @Test func misreadsAreExplainedCharacterByCharacter() {
        #expect(Misreads.explain("AB12CDE", "AB12C0E") == ["position 6: D read as 0"])
        #expect(Misreads.explain("AB12CDE", "A812CDE") == ["position 2: B read as 8"])
        #expect(Misreads.explain("AB12CDE", "AB12CDF") == nil)  // E and F do not look alike
        #expect(Misreads.explain("AB12CDE", "AB12CDE") == nil)  // nothing to explain
        #expect(Misreads.explain("AB12CDE", "AB12CD") == nil)
    }

    @Test func vinsAreSeventeenCharactersWithoutIOQ() {
        #expect(VIN("wvw zzz 1jz xw 000001")?.normalised == "WVWZZZ1JZXW000001")
        #expect(VIN("WVWZZZ1JZXWOOQOO1")?.normalised == "WVWZZZ1JZXW000001")
        #expect(VIN("WVWZZZ1JZXW00001") == nil)
        #expect(VIN("WVWZZZ1JZXW0000012") == nil)
    }

    @Test func serialNumbersLoseTheirSeparators() {
        #expect(SerialNumber("SN: 35-209900-176148-1")?.normalised == "SN352099001761481")
        #expect(SerialNumber("SN: 35-209900-176148-1")?.misreadKey == SerialNumber("5N352O99OO176148I")?.misreadKey)
        #expect(SerialNumber("--") == nil)
    }
}
