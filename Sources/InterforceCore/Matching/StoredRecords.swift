// From stored POLE records to what the matchers read: the one place where a `person`, `object` or `location`
// record's fields (POLETypes.swift) meet the matching engine's inputs (PersonRecord, VehicleRecord,
// LocationRecord). The fields are the merged ones (RecordState.document); a national identifier is split back into
// the scheme the matcher knows (a PNC ID or CRO number, a VIN or a registration mark).

extension PersonRecord {
    public init(_ state: RecordState) {
        let fields = state.document
        func text(_ name: String) -> String? { fields[name]?.string }
        let nationalId = text("nationalId")
        self.init(
            id: state.id, forenames: text("forenames") ?? "", surname: text("surname") ?? "",
            dateOfBirth: text("dateOfBirth").flatMap { try? PartialDate(parsing: $0) },
            sex: text("sex").flatMap(Sex.init(rawValue:)), address: text("address"), postcode: text("postcode"),
            pncID: nationalId.flatMap { $0.hasPrefix("PNC ") ? String($0.dropFirst(4)) : nil },
            croNumber: nationalId.flatMap { $0.hasPrefix("CRO ") ? String($0.dropFirst(4)) : nil })
    }
}

extension VehicleRecord {
    public init(_ state: RecordState) {
        let fields = state.document
        func text(_ name: String) -> String? { fields[name]?.string }
        let identifier = text("identifier")
        func scheme(_ prefix: String) -> String? {
            identifier.flatMap { $0.hasPrefix(prefix + " ") ? String($0.dropFirst(prefix.count + 1)) : nil }
        }
        self.init(id: state.id, registration: text("registration") ?? scheme("VRM"), vin: scheme("VIN"),
                  make: text("make"), model: text("model"), colour: text("colour"))
    }
}

extension LocationRecord {
    public init(_ state: RecordState) {
        let fields = state.document
        self.init(id: state.id, address: fields["address"]?.string ?? "", postcode: fields["postcode"]?.string,
                  uprn: fields["uprn"]?.string)
    }
}

extension DuplicateScan {
    /// Scans stored records of one POLE type with its matcher at its default threshold. Objects are scanned as
    /// vehicles (the only kind with a matcher); other objects are left out.
    public static func run(stored records: [RecordState], type: RecordType) -> ScanReport? {
        switch type {
        case .person: run(PersonMatcher(records.map(PersonRecord.init)))
        case .object: run(VehicleMatcher(records.filter { $0.document["kind"] == "vehicle" }.map(VehicleRecord.init)))
        case .location: run(LocationMatcher(records.map(LocationRecord.init)))
        default: nil
        }
    }
}
