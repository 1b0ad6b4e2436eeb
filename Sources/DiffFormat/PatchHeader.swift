/// The DEP-3 style header at the top of a patch file: ordered `Field: value`
/// entries (a name of letters, digits, `-` or `_`, a colon, then a space or
/// the end of the line, so prose such as `http://…` is never a field). Field names are looked up case-insensitively; values of fields
/// that span several lines are joined with `\n` (continuation lines lose one
/// leading space, and a continuation line of just `.` stands for an empty line).
///
/// Our own fields (`Feature`, `Requires`, `Conflicts`, `Base`, `Resolves`) are
/// kept like any other; interpreting them is the caller's job.
public struct PatchHeader: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        /// The name as written (case preserved).
        public var name: String
        public var value: String
        /// 1-based line of the patch file the field starts on (0 when not read from a file).
        public var line: Int

        public init(name: String, value: String, line: Int = 0) {
            self.name = name
            self.value = value
            self.line = line
        }
    }

    /// All fields in file order, duplicates included.
    public var fields: [Field]

    public init(fields: [Field] = []) {
        self.fields = fields
    }

    /// The value of the first field named `name` (any case), or `nil`.
    public subscript(name: String) -> String? {
        let key = name.lowercased()
        return fields.first { $0.name.lowercased() == key }?.value
    }

    /// The first field named `name` (any case), with its line, or `nil`.
    public func field(_ name: String) -> Field? {
        let key = name.lowercased()
        return fields.first { $0.name.lowercased() == key }
    }

    /// Every value of fields named `name` (any case), in file order.
    public func values(of name: String) -> [String] {
        let key = name.lowercased()
        return fields.filter { $0.name.lowercased() == key }.map(\.value)
    }

    public var isEmpty: Bool { fields.isEmpty }
}
