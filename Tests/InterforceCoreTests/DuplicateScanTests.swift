// The duplicate scan: what the person, vehicle and location matchers propose and refuse, with the evidence an
// officer sees; that blocking loses no pair an exhaustive comparison would propose while comparing only a sliver
// of all pairs; that block sizes are bounded; and that a scan only ever proposes.

import InterforceCore
import Testing

/// The assessment of two person records scanned on their own (so names weigh their minimum: as common as can be).
func assess(_ a: PersonRecord, _ b: PersonRecord) -> Assessment { PersonMatcher([a, b]).assess(0, 1) }

func date(_ text: String) -> PartialDate? { try? PartialDate(parsing: text) }

func finding(_ a: Assessment, _ field: String) -> String? { a.evidence.first { $0.field == field }?.finding }

struct PersonMatchingTests {
    let threshold = PersonMatcher.defaultThreshold

    /// The worked example of docs/MATCHING.md.
    @Test func nicknameSwappedDateAndAnotherAddressFormatArePutToAnOfficer() {
        let a = assess(
            PersonRecord(id: "p1", forenames: "Robert", surname: "Smith", dateOfBirth: date("1985-03-04"), sex: .male,
                         address: "Flat 3, 12 High St, Beeston", postcode: "NG9 2JL"),
            PersonRecord(id: "p2", forenames: "BOB", surname: "SMITH", dateOfBirth: date("1985-04-03"), sex: .male,
                         address: "3/12 HIGH STREET, BEESTON, NG92JL"))
        #expect(a.isProposed(threshold: threshold))
        #expect(finding(a, "forename") == "nickname")
        #expect(finding(a, "date-of-birth") == "day-month-swapped")
        #expect(finding(a, "address") == "same")
        #expect(a.score == a.evidence.reduce(0) { $0 + $1.weight })
        // The worked example of docs/MATCHING.md, line for line.
        #expect(a.score == 200)
        #expect(a.evidence.map(\.description) == [
            "surname: exact, SMITH / SMITH, +3.0",
            "forename: nickname, ROBERT / BOB, +4.0",
            "date-of-birth: day-month-swapped, 1985-03-04 / 1985-04-03, +7.0",
            "address: same, FLAT 3, 12 HIGH STREET, BEESTON, NG9 2JL / FLAT 3, 12 HIGH STREET, BEESTON, NG9 2JL, +5.0",
            "sex: exact, male / male, +1.0",
        ])
    }

    @Test func twinsAreNeverProposed() {
        let home = "26 Cromwell Road, Newark NG24 6ZB"
        let a = assess(
            PersonRecord(id: "t1", forenames: "Jack", surname: "Kowalski", dateOfBirth: date("2003-05-15"), sex: .male,
                         address: home),
            PersonRecord(id: "t2", forenames: "Oliver", surname: "Kowalski", dateOfBirth: date("2003-05-15"),
                         sex: .male, address: home))
        #expect(!a.isProposed(threshold: threshold))
        #expect(a.veto?.field == "forename")
        #expect(a.veto?.finding == "different")
    }

    @Test func namesThatOnlyShareAPhoneticKeyAreDifferent() {
        // NYSIIS gives JOHN and JAMES the same key (JAN); SEAN and SHAWN share one and are one name spelt two ways.
        #expect(NYSIIS.key("John") == NYSIIS.key("James"))
        let home = "2 Mill Lane, Corby NN17 1AB"
        func person(_ id: String, _ forename: String) -> PersonRecord {
            PersonRecord(id: id, forenames: forename, surname: "Walsh", dateOfBirth: date("1990-01-02"), address: home)
        }
        #expect(assess(person("a", "John"), person("b", "James")).veto?.finding == "different")
        let sean = assess(person("a", "Sean"), person("b", "Shawn"))
        #expect(finding(sean, "forename") == "phonetic")
        #expect(sean.isProposed(threshold: threshold))
    }

    @Test func aFatherAndTheSonNamedAfterHimAreTwoPeople() {
        let home = "4 Queens Road, Newark NG24 4RA"
        let father = PersonRecord(id: "f", forenames: "John", surname: "Smith", dateOfBirth: date("1960-02-01"),
                                  sex: .male, address: home)
        let son = PersonRecord(id: "s", forenames: "John", surname: "Smith", dateOfBirth: date("1988-07-19"),
                               sex: .male, address: home)
        let a = assess(father, son)
        #expect(!a.isProposed(threshold: threshold))
        #expect(finding(a, "date-of-birth") == "conflict")
        // Without dates, a written suffix still tells them apart.
        var senior = father, junior = son
        (senior.dateOfBirth, junior.dateOfBirth) = (nil, nil)
        senior.surname = "Smith Snr"
        junior.surname = "Smith Jnr"
        #expect(assess(senior, junior).veto?.field == "generation")
    }

    @Test func exchangedForenameAndSurnameAreRecognised() {
        let a = assess(
            PersonRecord(id: "a", forenames: "Smith", surname: "John", dateOfBirth: date("1970-01-09"), sex: .male),
            PersonRecord(id: "b", forenames: "John", surname: "Smith", dateOfBirth: date("1970-01-09"), sex: .male))
        #expect(a.isProposed(threshold: threshold))
        #expect(finding(a, "name-order") == "transposed")
    }

    @Test func aMiddleNameUsedAsTheForenameStillMatches() {
        let a = assess(
            PersonRecord(id: "a", forenames: "Robert James", surname: "Oakley", dateOfBirth: date("1990-06-30"),
                         address: "9 Park Lane, Corby NN17 1AB"),
            PersonRecord(id: "b", forenames: "James", surname: "Oakley", dateOfBirth: date("1990-06-30"),
                         address: "9 Park Ln, Corby, NN17 1AB"))
        #expect(a.isProposed(threshold: threshold))
        #expect(finding(a, "forename") == "middle-name")
    }

    @Test func nationalIdentifiersDecide() {
        var a = PersonRecord(id: "a", forenames: "Ian", surname: "Walsh", dateOfBirth: date("1979-12-01"),
                             pncID: "98/123456X")
        var b = PersonRecord(id: "b", forenames: "Ian", surname: "Walsh", dateOfBirth: date("1979-12-01"),
                             pncID: "98/654321Y")
        #expect(assess(a, b).veto == Evidence("pnc-id", "different", "98123456X", "98654321Y", weight: 0))
        b.pncID = "98 / 123456x"
        #expect(assess(a, b).veto?.finding == "shared-key")  // already one record by identity: not a suspect
        a.pncID = nil
        #expect(assess(a, b).isProposed(threshold: threshold))
    }

    @Test func aNameAloneIsNeverEnough() {
        // Among many records, a rare full name weighs more than the threshold on its own...
        var records = [
            PersonRecord(id: "a", forenames: "Xanthe", surname: "Quarrington"),
            PersonRecord(id: "b", forenames: "XANTHE", surname: "QUARRINGTON", address: "1 Mill Lane, Daventry"),
        ]
        for i in 0..<2000 { records.append(PersonRecord(id: "f\(i)", forenames: "F\(i)x", surname: "S\(i)y")) }
        let a = PersonMatcher(records).assess(0, 1)
        #expect(a.score >= threshold)
        // ...but with nothing else to support it, the pair is not proposed.
        #expect(!a.corroborated)
        #expect(!a.isProposed(threshold: threshold))
    }

    @Test func typosAndKeyingErrorsAreForgiven() {
        let a = assess(
            PersonRecord(id: "a", forenames: "Jennifer", surname: "Litstead", dateOfBirth: date("2008-11-22"),
                         address: "Flat 5 27 Cedar Road Market Harborough", postcode: "LE16 8ED"),
            PersonRecord(id: "b", forenames: "Jennifre", surname: "Litsted", dateOfBirth: date("2008-12-12"),
                         address: "Apartment 5, 27 Cedar Rd, Market Harborough le16 8ed"))
        #expect(finding(a, "forename") == "spelling")
        #expect(finding(a, "surname") == "spelling")
        #expect(finding(a, "date-of-birth") == "keying-error")
        #expect(a.isProposed(threshold: threshold))
    }

    @Test func weightsAreTenthsOfABit() {
        #expect(Evidence.format(-25) == "-2.5")
        #expect(Evidence.format(100) == "+10.0")
        #expect(Evidence.format(0) == "+0.0")
    }
}

