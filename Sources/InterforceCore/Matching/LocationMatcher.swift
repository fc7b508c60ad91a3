// Location matching: two records of one address written two ways.
//
// A location's identity is its UPRN (the Unique Property Reference Number of the national address gazetteer);
// two records with the same UPRN are already one record, and different UPRNs veto the pair. Without one, the scan
// proposes addresses that UKAddress.compare finds to be the same dwelling, or the same building with the flat
// recorded on one side only; the same street and number with no postcode or town to place it is not enough
// (every town has a 12 High Street), and neighbours are never proposed.
//
// Blocking keys: the postcode, and the building number with the phonetic key of the street's first word.

/// The fields of a location record the matcher reads.
public struct LocationRecord: Sendable, Hashable {
    public var id: String
    public var address: String
    public var postcode: String?
    public var uprn: String?

    public init(id: String, address: String, postcode: String? = nil, uprn: String? = nil) {
        (self.id, self.address, self.postcode, self.uprn) = (id, address, postcode, uprn)
    }
}

public struct LocationMatcher: DuplicateMatcher {
    public static let defaultThreshold = 60

    static let weights: [UKAddress.Agreement: Int] = [.same: 100, .sameBuilding: 60, .sameStreet: 40]

    struct Profile {
        let id: String
        let address: UKAddress
        let uprn: String?
    }

    let profiles: [Profile]

    public init(_ records: [LocationRecord]) {
        profiles = records.map {
            let uprn = $0.uprn.flatMap { Misreads.compact($0, maximum: 12) }
            return Profile(id: $0.id, address: UKAddress($0.address, postcode: $0.postcode), uprn: uprn)
        }
    }

    public var count: Int { profiles.count }
    public func id(_ i: Int) -> String { profiles[i].id }

    public func blockingKeys(_ i: Int) -> [String] {
        let a = profiles[i].address
        var keys: [String] = []
        if let postcode = a.postcode { keys.append("p:\(postcode)") }
        if let number = a.number, let word = a.street.split(separator: " ").first {
            keys.append("s:\(number):\(NYSIIS.key(String(word)))")
        }
        return keys
    }

    public func assess(_ i: Int, _ j: Int) -> Assessment {
        let a = profiles[i], b = profiles[j]
        var result = Assessment()
        if let ua = a.uprn, let ub = b.uprn {
            result.veto = Evidence("uprn", ua == ub ? "shared-key" : "different", ua, ub, weight: 0)
            return result
        }
        let agreement = UKAddress.compare(a.address, b.address)
        let evidence = Evidence("address", agreement.rawValue, a.address.description, b.address.description,
                                weight: Self.weights[agreement] ?? 0)
        guard Self.weights[agreement] != nil else {
            result.veto = evidence
            return result
        }
        result.add(evidence)
        return result
    }
}
