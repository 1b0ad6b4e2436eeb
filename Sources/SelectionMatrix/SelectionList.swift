/// The selections of a matrix in their fixed order (stock first, then
/// smallest first, as `MatrixRunner.selections` gives them), each spelled as
/// the table prints it (`stock`, `auth+tls`), and the subsets `--only` and
/// `--shard` take from it. Pure: no files, no processes.
public struct SelectionList: Sendable, Equatable {
    public let selections: [[String]]

    public init(_ selections: [[String]]) {
        self.selections = selections
    }

    /// The names, in order: what `matrix --list` prints, one a line.
    public var names: [String] { selections.map(MatrixRow.name(of:)) }

    /// One element of `matrix --list --json`, usable as a CI matrix `include`
    /// entry: `{"selection": "auth+tls", "features": "auth,tls"}` (features
    /// empty for stock).
    public struct Entry: Codable, Sendable, Equatable {
        public var selection: String
        public var features: String

        public init(selection: String, features: String) {
            self.selection = selection
            self.features = features
        }
    }

    public var entries: [Entry] {
        selections.map { Entry(selection: MatrixRow.name(of: $0), features: $0.joined(separator: ",")) }
    }

    /// `--only`: a name that is not in the list.
    public struct UnknownSelection: Error, CustomStringConvertible {
        public var unknown: [String]
        public var valid: [String]

        public var description: String {
            "unknown selection(s) \(unknown.joined(separator: ", ")); the selections are: \(valid.joined(separator: " "))"
        }
    }

    /// The selections named (as the table spells them), in list order, each
    /// once, whatever order or repetition `names` has.
    public func only(_ names: [String]) throws(UnknownSelection) -> SelectionList {
        let known = self.names
        let unknown = names.filter { !known.contains($0) }
        guard unknown.isEmpty else { throw UnknownSelection(unknown: unknown, valid: known) }
        return SelectionList(selections.filter { names.contains(MatrixRow.name(of: $0)) })
    }

    /// `--shard K/N`: round-robin over the list, so shard K takes the
    /// selections at positions K, K+N, K+2N, … (1-based). Selections grow
    /// along the list (stock first, the whole set last), so round-robin
    /// spreads the large builds over all shards where contiguous slices would
    /// give them all to the last one. Every selection is in exactly one shard.
    public func shard(_ shard: Shard) -> SelectionList {
        SelectionList(selections.enumerated().filter { $0.offset % shard.count == shard.index - 1 }.map(\.element))
    }
}

/// `K/N`: the K-th of N shards, 1 ≤ K ≤ N.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Why a `--shard` value is not `K/N`.
    public struct Malformed: Error, CustomStringConvertible {
        public var description: String
    }

    public init(index: Int, count: Int) throws(Malformed) {
        guard count >= 1 else { throw Malformed(description: "the number of shards must be at least 1, not \(count)") }
        guard (1...count).contains(index) else {
            throw Malformed(description: "shard \(index) of \(count) does not exist: K runs from 1 to \(count)")
        }
        self.index = index
        self.count = count
    }

    public init(parsing text: String) throws(Malformed) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw Malformed(description: "a shard is K/N with whole numbers, e.g. 2/4, not '\(text)'")
        }
        try self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }
}
