// The POLE records (People, Objects, Locations, Events) as record types of their own, so that the same person,
// vehicle or place recorded by several forces can become one shared record, and case files, interview notes and
// image references point at them by id instead of each holding its own copy.
//
// Identity follows RecordID.swift: a POLE record whose document carries a national identifier gets the natural id
// derived from it, so two forces that record the same PNC ID, CRO number, VIN, registration mark, serial number or
// UPRN write to one shared record; without one it gets a random, owned id, and a duplicate scan (Matching/) plus an
// officer's same-as link (SameAsLinks.swift) join it to its twins. The identifier's text format is its normal form
// (upper case, one space after the scheme, no leading zeros in a UPRN), so one identifier has one spelling and one id.
//
// Facts that belong to one force (its own reference number, its exhibit number) are per-force registers: both
// forces' values survive a merge (PerForceFacts.swift).

extension RecordSchema {
    /// How a case file, interview note or image reference points at a POLE record: its id, and in what role.
    static let entities = FieldSpec("entities", .set, .object([
        PropertySpec("record", .formatted(.recordID), required: true),
        PropertySpec("role", .choice(["suspect", "victim", "witness", "subject", "exhibit", "scene", "other"])),
    ]), "POLE records (person, object, location, event) this record refers to, by id")

    static let localReference = FieldSpec("localReference", .register, .text(maxLength: 50), perForce: true,
                                          "this force's own reference for it")

    public static let person = RecordSchema(
        type: .person, title: "Person",
        fields: [
            FieldSpec("nationalId", .register, .formatted(.personID),
                      "PNC ID or CRO number; gives the record its identity"),
            FieldSpec("forenames", .register, .text(maxLength: 100), required: true, "given names as recorded"),
            FieldSpec("surname", .register, .text(maxLength: 100), required: true, "family name as recorded"),
            FieldSpec("dateOfBirth", .register, .formatted(.date), "date of birth"),
            FieldSpec("sex", .register, .choice(["male", "female", "unknown"]), "sex as recorded"),
            FieldSpec("address", .register, .text(maxLength: 500), "last known address"),
            FieldSpec("postcode", .register, .formatted(.postcode), "postcode of the address"),
            FieldSpec("aliases", .set, .text(maxLength: 200), "other names used"),
            FieldSpec("description", .register, .text(maxLength: 2000), "physical description, markings"),
            localReference,
            tags,
        ],
        naturalKey: "nationalId")

    public static let object = RecordSchema(
        type: .object, title: "Object (vehicle, phone, weapon, property)",
        fields: [
            FieldSpec("identifier", .register, .formatted(.objectID),
                      "VRM, VIN or serial number; gives the record its identity"),
            FieldSpec("kind", .register, .choice(["vehicle", "phone", "weapon", "property", "other"]), required: true,
                      "what the object is"),
            FieldSpec("description", .register, .text(maxLength: 500), required: true, "what it looks like"),
            FieldSpec("registration", .register, .formatted(.registration), "a vehicle's registration mark"),
            FieldSpec("make", .register, .text(maxLength: 100), "make"),
            FieldSpec("model", .register, .text(maxLength: 100), "model"),
            FieldSpec("colour", .register, .text(maxLength: 100), "colour"),
            FieldSpec("exhibitNumber", .register, .text(maxLength: 50), perForce: true, "this force's exhibit number"),
            localReference,
            tags,
        ],
        naturalKey: "identifier")

    public static let location = RecordSchema(
        type: .location, title: "Location",
        fields: [
            FieldSpec("uprn", .register, .formatted(.uprn), "Unique Property Reference Number; gives the record its identity"),
            FieldSpec("address", .register, .text(maxLength: 500), required: true, "address or description of the place"),
            FieldSpec("postcode", .register, .formatted(.postcode), "postcode"),
            FieldSpec("description", .register, .text(maxLength: 500), "what is there"),
            localReference,
            tags,
        ],
        naturalKey: "uprn")

    public static let event = RecordSchema(
        type: .event, title: "Event",
        fields: [
            FieldSpec("at", .register, .formatted(.timestamp), required: true, "when it happened"),
            FieldSpec("description", .register, .text(maxLength: 500), required: true, "what happened"),
            FieldSpec("location", .register, .formatted(.recordID), "the location record where it happened"),
            localReference,
            tags,
        ],
        naturalKey: nil)
}
