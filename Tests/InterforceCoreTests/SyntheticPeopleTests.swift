// The synthetic people the scan is measured on: reproducible from a seed, with the truth kept, an error model
// that does what SyntheticRecording documents, and look-alikes that are not duplicates.

import InterforceCore
import Testing

struct SyntheticPeopleTests {
    @Test func theSameSeedGivesTheSameRecords() {
        let a = SyntheticPeople.generate(records: 500, seed: 3), b = SyntheticPeople.generate(records: 500, seed: 3)
        #expect(a.records == b.records)
        #expect(a.personOf == b.personOf)
        #expect(SyntheticPeople.generate(records: 500, seed: 4).records != a.records)
    }

    @Test func countsIdsAndTruth() {
        let s = SyntheticPeople.generate(records: 3000, seed: 5)
        #expect(s.records.count == 3000)
        #expect(Set(s.records.map(\.id)).count == 3000)
        let truth = s.duplicatePairs()
        #expect(!truth.isEmpty)
        for pair in truth {
            #expect(s.personOf[pair.first] == s.personOf[pair.second])
            #expect(s.records[pair.first].pncID == nil || s.records[pair.second].pncID == nil)
        }
    }

    /// The rates SyntheticRecording documents are the rates it produces (within sampling error over 20,000).
    @Test func theErrorModelIsTheOneDocumented() {
        let s = SyntheticPeople.generate(records: 20_000, seed: 6)
        func rate(_ d: Damage) -> Double { Double(s.damage.filter { $0.contains(d) }.count) / 20_000 }
        #expect(abs(rate(.dobMissing) - 0.05) < 0.008)
        #expect(abs(rate(.moved) - 0.12) < 0.012)
        #expect(abs(rate(.addressMissing) - 0.05) < 0.008)
        #expect(abs(rate(.transposedNames) - 0.015) < 0.004)
        #expect(abs(rate(.forenameTypo) - 0.03) < 0.006)
        #expect(abs(rate(.surnameTypo) - 0.03) < 0.006)
        #expect(abs(rate(.initialOnly) - 0.02) < 0.005)
        #expect(abs(rate(.postcodeMissing) - 0.10 * 0.95) < 0.012)  // of the records that have an address
        // One person in four has more than one record.
        let people = Set(s.personOf).count
        #expect(Double(s.records.count) / Double(people) > 1.25 && Double(s.records.count) / Double(people) < 1.45)
    }

    @Test func thePopulationHoldsLookAlikesThatAreNotDuplicates() {
        let s = SyntheticPeople.generate(records: 20_000, seed: 6)
        let twins = s.people.filter(\.isTwin)
        #expect(twins.count > 20)
        var seen: [String: Int] = [:]
        for p in s.people { seen["\(p.forename)|\(p.surname)", default: 0] += 1 }
        #expect(seen.values.filter { $0 > 1 }.count > 100)  // many distinct people share a full name
    }
}
