// The phonetic key: NYSIIS, so that names that sound alike but are spelt differently meet in one block.
//
// The New York State Identification and Intelligence System code (R. L. Taft, "Name Search Techniques", 1970) was
// designed for surnames in criminal-justice files, which is what we match. Unlike Soundex it keeps vowel positions
// (as A) and handles English spellings such as MAC, KN, PH and SCH, so it splits fewer unrelated names into one
// block while still joining Catherine/Katherine or Mohammed/Muhammad. Written from the published description of the
// rules; the key is not truncated (Taft's 6-character limit only made blocks coarser).
//
// The key is used to find candidates and as evidence ("sounds the same"), never as a proof: names within one key
// are still scored by their spelling.

public enum NYSIIS {
    /// The NYSIIS key of a name: the letters A-Z of `TextFold.fold(name)` (digits, spaces and other scripts are
    /// dropped first), or "" when there are none.
    public static func key(_ name: String) -> String {
        var w = Array(TextFold.fold(name).utf8.filter { $0 >= 0x41 && $0 <= 0x5A })
        guard !w.isEmpty else { return "" }
        translatePrefix(&w)
        translateSuffix(&w)

        var key: [UInt8] = [w[0]]
        var i = 1
        while i < w.count {
            let c = w[i]
            let next: UInt8? = i + 1 < w.count ? w[i + 1] : nil
            switch c {
            case ascii("E") where next == ascii("V"):
                w[i] = ascii("A"); w[i + 1] = ascii("F")
            case ascii("A"), ascii("E"), ascii("I"), ascii("O"), ascii("U"): w[i] = ascii("A")
            case ascii("Q"): w[i] = ascii("G")
            case ascii("Z"): w[i] = ascii("S")
            case ascii("M"): w[i] = ascii("N")
            case ascii("K"): w[i] = next == ascii("N") ? ascii("N") : ascii("C")
            case ascii("S") where next == ascii("C") && i + 2 < w.count && w[i + 2] == ascii("H"):
                w[i + 1] = ascii("S"); w[i + 2] = ascii("S")
            case ascii("P") where next == ascii("H"):
                w[i] = ascii("F"); w[i + 1] = ascii("F")
            case ascii("H"):
                // H is silent unless it stands between two vowels.
                if !isVowel(w[i - 1]) || next.map(isVowel) != true { w[i] = w[i - 1] }
            case ascii("W"):
                if isVowel(w[i - 1]) { w[i] = w[i - 1] }
            default: break
            }
            if key.last != w[i] { key.append(w[i]) }
            i += 1
        }

        if key.count > 1, key.last == ascii("S") { key.removeLast() }
        if key.count > 2, key[key.count - 2] == ascii("A"), key.last == ascii("Y") {
            key.removeLast(2); key.append(ascii("Y"))
        }
        if key.count > 1, key.last == ascii("A") { key.removeLast() }
        return String(decoding: key, as: UTF8.self)
    }

    /// MAC -> MCC, KN -> NN, K -> C, PH/PF -> FF, SCH -> SSS at the start of the name.
    private static func translatePrefix(_ w: inout [UInt8]) {
        if starts(w, "MAC") { w[1] = ascii("C") }
        else if starts(w, "KN") { w[0] = ascii("N") }
        else if starts(w, "K") { w[0] = ascii("C") }
        else if starts(w, "PH") || starts(w, "PF") { w[0] = ascii("F"); w[1] = ascii("F") }
        else if starts(w, "SCH") { w[1] = ascii("S"); w[2] = ascii("S") }
    }

    /// EE/IE -> Y and DT/RT/RD/NT/ND -> D at the end of the name.
    private static func translateSuffix(_ w: inout [UInt8]) {
        guard w.count >= 2 else { return }
        let last2 = String(decoding: w.suffix(2), as: UTF8.self)
        switch last2 {
        case "EE", "IE": w.removeLast(2); w.append(ascii("Y"))
        case "DT", "RT", "RD", "NT", "ND": w.removeLast(2); w.append(ascii("D"))
        default: break
        }
    }

    private static func starts(_ w: [UInt8], _ prefix: String) -> Bool { w.starts(with: prefix.utf8) }
    private static func isVowel(_ c: UInt8) -> Bool { "AEIOU".utf8.contains(c) }
    private static func ascii(_ s: Unicode.Scalar) -> UInt8 { UInt8(ascii: s) }
}
