// The synthetic workload: a reproducible mix of valid case files, image references and interview notes.
//
// Documents are generated before any clock starts, from a seeded generator, so every run authors the same shapes
// and the same words (only image hashes are fresh random bytes, as a camera would produce, and records without a
// natural key get random ids from the node). Two words are planted for the full-text queries: `statement`, in
// roughly two records in five (the common word), and `zanzibar`, in five interview notes whatever N is (the rare
// word; fewer when N < 50). A few case files reuse an earlier crime reference, so the node merges them into the
// existing record, the way a second report of the same crime would arrive.

import InterforceCore

/// SplitMix64 (Steele, Lea and Flood, 2014): a small, fast, seedable generator; not for anything secret.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One `node.create` call to make.
struct WorkItem {
    let type: RecordType
    let document: JSONValue
    let classification: Classification
    let audience: Audience
}

struct Workload {
    static let commonWord = "statement"
    static let rareWord = "zanzibar"
    static let rareCount = 5

    let items: [WorkItem]
    /// How many case files reuse an earlier crime reference (their create merges into an existing record).
    let mergingCreates: Int

    /// `n` items: 40% case files (60% of them with a crime reference), 30% image refs, 30% interview notes.
    init(count n: Int, seed: UInt64 = 0x1F0_2026) throws {
        var rng = SplitMix64(seed: seed)
        // Every audience names surrey, the ingesting node's force, so no entry is withheld from it.
        let audiences = [try Audience(forces: ["surrey"]), try Audience(forces: ["kent", "surrey"]),
                         try Audience(forces: ["surrey"], groups: ["south-east"])]
        // Spread the rare word over five interview notes (i % 10 == 7) whatever n is: notes have random ids, so no
        // later create merges into them and overwrites the planted text, as a reused crime reference could.
        let stride = max(n / Self.rareCount, 10)
        let rare = Set((0..<Self.rareCount).map { k in
            let i = k * stride + stride / 2
            return i - i % 10 + 7
        }.filter { $0 < n })
        var references: [String] = []
        var caseIDs: [String] = []
        var merging = 0
        var items: [WorkItem] = []
        items.reserveCapacity(n)
        for i in 0..<n {
            let classification: Classification = rng.chance(0.2) ? .officialSensitive : .official
            let audience = audiences[Int(rng.next() % UInt64(audiences.count))]
            let plant = rare.contains(i) ? Self.rareWord : nil
            let document: JSONValue
            let type: RecordType
            switch i % 10 {
            case 0..<4:
                type = .caseFile
                var reference: String?
                if rng.chance(0.6) {
                    if !references.isEmpty, rng.chance(0.05) {
                        reference = references[Int(rng.next() % UInt64(references.count))]
                        merging += 1
                    } else {
                        reference = "HAM/26/\(100_000 + references.count)"
                        references.append(reference!)
                        caseIDs.append(RecordID.natural(type: .caseFile, key: reference!))
                    }
                }
                document = Self.caseFile(&rng, reference: reference, plant: plant)
            case 4..<7:
                type = .imageRef
                let link = caseIDs.isEmpty || !rng.chance(0.5) ? nil : caseIDs[Int(rng.next() % UInt64(caseIDs.count))]
                document = Self.imageRef(&rng, caseRef: link, plant: plant)
            default:
                type = .interviewNote
                document = Self.interviewNote(&rng, plant: plant)
            }
            items.append(WorkItem(type: type, document: document, classification: classification, audience: audience))
        }
        self.items = items
        self.mergingCreates = merging
    }

    // MARK: Documents

    static func caseFile(_ rng: inout SplitMix64, reference: String?, plant: String?) -> JSONValue {
        let offence = offences.randomElement(using: &rng)!
        var summary = sentence(&rng, words: 20 + Int(rng.next() % 25))
        if rng.chance(0.33) { summary += " Victim \(commonWord) taken at the scene." }
        if let plant { summary += " Vehicle later seen near \(plant) yard." }
        var o: [String: JSONValue] = [
            "title": .string("\(offence.capitalizedFirst) at \(street(&rng)) Road"),
            "status": .string(["open", "under-investigation", "charged", "closed"].randomElement(using: &rng)!),
            "offence": .string(offence),
            "summary": .string(summary),
            "leadOfficer": .string("DS \(1000 + rng.next() % 9000)"),
            "people": .array(distinct((0..<(1 + Int(rng.next() % 3))).map { _ in
                ["role": .string(["suspect", "victim", "witness"].randomElement(using: &rng)!),
                 "name": .string(name(&rng))]
            })),
            "locations": [["description": .string("\(1 + rng.next() % 200) \(street(&rng)) Road"),
                           "postcode": .string("SO\(10 + rng.next() % 80) \(rng.next() % 10)AB")]],
            "events": [["at": .string(timestamp(&rng)), "description": .string(sentence(&rng, words: 8))]],
            "officers": .array(distinct((0..<2).map { _ in .string("PC \(1000 + rng.next() % 9000)") })),
            "tags": .array([.string(offence.replacingSpaces)]),
        ]
        if let reference { o["crimeReference"] = .string(reference) }
        return .object(o)
    }