struct VehicleMatchingTests {
    func assess(_ a: VehicleRecord, _ b: VehicleRecord) -> Assessment { VehicleMatcher([a, b]).assess(0, 1) }
    let threshold = VehicleMatcher.defaultThreshold

    @Test func aMisreadPlateIsProposedWithTheCharacterNamed() {
        let a = assess(VehicleRecord(id: "v1", registration: "AB12 CDE", make: "Ford", model: "Focus"),
                       VehicleRecord(id: "v2", registration: "ab12c0e", make: "FORD"))
        #expect(a.isProposed(threshold: threshold))
        let plate = a.evidence.first { $0.field == "registration" }
        #expect(plate?.finding == "misread")
        #expect(plate?.note == "position 6: D read as 0")
    }

    @Test func aPlateOneCharacterShortNeedsTheMakeAndModel() {
        let short = VehicleRecord(id: "v2", registration: "AB12 CE", make: "Vauxhall", model: "Corsa")
        let full = VehicleRecord(id: "v1", registration: "AB12 CDE", make: "Vauxhall", model: "Corsa")
        #expect(assess(full, short).isProposed(threshold: threshold))
        #expect(!assess(VehicleRecord(id: "v1", registration: "AB12 CDE"), short).isProposed(threshold: threshold))
    }

