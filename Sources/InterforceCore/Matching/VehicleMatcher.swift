// Vehicle matching: two records of one vehicle whose registration or VIN was read differently.
//
// A vehicle's identity is its registration mark or VIN; two records with the same one are already one record.
// What the scan looks for is the near miss: marks that are the same once look-alike characters are read the
// same way (AB12 CDE and AB12 C0E), or one character apart (a character missed or added), supported by the make,
// model and colour. Different VINs on both records veto the pair (two vehicles, perhaps one on cloned plates);
// a mark that matches no other way does not make a pair, so make, model and colour alone never do.
//
// Blocking keys: the mark with look-alikes folded, the same with each one character deleted (so marks one
// character apart share a key), and the VIN.

/// The fields of a vehicle record the matcher reads.
public struct VehicleRecord: Sendable, Hashable {
    public var id: String
    public var registration: String?
    public var vin: String?
    public var make: String?
    public var model: String?
    public var colour: String?

    public init(id: String, registration: String? = nil, vin: String? = nil, make: String? = nil,
                model: String? = nil, colour: String? = nil) {
        (self.id, self.registration, self.vin) = (id, registration, vin)
        (self.make, self.model, self.colour) = (make, model, colour)
    }
}

public struct VehicleMatcher: DuplicateMatcher {
    public static let defaultThreshold = 80

    enum Weight {
        static let misread = 80, oneCharacter = 50, vinOneCharacter = 60
        static let makeSame = 20, makeDifferent = -40, modelSame = 20, modelDifferent = -20
        static let colourSame = 10, colourDifferent = -10
    }

    struct Profile {
        let id: String
        let registration: RegistrationMark?
        let vin: VIN?
        let make: String, model: String, colour: String
    }

    let profiles: [Profile]

    public init(_ records: [VehicleRecord]) {
        profiles = records.map {
            Profile(id: $0.id, registration: $0.registration.flatMap(RegistrationMark.init),
                    vin: $0.vin.flatMap(VIN.init), make: TextFold.fold($0.make ?? ""),
                    model: TextFold.fold($0.model ?? ""), colour: TextFold.fold($0.colour ?? ""))
        }
    }

    public var count: Int { profiles.count }
    public func id(_ i: Int) -> String { profiles[i].id }

    public func blockingKeys(_ i: Int) -> [String] {
        var keys: [String] = []
        if let mark = profiles[i].registration?.misreadKey {
            keys.append("r:\(mark)")
            keys.append(contentsOf: Self.deletions(mark).map { "r:\($0)" })
        }
        if let vin = profiles[i].vin { keys.append("v:\(vin)") }
        return keys
    }

    /// `s` with each one character removed.
    static func deletions(_ s: String) -> [String] {
        let u = Array(s.utf8)
        return u.indices.map { i in String(decoding: u[..<i] + u[(i + 1)...], as: UTF8.self) }
    }

    public func assess(_ i: Int, _ j: Int) -> Assessment {
        let a = profiles[i], b = profiles[j]
        var result = Assessment()
        var identified = false
        if let va = a.vin, let vb = b.vin {
            if va == vb {
                result.veto = Evidence("vin", "shared-key", va.normalised, vb.normalised, weight: 0)
                return result
            }
            guard StringSimilarity.editDistance(va.normalised, vb.normalised) == 1 else {
                result.veto = Evidence("vin", "different", va.normalised, vb.normalised, weight: 0)
                return result
            }
            result.add(Evidence("vin", "one-character", va.normalised, vb.normalised, weight: Weight.vinOneCharacter))
            identified = true
        }
        if let ra = a.registration, let rb = b.registration {
            if ra == rb {
                result.veto = Evidence("registration", "shared-key", ra.normalised, rb.normalised, weight: 0)
                return result
            }
            if let notes = Misreads.explain(ra.normalised, rb.normalised) {
                result.add(Evidence("registration", "misread", ra.normalised, rb.normalised, weight: Weight.misread,
                                    note: notes.joined(separator: "; ")))
                identified = true
            } else if StringSimilarity.editDistance(ra.misreadKey, rb.misreadKey) == 1 {
                result.add(Evidence("registration", "one-character", ra.normalised, rb.normalised,
                                    weight: Weight.oneCharacter))
                identified = true
            } else {
                result.add(Evidence("registration", "different", ra.normalised, rb.normalised, weight: 0))
            }
        }
        result.corroborated = identified
        describe("make", a.make, b.make, same: Weight.makeSame, different: Weight.makeDifferent, into: &result)
        describe("model", a.model, b.model, same: Weight.modelSame, different: Weight.modelDifferent, into: &result)
        describe("colour", a.colour, b.colour, same: Weight.colourSame, different: Weight.colourDifferent,
                 into: &result)
        return result
    }

    /// Exact (or Jaro-Winkler >= 0.9, for "VAUXHALL" / "VAUXHAL") or different; nothing when either is empty.
    private func describe(_ field: String, _ a: String, _ b: String, same: Int, different: Int,
                          into result: inout Assessment) {
        guard !a.isEmpty, !b.isEmpty else { return }
        let agree = a == b || StringSimilarity.jaroWinkler(a, b) >= 0.9
        result.add(Evidence(field, agree ? (a == b ? "exact" : "spelling") : "different", a, b,
                            weight: agree ? same : different))
    }
}
