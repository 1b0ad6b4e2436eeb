/// `control/rcpthosts` plus `control/morercpthosts.cdb`: which recipient
/// domains this server accepts mail for (docs/stock-smtpd.md#rcpthosts).
public struct RecipientHosts: Sendable {
    /// Lower-cased rcpthosts entries; `nil` when the file is absent (every
    /// recipient is then allowed and the cdb is never consulted).
    public var entries: Set<[UInt8]>?
    /// The morercpthosts database, if the file exists.
    public var moreHosts: ConstantDatabase?

    /// From the rcpthosts entries (`nil` = file absent) and the optional cdb.
    public init(entries: [[UInt8]]?, moreHosts: ConstantDatabase?) {
        self.entries = entries.map { Set($0.map(ASCII.lowercased)) }
        self.moreHosts = moreHosts
    }

    /// Everything allowed (no rcpthosts file): an open relay, as stock qmail.
    public static let open = RecipientHosts(entries: nil, moreHosts: nil)

    /// The verdict for one address.
    public enum Verdict: Equatable, Sendable {
        /// Listed (or no rcpthosts at all).
        case allowed
        /// `553 … allowed rcpthosts`.
        case refused
        /// morercpthosts.cdb could not be read: qmail answers `421 unable to
        /// read controls` and exits.
        case unreadable
    }

    /// Whether `address` may be a recipient. Addresses without `@` are always
    /// allowed; otherwise the lower-cased domain, or any suffix of it that
    /// starts at a dot, must be listed.
    public func verdict(for address: [UInt8]) -> Verdict {
        guard let entries else { return .allowed }
        guard let at = address.lastIndex(of: UInt8(ascii: "@")) else { return .allowed }
        let domain = ASCII.lowercased(address[(at + 1)...])
        let candidates = domain.indices.filter { $0 == 0 || domain[$0] == UInt8(ascii: ".") }
            .map { Array(domain[$0...]) }
        if candidates.contains(where: entries.contains) { return .allowed }
        if let moreHosts {
            for candidate in candidates {
                switch moreHosts.lookup(candidate) {
                case .found: return .allowed
                case .corrupt: return .unreadable
                case .notFound: continue
                }
            }
        }
        return .refused
    }
}
