// Precision and recall of a duplicate scan against synthetic people whose duplicates are known.
//
// Precision: of the pairs proposed, the share that are records of one person. Recall: of the true duplicate pairs
// (SyntheticPeople.duplicatePairs), the share proposed. Both count pairs, the unit an officer confirms. To say
// where the scan fails, false proposals are grouped by how the two people relate (twins; other members of one
// household; strangers), and missed pairs by whether blocking brought them together at all and by the damage
// their records carry (a pair counts once under each kind of damage on either record; undamaged pairs are
// counted as "none").

public struct MatchQuality: Sendable {
    public let truePairs: Int
    public let proposed: Int
    public let truePositives: Int
    public var falsePositives: Int { falseProposals.count }
    public var missed: Int { missedPairs.count }
    /// Proposed pairs that are not records of one person, and true pairs not proposed, as record indices in order.
    public let falseProposals: [RecordPair]
    public let missedPairs: [RecordPair]
    public var precision: Double { proposed == 0 ? 1 : Double(truePositives) / Double(proposed) }
    public var recall: Double { truePairs == 0 ? 1 : Double(truePositives) / Double(truePairs) }
    /// "twins", "same-household", "strangers".
    public let falsePositivesByRelation: [String: Int]
    /// Missed pairs that no blocking key brought together.
    public let missedByBlocking: Int
    /// Missed pairs by damage kind ("none" for pairs with no damage on either record).
    public let missedByDamage: [String: Int]

    /// Scores `report` against `people`; `blocked(pair)` says whether blocking brought a pair together.
    public init(report: ScanReport, people: SyntheticPeople, blocked: (RecordPair) -> Bool) {
        var index: [String: Int] = [:]
        for (i, r) in people.records.enumerated() { index[r.id] = i }
        let truthInOrder = people.duplicatePairs()
        let truth = Set(truthInOrder)
        var hits = 0
        var relations: [String: Int] = [:]
        var proposedPairs = Set<RecordPair>()
        var falseProposals: [RecordPair] = []
        for p in report.proposals {
            guard let i = index[p.first], let j = index[p.second] else { continue }
            let pair = RecordPair(i, j)
            proposedPairs.insert(pair)
            if truth.contains(pair) {
                hits += 1
                continue
            }
            falseProposals.append(pair)
            let a = people.people[people.personOf[i]], b = people.people[people.personOf[j]]
            let relation = a.household != b.household ? "strangers"
                : a.isTwin && b.isTwin && a.year == b.year && a.month == b.month && a.day == b.day ? "twins"
                : "same-household"
            relations[relation, default: 0] += 1
        }
        var byDamage: [String: Int] = [:]
        var unblocked = 0
        let missedPairs = truthInOrder.filter { !proposedPairs.contains($0) }
        for pair in missedPairs {
            if !blocked(pair) { unblocked += 1 }
            let kinds = Set(people.damage[pair.first] + people.damage[pair.second])
            if kinds.isEmpty { byDamage["none", default: 0] += 1 }
            for k in kinds { byDamage[k.rawValue, default: 0] += 1 }
        }
        truePairs = truth.count
        proposed = report.proposals.count
        truePositives = hits
        self.falseProposals = falseProposals.sorted { ($0.first, $0.second) < ($1.first, $1.second) }
        self.missedPairs = missedPairs
        falsePositivesByRelation = relations
        missedByBlocking = unblocked
        missedByDamage = byDamage
    }
}
