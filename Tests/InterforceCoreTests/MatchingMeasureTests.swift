// The matcher's measures, by vector: the NYSIIS phonetic key, Jaro-Winkler and edit distance, and the grading of
// two dates of birth, with the dates it refuses.

import InterforceCore
import Testing

struct NYSIISTests {
    /// Worked by hand from Taft's rules (see NYSIIS.swift).
    @Test(arguments: [
        ("Johnson", "JANSAN"), ("Knight", "NAGT"), ("MacDonald", "MCDANALD"), ("Smith", "SNAT"), ("Smyth", "SNYT"),
        ("Catherine", "CATARAN"), ("Katherine", "CATARAN"), ("Thompson", "TANPSAN"), ("Thomson", "TANSAN"),
        ("O'Daniel", "ODANAL"), ("Phillips", "FALAP"), ("Schmidt", "SNAD"), ("Evans", "EVAN"), ("Stevens", "STAFAN"),
        ("Hughes", "HAG"), ("Wright", "WRAGT"), ("Brown", "BRAN"), ("Lee", "LY"), ("", ""), ("123", ""),
        ("Mohammed", "MAHANAD"), ("Muhammad", "MAHANAD"),
    ])
    func key(_ name: String, _ expected: String) {
        #expect(NYSIIS.key(name) == expected)
    }
}

struct StringSimilarityTests {
    /// The published examples of Winkler (1990) and the record-linkage literature.
    @Test(arguments: [
        ("MARTHA", "MARHTA", 0.9611), ("DWAYNE", "DUANE", 0.8400), ("DIXON", "DICKSONX", 0.8133),
        ("SMITH", "SMITH", 1.0), ("", "", 1.0), ("ABC", "", 0.0), ("ABC", "XYZ", 0.0),
    ])
    func jaroWinkler(_ a: String, _ b: String, _ expected: Double) {
        #expect(abs(StringSimilarity.jaroWinkler(a, b) - expected) < 0.0001)
        #expect(abs(StringSimilarity.jaroWinkler(b, a) - expected) < 0.0001)
    }

    @Test(arguments: [
        ("KITTEN", "SITTING", 3), ("CA", "ABC", 3), ("SMITH", "SMIHT", 1), ("", "ABC", 3), ("SAME", "SAME", 0),
        ("AB", "BA", 1), ("ROBERT", "RUPERT", 2),
    ])
    func editDistance(_ a: String, _ b: String, _ expected: Int) {
        #expect(StringSimilarity.editDistance(a, b) == expected)
        #expect(StringSimilarity.editDistance(b, a) == expected)
    }
}

struct PartialDateTests {
    static func date(_ text: String) throws -> PartialDate { try PartialDate(parsing: text) }

    @Test(arguments: [
        ("1985-03-12", "1985-03-12"), ("12/03/1985", "1985-03-12"), ("1985-03", "1985-03-XX"),
        ("1985", "1985-XX-XX"), ("1985-XX-XX", "1985-XX-XX"), ("1985-00-00", "1985-XX-XX"),
        ("2000-02-29", "2000-02-29"), ("XXXX-03-XX", "XXXX-03-XX"),
    ])
    func parses(_ text: String, _ expected: String) throws {
        #expect(try Self.date(text).description == expected)
    }

    @Test(arguments: [
        ("1985-13-01", "date of birth: month must be 1-12"),
        ("1985-02-30", "date of birth: day is not in its month"),
        ("1900-02-29", "date of birth: day is not in its month"),
        ("85-03-12", "date of birth: year must have 4 digits"),
        ("abcd", "date of birth: year must be digits or X"),
        ("19-85-03-1", "date of birth: expected YYYY-MM-DD, YYYY-MM, YYYY or DD/MM/YYYY"),
        ("1985-03-1234", "date of birth: longer than 10 characters"),
        ("XXXX-XX-12", "date of birth: a day needs a month"),
        ("XXXX", "date of birth: no year and no month"),
        ("1870-01-01", "date of birth: year must be 1880-2100"),
    ])
    func refuses(_ text: String, _ message: String) {
        #expect(throws: ModelError(message)) { try PartialDate(parsing: text) }
    }

    @Test(arguments: [
        ("1985-03-12", "1985-03-12", PartialDate.Agreement.exact),
        ("1985-03-04", "1985-04-03", .dayMonthSwapped),
        ("1985-03-12", "1985-03-13", .keyingError),
        ("1985-03-12", "1958-03-12", .keyingError),  // two adjacent digits exchanged
        ("1985-03-12", "1990-07-01", .conflict),
        ("1985-03-12", "1985-03-21", .keyingError),
        ("2008-11-22", "2008-12-12", .keyingError),  // adjacent digits exchanged across month and day
        ("1985-03-12", "1986-04-12", .conflict),  // two digits wrong
        ("1985-03", "1985-03-12", .yearAndMonth),
        ("1985", "1985-03-12", .yearOnly),
        ("1985", "1986-01-01", .conflict),
        ("1985-03", "1985-04-01", .conflict),
        ("XXXX-03-XX", "1985-03-12", .missing),
    ])
    func compares(_ a: String, _ b: String, _ expected: PartialDate.Agreement) throws {
        let x = try Self.date(a), y = try Self.date(b)
        #expect(PartialDate.compare(x, y) == expected)
        #expect(PartialDate.compare(y, x) == expected)
    }

    @Test func aMissingDateIsMissing() throws {
        #expect(PartialDate.compare(nil, try Self.date("1985-03-12")) == .missing)
    }
}
