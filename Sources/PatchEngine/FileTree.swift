import GitStore

/// A source tree held in memory, path → file: what every step of a series reads
/// and produces. Only files a patch touches are ever copied.
public struct FileTree: Sendable, Equatable {
    public var files: [String: TreeFile]

    public init(_ files: [TreeFile]) {
        self.files = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { _, last in last })
    }

    public subscript(path: String) -> TreeFile? {
        get { files[path] }
        set { files[path] = newValue }
    }

    /// Files sorted by path, the order git and our output use.
    public var sortedFiles: [TreeFile] {
        files.values.sorted { $0.path < $1.path }
    }

    public var paths: Set<String> { Set(files.keys) }
}

extension TreeFile.Mode {
    /// The mode a diff's `new file mode` / `new mode` line asks for; nil when the
    /// diff says nothing (keep the file's mode).
    init?(gitMode: String?) {
        switch gitMode {
        case "100755": self = .executable
        case "120000": self = .symlink
        case "100644": self = .regular
        default: return nil
        }
    }
}
