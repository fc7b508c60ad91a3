// Names used across the model: force slugs, group slugs, feed ids and record ids, each with its one syntax check.
//
// A feed id is `<force>/<16 lowercase hex>`: the force that authors it and a random suffix chosen when the node is
// initialised, so a reinstalled node starts a new feed instead of reusing sequence numbers.

public enum Identifiers {
    /// `^[a-z][a-z0-9-]{1,39}$`: a force or group slug such as `hampshire` or `south-east`.
    public static func isSlug(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (2...40).contains(bytes.count), isLower(bytes[0]) else { return false }
        return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }

    /// `^[a-z][a-z0-9-]{1,39}/[0-9a-f]{16}$`
    public static func isFeedID(_ text: String) -> Bool {
        guard let slash = text.firstIndex(of: "/") else { return false }
        return isSlug(String(text[..<slash])) && isLowerHex(String(text[text.index(after: slash)...]), count: 16)
    }

    /// The force that authors a feed, taken from its id.
    public static func force(ofFeed feed: String) -> String {
        String(feed.prefix { $0 != "/" })
    }

    /// `^(cf|in|ir|pe|ob|lo|ev|ln)-[0-9a-f]{32}$`: a type's prefix (RecordType.idPrefix) and 32 lowercase hex
    public static func isRecordID(_ text: String) -> Bool {
        guard text.utf8.count == 35, RecordType(idPrefix: String(text.prefix(2))) != nil,
              text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: 2)] == UInt8(ascii: "-")
        else { return false }
        return isLowerHex(String(text.dropFirst(3)), count: 32)
    }

    public static func isLowerHex(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { isDigit($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    static func isLower(_ b: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) }
    static func isUpper(_ b: UInt8) -> Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b) }
    static func isDigit(_ b: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) }

    /// A new random feed id for `force`.
    public static func newFeedID(force: String) -> String {
        "\(force)/\(Hex.encode(Random.bytes(8)))"
    }
}
