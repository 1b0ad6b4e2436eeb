/// A problem in a recipe or source-definition file, located to the line and field
/// so the person editing it can go straight there.
public struct RecipeError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// Dotted path of the offending field, e.g. `patches[2].sha256`; empty for syntax errors.
    public var field: String
    public var message: String

    public init(file: String, line: Int, column: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    public var description: String {
        let place = field.isEmpty ? "" : " \(field):"
        return "\(file):\(line):\(column):\(place) \(message)"
    }
}
