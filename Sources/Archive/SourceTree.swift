/// An unpacked source tree held in memory: the files of an archive, minus its single top-level
/// directory. Directories are implied by the files' paths (as in git, empty ones are not kept).
public struct SourceTree: Sendable, Equatable {
    /// Every file and symlink, sorted by the UTF-8 bytes of `path`.
    public var files: [SourceFile]
    /// The top-level directory that wrapped everything in the archive and was removed from the
    /// paths (`netqmail-1.06` for netqmail-1.06.tar.gz), or nil if there was none to strip.
    public var strippedDirectory: String?

    /// Creates a tree from `files` in any order; they are sorted here.
    public init(files: [SourceFile], strippedDirectory: String?) {
        self.files = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        self.strippedDirectory = strippedDirectory
    }

    /// The file at `path`, or nil. Cost: a binary search.
    public func file(at path: String) -> SourceFile? {
        var low = 0
        var high = files.count
        while low < high {
            let middle = (low + high) / 2
            if files[middle].path.utf8.lexicographicallyPrecedes(path.utf8) { low = middle + 1 } else { high = middle }
        }
        return low < files.count && files[low].path == path ? files[low] : nil
    }
}

/// One file or symlink of a ``SourceTree``.
public struct SourceFile: Sendable, Equatable {
    /// Path relative to the tree root, `/`-separated, never starting with `/` or containing `..`.
    public var path: String
    /// File data; empty for symlinks.
    public var contents: [UInt8]
    /// Whether any execute bit was set in the archive.
    public var executable: Bool
    /// The link target as stored, if this is a symlink (always relative and inside the tree).
    public var symlinkTarget: String?

    /// Creates a file, or a symlink when `symlinkTarget` is given (then `contents` should be empty).
    public init(path: String, contents: [UInt8], executable: Bool, symlinkTarget: String? = nil) {
        self.path = path
        self.contents = contents
        self.executable = executable
        self.symlinkTarget = symlinkTarget
    }
}
