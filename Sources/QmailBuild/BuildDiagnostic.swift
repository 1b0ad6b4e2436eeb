/// One error recognised in compiler, linker, shell or make output.
public struct BuildDiagnostic: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `file.c:12:5: error: …` and other compiler errors.
        case compiler
        /// Unresolved symbols, missing libraries, `collect2: error: ld returned …`.
        case linker
        /// A command the build runs was not found (`cc: command not found`).
        case missingTool
        /// `make: *** …`: make's summary, used only when nothing more precise was seen.
        case make
    }

    public var kind: Kind
    /// Source file, as the compiler printed it (relative to the build directory).
    public var file: String?
    public var line: Int?
    public var column: Int?
    /// The message after the location and `error:` prefix.
    public var message: String
    /// The whole output line.
    public var text: String
    /// The Debian package to install when the cause is a missing tool, header or library.
    public var hint: PackageHint?

    public init(kind: Kind, file: String? = nil, line: Int? = nil, column: Int? = nil,
                message: String, text: String, hint: PackageHint? = nil) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.text = text
        self.hint = hint
    }
}