    static func imageRef(_ rng: inout SplitMix64, caseRef: String?, plant: String?) -> JSONValue {
        let hash = Hex.encode(Random.bytes(32))
        var o: [String: JSONValue] = [
            "imageHash": .string(hash),
            "size": .int(Int64(50_000 + rng.next() % 5_000_000)),
            "mediaType": "image/jpeg",
            "capturedAt": .string(timestamp(&rng)),
            "capturingOfficer": .string("CSI \(100 + rng.next() % 900)"),
            "storageUri": .string("s3://evidence/hampshire/\(hash).jpg"),
            "kind": .string(["fingerprint", "footwear", "scene", "other"].randomElement(using: &rng)!),
            "exhibitNumber": .string("EX-\(rng.next() % 100_000)"),
            "location": .string(plant.map { "Yard at \($0)" } ?? "\(street(&rng)) Road"),
            "tags": ["scene-image"],
        ]
        if let caseRef { o["caseRef"] = .string(caseRef) }
        return .object(o)
    }

    static func interviewNote(_ rng: inout SplitMix64, plant: String?) -> JSONValue {
        var paragraphs: [JSONValue] = [.string("Interview started; \(commonWord) under caution.")]
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            paragraphs.append(.string(sentence(&rng, words: 25 + Int(rng.next() % 30))))
        }
        if let plant { paragraphs.append(.string("Interviewee mentioned a lock-up near \(plant) yard.")) }
        return [
            "interviewee": .string(name(&rng)),
            "intervieweeRole": .string(["victim", "witness", "suspect", "other"].randomElement(using: &rng)!),
            "interviewer": .string("DC \(10 + rng.next() % 990)"),
            "startedAt": .string(timestamp(&rng)),
            "location": "Southampton Central custody suite",
            "status": .string(rng.chance(0.5) ? "completed" : "in-progress"),
            "paragraphs": .array(paragraphs),
            "officers": .array([.string("DC \(10 + rng.next() % 990)")]),
        ]
    }

    /// Set fields refuse repeated elements; drop repeats, keeping the first.
    static func distinct(_ values: [JSONValue]) -> [JSONValue] {
        var seen = Set<JSONValue>()
        return values.filter { seen.insert($0).inserted }
    }

    // MARK: Words

    static func sentence(_ rng: inout SplitMix64, words: Int) -> String {
        (0..<words).map { _ in vocabulary.randomElement(using: &rng)! }.joined(separator: " ").capitalizedFirst + "."
    }

    static func street(_ rng: inout SplitMix64) -> String { streets.randomElement(using: &rng)! }

    static func name(_ rng: inout SplitMix64) -> String {
        "\(givenNames.randomElement(using: &rng)!) \(familyNames.randomElement(using: &rng)!)"
    }

    static func timestamp(_ rng: inout SplitMix64) -> String {
        func two(_ v: UInt64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "2026-\(two(1 + rng.next() % 12))-\(two(1 + rng.next() % 28))T\(two(rng.next() % 24)):"
            + "\(two(rng.next() % 60)):\(two(rng.next() % 60))Z"
    }

    static let offences = ["burglary", "theft from vehicle", "criminal damage", "assault", "robbery", "fraud",
                           "arson", "shoplifting", "drug supply", "harassment"]
    static let streets = ["Elm", "Station", "Church", "Victoria", "Mill", "Park", "High", "London", "Castle", "Queen",
                          "Kings", "Bridge", "Chapel", "Manor", "North", "Orchard", "Winchester", "Portsmouth"]
    static let givenNames = ["Alex", "Sam", "Jordan", "Morgan", "Chris", "Jamie", "Taylor", "Robin", "Casey", "Charlie",
                             "Priya", "Tomasz", "Aisha", "Liam", "Olivia", "Noah", "Amelia", "Mohammed", "Grace",
                             "Ewan"]
    static let familyNames = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
                              "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
                              "Nowak", "Khan", "Clarke", "Hughes"]
    static let vocabulary = """
        the a of and to in on at by with from after before near outside inside during while officer officers \
        vehicle car van bicycle door window rear front garden garage shed house flat shop premises alley street \
        road junction bus stop station park night morning evening afternoon entry forced damaged broken glass \
        lock handle footprint footprints fingerprint glove gloves bag rucksack phone laptop wallet cash jewellery \
        keys knife bottle hooded jacket dark grey blue black white tall short male female adult youth group pair \
        seen heard reported called attended arrived left fled ran drove walked entered searched recovered seized \
        described identified arrested interviewed released bailed charged cctv camera footage neighbour witness \
        victim suspect resident owner manager staff security alarm sounded quickly slowly approximately minutes \
        hours later earlier believed possibly unknown known local nearby previous similar incident pattern series
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
}

extension SplitMix64 {
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
    var replacingSpaces: String { String(map { $0 == " " ? "-" : $0 }) }
}