    @Test func aMisreadPlateOnAnotherMakeIsNotProposed() {
        let a = assess(VehicleRecord(id: "v1", registration: "AB12 CDE", make: "Ford"),
                       VehicleRecord(id: "v2", registration: "AB12 C0E", make: "Toyota"))
        #expect(!a.isProposed(threshold: threshold))
    }

    @Test func differentVINsVetoAndTheSameMarkIsAlreadyOneRecord() {
        let a = assess(VehicleRecord(id: "v1", registration: "AB12 CDE", vin: "WVWZZZ1JZXW000001"),
                       VehicleRecord(id: "v2", registration: "AB12 CDE", vin: "WVWZZZ1JZXW999999"))
        #expect(a.veto?.field == "vin")  // the same plate on two vehicles: cloned plates, not a duplicate
        #expect(a.veto?.finding == "different")
        let b = assess(VehicleRecord(id: "v1", registration: "AB12 CDE"),
                       VehicleRecord(id: "v2", registration: "AB12CDE"))
        #expect(b.veto?.finding == "shared-key")
    }

    @Test func theScanFindsPlatesOneCharacterApart() {
        let records = [
            VehicleRecord(id: "v1", registration: "AB12 CDE", make: "Vauxhall", model: "Corsa"),
            VehicleRecord(id: "v2", registration: "KX70 LMN", make: "Vauxhall", model: "Corsa"),
            VehicleRecord(id: "v3", registration: "AB12 CE", make: "Vauxhall", model: "Corsa"),
            VehicleRecord(id: "v4", registration: "A812 CDE", make: "Vauxhall"),
        ]
        let report = DuplicateScan.run(VehicleMatcher(records))
        #expect(Set(report.proposals.map { [$0.first, $0.second] }) == [["v1", "v3"], ["v1", "v4"]])
    }
}

struct LocationMatchingTests {
    func assess(_ a: LocationRecord, _ b: LocationRecord) -> Assessment { LocationMatcher([a, b]).assess(0, 1) }
    let threshold = LocationMatcher.defaultThreshold

    @Test func oneFlatWrittenTwoWaysIsProposed() {
        let a = assess(LocationRecord(id: "l1", address: "Flat 3, 12 High St, Beeston, Nottingham NG9 2JL"),
                       LocationRecord(id: "l2", address: "3/12 HIGH STREET, BEESTON", postcode: "ng92jl"))
        #expect(a.isProposed(threshold: threshold))
        #expect(a.evidence.first?.second == "FLAT 3, 12 HIGH STREET, BEESTON, NG9 2JL")
    }

    @Test func neighboursAndBareStreetsAreNot() {
        let neighbours = assess(LocationRecord(id: "l1", address: "12 High St, Beeston NG9 2JL"),
                                LocationRecord(id: "l2", address: "14 High St, Beeston NG9 2JL"))
        #expect(neighbours.veto?.finding == "same-postcode")
        let bare = assess(LocationRecord(id: "l1", address: "12 High Street"),
                          LocationRecord(id: "l2", address: "12 High Street, Beeston NG9 2JL"))
        #expect(finding(bare, "address") == "same-street")
        #expect(!bare.isProposed(threshold: threshold))  // every town has a 12 High Street
    }

