/// The features by their patch names (`Feature:` in patches/*.patch) with what
/// each patch requires (`Requires:`): the one statement of these facts in code,
/// for everything that has no patch catalogue at hand (the engine, `serve`,
/// `verify`, scenario `features:` lines, build provenance). A test compares
/// this table with the headers of patches/*.patch.
extension Features {
    /// Every feature once, in the combined recipe's order.
    public static let table: [(feature: Features, name: String, requires: Features)] = [
        (.auth, "auth", []),
        (.tls, "tls", []),
        (.forceTLS, "forcetls", [.auth, .tls]),
        (.liberalLF, "liberal-lf", []),
        (.maxRecipients, "maxrcpt", []),
        (.empf, "empf", []),
        (.msgidLog, "msgid-log", []),
    ]

    /// A name that is not a feature's.
    public struct UnknownName: Error, Equatable, CustomStringConvertible {
        public var name: String

        public init(name: String) { self.name = name }

        public var description: String {
            "unknown feature '\(name)'; known: \(Features.all.names.joined(separator: ", "))"
        }
    }

    /// The feature called `name`, nil if there is none.
    public static func named(_ name: String) -> Features? {
        table.first { $0.name == name }?.feature
    }

    /// The features called `names`, exactly (requirements are not added).
    public init(names: some Sequence<String>) throws(UnknownName) {
        self = []
        for name in names {
            guard let feature = Self.named(name) else { throw UnknownName(name: name) }
            insert(feature)
        }
    }

    /// The names of the features in the set, in table order.
    public var names: [String] {
        Self.table.filter { contains($0.feature) }.map(\.name)
    }

    /// The set plus everything its features require, directly or not: the
    /// smallest selection containing it that `qmailkit patch` can apply.
    public var withRequirements: Features {
        var closed = self
        while true {
            let required = Self.table.filter { closed.contains($0.feature) }
                .reduce(into: Features()) { $0.formUnion($1.requires) }
            if closed.isSuperset(of: required) { return closed }
            closed.formUnion(required)
        }
    }
}
