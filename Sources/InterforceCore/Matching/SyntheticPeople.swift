// Synthetic people with known duplicates: the yardstick for the duplicate scan's precision and recall.
//
// `generate(records:seed:)` draws households (SyntheticPopulation), then has forces record each person once, or
// (for one person in four, who has dealings with more than one force) two to four times, each record through the
// error model of SyntheticRecording, and shuffles the records. It keeps the truth: which person each record is.
// Two records of one person are a true duplicate pair unless both carry the person's PNC ID: those share a key,
// are one record by identity already, and are not the scan's business. The population and the recording use
// separate random streams derived from the seed, so the same seed gives the same people whatever the error
// model, and the same records on every machine.

public struct SyntheticPeople: Sendable {
    public let records: [PersonRecord]
    /// The true person behind each record (an index into `people`).
    public let personOf: [Int]
    public let people: [SyntheticPerson]
    /// The damage each record carries.
    public let damage: [[Damage]]

    public static func generate(records count: Int, seed: UInt64) -> SyntheticPeople {
        var population = SyntheticPopulation(seed: seed ^ 0x5050_4F50_554C_4154, streetCount: count / 30)
        var recording = SyntheticRecording(seed: seed ^ 0x5245_434F_5244_494E)
        var people: [SyntheticPerson] = []
        var drafts: [(record: PersonRecord, person: Int, damage: [Damage])] = []
        while drafts.count < count {
            for person in population.nextHousehold() {
                people.append(person)
                var copies = 1
                if recording.random.chance(0.25) {
                    let u = recording.random.unit()
                    copies += u < 0.7 ? 1 : u < 0.9 ? 2 : 3
                }
                for _ in 0..<copies {
                    let r = recording.record(person, id: "", population: population)
                    drafts.append((r, people.count - 1, recording.damage))
                }
            }
        }
        drafts.removeLast(drafts.count - count)
        recording.random.shuffle(&drafts)
        let width = String(count).count
        var records: [PersonRecord] = []
        for (i, d) in drafts.enumerated() {
            var r = d.record
            let n = String(i + 1)
            r.id = "person-" + String(repeating: "0", count: max(0, width - n.count)) + n
            records.append(r)
        }
        return SyntheticPeople(records: records, personOf: drafts.map(\.person), people: people,
                               damage: drafts.map(\.damage))
    }

    /// The true duplicate pairs, as record indices (first < second): records of one person that do not both carry
    /// the person's PNC ID.
    public func duplicatePairs() -> [RecordPair] {
        var byPerson: [Int: [Int]] = [:]
        for (i, p) in personOf.enumerated() { byPerson[p, default: []].append(i) }
        var pairs: [RecordPair] = []
        for group in byPerson.values where group.count > 1 {
            for x in group.indices {
                for y in group.indices where y > x {
                    let (i, j) = (group[x], group[y])
                    if records[i].pncID != nil && records[j].pncID != nil { continue }
                    pairs.append(RecordPair(i, j))
                }
            }
        }
        return pairs.sorted { ($0.first, $0.second) < ($1.first, $1.second) }
    }
}

/// Two record indices, smaller first.
public struct RecordPair: Sendable, Hashable {
    public let first: Int
    public let second: Int
    public init(_ a: Int, _ b: Int) { (first, second) = (min(a, b), max(a, b)) }
}
