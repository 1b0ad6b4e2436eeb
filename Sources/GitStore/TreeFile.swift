/// One file of a tree: its slash-separated path from the tree's root, its
/// bytes, and the kind of entry git records for it.
///
/// For a symlink, `contents` is the link target, as git stores it.
public struct TreeFile: Hashable, Sendable {
    /// Git's three file modes; directories are implied by the paths.
    public enum Mode: Hashable, Sendable {
        /// 100644
        case regular
        /// 100755
        case executable
        /// 120000; the contents are the link target
        case symlink
    }

    public var path: String
    public var contents: [UInt8]
    public var mode: Mode

    public init(path: String, contents: [UInt8], mode: Mode = .regular) {
        self.path = path
        self.contents = contents
        self.mode = mode
    }

    /// Why git cannot store a file at `path` (`.git` in any case, `..`, empty or
    /// doubled components, NUL); nil when it can. The rule `writeTree` applies.
    public static func pathProblem(_ path: String) -> String? {
        TreeLayout.problem(ofPath: path)
    }
}

extension TreeFile.Mode {
    var filemode: UInt32 {
        switch self {
        case .regular: 0o100644
        case .executable: 0o100755
        case .symlink: 0o120000
        }
    }

    init?(filemode: UInt32) {
        switch filemode {
        // Old git wrote group-writable blobs as 100664; git reads them as 100644.
        case 0o100644, 0o100664: self = .regular
        case 0o100755: self = .executable
        case 0o120000: self = .symlink
        default: return nil
        }
    }
}
