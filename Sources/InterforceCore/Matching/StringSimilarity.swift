// String similarity: how close two spellings are, for telling a typing slip from a different name.
//
// Two measures, each for what it is good at. Jaro-Winkler (Jaro 1989, Winkler 1990) was built for names in record
// linkage: it forgives transposed and displaced letters and rewards a shared start, where names rarely go wrong.
// The optimal-string-alignment edit distance (Levenshtein with adjacent transpositions, each counting one) says
// how many keystrokes apart two strings are: "one slip" is a precise, explainable finding. Both work on Unicode
// scalars of already-folded text; inputs are bounded by `TextFold.maximumScalars`, so the quadratic distance is
// bounded too.

public enum StringSimilarity {
    /// Jaro-Winkler similarity in 0...1 (1 = equal) with the standard prefix scale 0.1 over at most 4 characters.
    public static func jaroWinkler(_ a: String, _ b: String) -> Double {
        jaroWinkler(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }

    static func jaroWinkler(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Double {
        let j = jaro(a, b)
        var prefix = 0
        while prefix < min(4, a.count, b.count), a[prefix] == b[prefix] { prefix += 1 }
        return j + Double(prefix) * 0.1 * (1 - j)
    }

    /// Jaro similarity: characters match when equal and no further apart than half the longer length less one;
    /// t is half the number of matched characters out of order.
    static func jaro(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        if a.isEmpty || b.isEmpty { return 0 }
        let window = max(0, max(a.count, b.count) / 2 - 1)
        var aMatched = [Bool](repeating: false, count: a.count)
        var bMatched = [Bool](repeating: false, count: b.count)
        var matches = 0
        for i in a.indices {
            let lo = max(0, i - window), hi = min(b.count - 1, i + window)
            guard lo <= hi else { continue }
            for k in lo...hi where !bMatched[k] && a[i] == b[k] {
                aMatched[i] = true
                bMatched[k] = true
                matches += 1
                break
            }
        }
        guard matches > 0 else { return 0 }
        var outOfOrder = 0, k = 0
        for i in a.indices where aMatched[i] {
            while !bMatched[k] { k += 1 }
            if a[i] != b[k] { outOfOrder += 1 }
            k += 1
        }
        let m = Double(matches)
        return (m / Double(a.count) + m / Double(b.count) + (m - Double(outOfOrder) / 2) / m) / 3
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two adjacent
    /// characters, each costing 1 (no substring is edited twice).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }

    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let width = b.count + 1
        // Three rows of the dynamic-programming table: two back (for transpositions), one back, current.
        var twoBack = [Int](repeating: 0, count: width)
        var oneBack = Array(0...b.count)
        var current = [Int](repeating: 0, count: width)
        for i in 1...a.count {
            current[0] = i
            for k in 1...b.count {
                let cost = a[i - 1] == b[k - 1] ? 0 : 1
                var d = min(oneBack[k] + 1, current[k - 1] + 1, oneBack[k - 1] + cost)
                if i > 1, k > 1, a[i - 1] == b[k - 2], a[i - 2] == b[k - 1] { d = min(d, twoBack[k - 2] + 1) }
                current[k] = d
            }
            (twoBack, oneBack, current) = (oneBack, current, twoBack)
        }
        return oneBack[b.count]
    }
}
