// What changes from one membership version to another (issue 13): members, groups, endpoints, feeds, keys and
// their ranges, revoked certificates. `membership diff` prints it, every install and adoption logs it, and a node
// refuses a version that *weakens* a revocation of the one it holds — a certificate no longer revoked, a key whose
// end of validity (`untilSeq`) is dropped or moved later — unless the new version lists that key or certificate in
// `reinstated`, the authority's explicit, signed word. A revocation that is lost by accident (a document rebuilt
// from stale member files) is then refused instead of trusting a retired key again.

public struct MembershipChange: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case federationRenamed = "federation-renamed"
        case memberAdded = "member-added", memberRemoved = "member-removed"
        case nameChanged = "name-changed", groupsChanged = "groups-changed", endpointChanged = "endpoint-changed"
        case feedAdded = "feed-added", feedRemoved = "feed-removed"
        case keyAdded = "key-added", keyRemoved = "key-removed", keyRange = "key-range"
        case certificateRevoked = "certificate-revoked", certificateUnrevoked = "certificate-unrevoked"
    }

    public let kind: Kind
    /// One line for an administrator.
    public let text: String
    /// The key (hex) or certificate fingerprint whose revocation this change weakens; nil when it weakens none.
    public let weakens: String?

    public init(_ kind: Kind, _ text: String, weakens: String? = nil) {
        self.kind = kind
        self.text = text
        self.weakens = weakens
    }

    public var json: JSONValue {
        ["kind": .string(kind.rawValue), "change": .string(text), "weakens": weakens.map { .string($0) } ?? .null]
    }
}

extension Membership {
    /// Everything that differs from `old` to this version, in a stable order.
    public func changes(since old: Membership) -> [MembershipChange] {
        var out: [MembershipChange] = []
        if old.federation != federation {
            out.append(MembershipChange(.federationRenamed, "federation '\(old.federation)' -> '\(federation)'"))
        }
        for force in Set(old.members.map(\.force)).union(members.map(\.force)).sorted() {
            switch (old.member(force), member(force)) {
            case (nil, let added?):
                out.append(MembershipChange(.memberAdded, "member \(force) added (groups "
                                            + "\(Self.list(added.groups)), endpoint \(added.endpoint))"))
                for feed in added.feeds { out += Self.feedChanges(nil, feed) }
            case (let removed?, nil):
                out.append(MembershipChange(.memberRemoved, "member \(force) removed"))
                for feed in removed.feeds { out += Self.feedChanges(feed, nil) }
            case (let a?, let b?):
                if a.name != b.name { out.append(MembershipChange(.nameChanged, "\(force): name '\(a.name)' -> '\(b.name)'")) }
                if a.groups != b.groups {
                    out.append(MembershipChange(.groupsChanged, "\(force): groups \(Self.list(a.groups)) -> \(Self.list(b.groups))"))
                }
                if a.endpoint != b.endpoint {
                    out.append(MembershipChange(.endpointChanged, "\(force): endpoint \(a.endpoint) -> \(b.endpoint)"))
                }
                for feed in Set(a.feeds.map(\.feed)).union(b.feeds.map(\.feed)).sorted() {
                    out += Self.feedChanges(a.feeds.first { $0.feed == feed }, b.feeds.first { $0.feed == feed })
                }
            case (nil, nil): break
            }
        }
        for fp in Set(revokedCertificates).subtracting(old.revokedCertificates).sorted() {
            out.append(MembershipChange(.certificateRevoked, "certificate \(fp.prefix(16))... revoked"))
        }
        for fp in Set(old.revokedCertificates).subtracting(revokedCertificates).sorted() {
            out.append(MembershipChange(.certificateUnrevoked, "certificate \(fp.prefix(16))... no longer revoked",
                                        weakens: fp))
        }
        return out
    }

    /// The changes since `old` that weaken one of its revocations without this version reinstating it.
    public func unauthorisedWeakenings(since old: Membership) -> [MembershipChange] {
        changes(since: old).filter { $0.weakens.map { !reinstated.contains($0) } ?? false }
    }

    private static func feedChanges(_ a: MemberFeed?, _ b: MemberFeed?) -> [MembershipChange] {
        let feed = (a ?? b)!.feed
        var out: [MembershipChange] = []
        if a == nil { out.append(MembershipChange(.feedAdded, "feed \(feed) added")) }
        if b == nil { out.append(MembershipChange(.feedRemoved, "feed \(feed) removed")) }
        let old = Dictionary((a?.keys ?? []).map { ($0.key, $0) }, uniquingKeysWith: { x, _ in x })
        let new = Dictionary((b?.keys ?? []).map { ($0.key, $0) }, uniquingKeysWith: { x, _ in x })
        for key in Set(old.keys).union(new.keys).sorted(by: { $0.hex < $1.hex }) {
            let name = "key \(key.hex.prefix(16))... of \(feed)"
            switch (old[key], new[key]) {
            case (nil, let k?):
                out.append(MembershipChange(.keyAdded, "\(name) added: positions \(range(k))"))
            case (_?, nil):
                out.append(MembershipChange(.keyRemoved, "\(name) removed"))
            case (let x?, let y?) where x != y:
                let weakened = x.untilSeq.map { until in y.untilSeq.map { $0 > until } ?? true } ?? false
                let note = weakened ? (y.untilSeq == nil ? " (its end of validity is dropped)"
                                                         : " (it signs later positions again)") : ""
                out.append(MembershipChange(.keyRange, "\(name): positions \(range(x)) -> \(range(y))\(note)",
                                            weakens: weakened ? key.hex : nil))
            default: break
            }
        }
        return out
    }

    private static func range(_ k: MemberKey) -> String { "\(k.fromSeq)-" + (k.untilSeq.map { String($0) } ?? "") }

    private static func list(_ items: [String]) -> String { items.isEmpty ? "none" : items.joined(separator: ",") }
}
