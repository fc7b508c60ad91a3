// The duplicate scan: find the pairs worth an officer's look without comparing every record with every other.
//
// Comparing all pairs of 100,000 people is five billion comparisons; almost all are between obvious strangers.
// The scan instead gives each record a few blocking keys (for a person: phonetic surname with a forename initial,
// phonetic name with year of birth, the date of birth, the postcode with an initial; see each matcher), and scores
// only pairs that share at least one key, each pair once. Keys are chosen so that every kind of damage the
// matcher forgives still leaves the two records sharing some key. A block larger than `maximumBlock` (a name
// common enough, or data hostile enough, to put thousands of records under one key) is not expanded, and the
// report says so, so the scan's cost is bounded by records x keys x `maximumBlock` whatever the input.
//
// A scan only proposes. It returns pairs with their evidence and changes nothing: joining two records is an
// officer's signed same-as link, made after reading the evidence.

/// What the scan needs from one kind of record.
public protocol DuplicateMatcher {
    /// The score at or above which a pair is proposed, in tenths of a bit.
    static var defaultThreshold: Int { get }
    var count: Int { get }
    /// The record id of record `i`.
    func id(_ i: Int) -> String
    /// The keys of record `i`; records sharing one are compared.
    func blockingKeys(_ i: Int) -> [String]
    /// The comparison of records `i` and `j`; symmetric.
    func assess(_ i: Int, _ j: Int) -> Assessment
}

public enum DuplicateScan {
    /// The largest block expanded into pairs.
    public static let maximumBlock = 500

    /// Scores every pair of `matcher`'s records that share a blocking key and returns those proposed at
    /// `threshold`, ranked. Records with the same id are never paired.
    public static func run<M: DuplicateMatcher>(_ matcher: M, threshold: Int = M.defaultThreshold,
                                                maximumBlock: Int = maximumBlock) -> ScanReport {
        var proposals: [SuspectedDuplicate] = []
        var compared = 0
        let skipped = forEachCandidate(count: matcher.count, keys: matcher.blockingKeys, maximumBlock: maximumBlock) {
            i, j in
            let a = matcher.id(i), b = matcher.id(j)
            guard a != b else { return }
            compared += 1
            let assessment = matcher.assess(i, j)
            guard assessment.isProposed(threshold: threshold) else { return }
            proposals.append(SuspectedDuplicate(first: min(a, b), second: max(a, b), score: assessment.score,
                                                evidence: assessment.evidence))
        }
        proposals.sort { ($1.score, $0.first, $0.second) < ($0.score, $1.first, $1.second) }
        return ScanReport(proposals: proposals, records: matcher.count, comparedPairs: compared,
                          skippedBlocks: skipped, threshold: threshold)
    }

    /// Calls `body(i, j)`, i < j, once for every pair of records among `count` that share a key, skipping blocks
    /// of more than `maximumBlock` records; returns the skipped blocks, largest first.
    public static func forEachCandidate(count: Int, keys: (Int) -> [String], maximumBlock: Int,
                                        _ body: (Int, Int) -> Void) -> [ScanReport.SkippedBlock] {
        var index: [String: Int] = [:]
        var names: [String] = []
        var blocks: [[Int]] = []
        var recordBlocks = [[Int]](repeating: [], count: count)
        for i in 0..<count {
            for key in keys(i) {
                let b: Int
                if let known = index[key] {
                    b = known
                } else {
                    b = blocks.count
                    index[key] = b
                    names.append(key)
                    blocks.append([])
                }
                // A key listed twice for one record is one membership.
                if blocks[b].last != i {
                    blocks[b].append(i)
                    recordBlocks[i].append(b)
                }
            }
        }
        // seen[j] == i: pair (i, j) already visited through another key.
        var seen = [Int](repeating: -1, count: count)
        for i in 0..<count {
            for b in recordBlocks[i] {
                let members = blocks[b]
                guard members.count <= maximumBlock else { continue }
                for j in members where j > i && seen[j] != i {
                    seen[j] = i
                    body(i, j)
                }
            }
        }
        return blocks.indices.filter { blocks[$0].count > maximumBlock }
            .map { ScanReport.SkippedBlock(key: names[$0], size: blocks[$0].count) }
            .sorted { ($1.size, $0.key) < ($0.size, $1.key) }
    }
}