    @Test func uprnsDecide() {
        let a = assess(LocationRecord(id: "l1", address: "12 High St, NG9 2JL", uprn: "100030000001"),
                       LocationRecord(id: "l2", address: "12 High Street, NG9 2JL", uprn: "100030000002"))
        #expect(a.veto?.finding == "different")
        let b = assess(LocationRecord(id: "l1", address: "12 High St, NG9 2JL", uprn: "100030000001"),
                       LocationRecord(id: "l2", address: "Unit 1, Trent Wharf", uprn: "100030000001"))
        #expect(b.veto?.finding == "shared-key")
    }
}

struct DuplicateScanTests {
    static let people = SyntheticPeople.generate(records: 600, seed: 7)

    @Test func blockingLosesNoPairThatComparingEveryPairWouldPropose() {
        let matcher = PersonMatcher(Self.people.records)
        let report = DuplicateScan.run(matcher)
        var exhaustive: Set<[String]> = []
        for i in 0..<matcher.count {
            for j in (i + 1)..<matcher.count where matcher.assess(i, j).isProposed(threshold: report.threshold) {
                exhaustive.insert([matcher.id(i), matcher.id(j)].sorted())
            }
        }
        #expect(!exhaustive.isEmpty)
        #expect(Set(report.proposals.map { [$0.first, $0.second] }) == exhaustive)
        // ...while comparing a small share of all pairs.
        #expect(report.comparedPairs * 50 < matcher.count * (matcher.count - 1) / 2)
    }

    @Test func blockingBringsTogetherNearlyAllKnownDuplicates() {
        let matcher = PersonMatcher(Self.people.records)
        var candidates: Set<RecordPair> = []
        _ = DuplicateScan.forEachCandidate(count: matcher.count, keys: matcher.blockingKeys,
                                           maximumBlock: DuplicateScan.maximumBlock) {
            candidates.insert(RecordPair($0, $1))
        }
        let truth = Self.people.duplicatePairs()
        #expect(truth.count > 50)
        let found = truth.filter(candidates.contains).count
        #expect(Double(found) >= 0.97 * Double(truth.count), "blocking found \(found) of \(truth.count)")
    }

    @Test func proposalsAreRankedAndEachPairListedOnce() {
        let report = DuplicateScan.run(PersonMatcher(Self.people.records))
        #expect(report.proposals.count > 10)
        #expect(zip(report.proposals, report.proposals.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(Set(report.proposals.map { [$0.first, $0.second] }).count == report.proposals.count)
        #expect(report.proposals.allSatisfy { $0.first < $0.second && $0.score >= report.threshold })
    }

    @Test func aScanOnlyProposes() {
        // An exact copy under another id is the strongest possible pair: the scan lists it, and that is all.
        var records = Array(Self.people.records.prefix(200))
        // One with a date of birth and no PNC ID (a copy with the same PNC ID would already be the same record).
        let original = records.firstIndex { $0.pncID == nil && $0.dateOfBirth?.isComplete == true } ?? 0
        records.swapAt(0, original)
        var copy = records[0]
        copy.id = "person-copy"
        records.append(copy)
        let matcher = PersonMatcher(records)
        let first = DuplicateScan.run(matcher)
        #expect(first.proposals.contains { Set([$0.first, $0.second]) == [records[0].id, "person-copy"] })
        // Nothing was joined or remembered: scanning again proposes exactly the same pairs, and the records are
        // still there, each under its own id.
        #expect(DuplicateScan.run(matcher).proposals == first.proposals)
        #expect(matcher.count == 201)
        #expect((0..<matcher.count).map(matcher.id) == records.map(\.id))
        // A record is never paired with itself, nor with another copy holding its id.
        records.append(records[0])
        let again = DuplicateScan.run(PersonMatcher(records))
        #expect(again.proposals.allSatisfy { $0.first != $0.second })
    }

    @Test func oversizedBlocksAreSkippedAndReported() {
        let same = (0..<30).map {
            PersonRecord(id: "r\($0)", forenames: "John", surname: "Smith", dateOfBirth: date("1980-01-01"),
                         address: "1 Mill Lane, Corby NN17 1AB")
        }
        let bounded = DuplicateScan.run(PersonMatcher(same), maximumBlock: 10)
        #expect(bounded.comparedPairs == 0)
        #expect(bounded.proposals.isEmpty)
        #expect(!bounded.skippedBlocks.isEmpty)
        #expect(bounded.skippedBlocks.allSatisfy { $0.size == 30 })
        #expect(DuplicateScan.run(PersonMatcher(same)).proposals.count == 30 * 29 / 2)
    }
}
