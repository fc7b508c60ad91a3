// A person record as the matcher sees it: only the fields that say who someone is.
//
// This is the matcher's input; a stored `person` record maps onto it (StoredRecords.swift). The date of birth is a PartialDate (what a force holds
// may be incomplete); everything else is text as an officer typed it, normalised by the matcher, never here.

/// Sex as recorded; anything else is recorded as unknown (nil).
public enum Sex: String, Sendable, Hashable {
    case male, female
}

/// The fields of a person record the matcher reads.
public struct PersonRecord: Sendable, Hashable {
    public var id: String
    public var forenames: String
    public var surname: String
    public var dateOfBirth: PartialDate?
    public var sex: Sex?
    public var address: String?
    /// Held apart from the address by most systems; when absent, a postcode in `address` is used.
    public var postcode: String?
    public var pncID: String?
    public var croNumber: String?

    public init(id: String, forenames: String, surname: String, dateOfBirth: PartialDate? = nil, sex: Sex? = nil,
                address: String? = nil, postcode: String? = nil, pncID: String? = nil, croNumber: String? = nil) {
        (self.id, self.forenames, self.surname, self.dateOfBirth, self.sex) = (id, forenames, surname, dateOfBirth, sex)
        (self.address, self.postcode, self.pncID, self.croNumber) = (address, postcode, pncID, croNumber)
    }
}
