import Archive
import GitStore

/// The shape rules for every write into an in-memory tree: what git can store,
/// symlinks that stay inside the tree (the archive policy's rule), nothing below
/// a symlink or a file, no file over a directory. A tree that obeys them can be
/// checked out without any write following a symlink. Sans-IO.
enum TreeShape {
    enum Problem: Sendable, Equatable {
        /// A symlink whose target is not a text name.
        case notStorable(String)
        case symlinkTarget(SymlinkTargetProblem, target: String)
        /// An ancestor of the path is a symlink / a file in the tree.
        case belowSymlink(String)
        case belowFile(String)
        /// The path is a directory in the tree: the first file below it.
        case overDirectory(String)

        /// Whether the write could reach outside the tree or into git's own files.
        var isHostile: Bool {
            switch self {
            case .notStorable, .symlinkTarget, .belowSymlink: return true
            case .belowFile, .overDirectory: return false
            }
        }

        /// The path of the tree that the write collides with, and how; nil when the
        /// write is wrong whatever the tree holds.
        var clash: (shape: TreeClash.Shape, otherPath: String)? {
            switch self {
            case .notStorable, .symlinkTarget: return nil
            case let .belowSymlink(path): return (.belowSymlink, path)
            case let .belowFile(path): return (.belowFile, path)
            case let .overDirectory(path): return (.overDirectory, path)
            }
        }

        var reason: String {
            switch self {
            case let .notStorable(reason):
                return reason
            case let .symlinkTarget(problem, target):
                return "a symlink to '\(target)': \(problem.reason); a link must be relative and stay inside the tree"
            case let .belowSymlink(link):
                return "it lies below the symlink '\(link)' and would be written wherever that link points"
            case let .belowFile(file):
                return "it lies below '\(file)', which is a file, not a directory"
            case let .overDirectory(inside):
                return "it is a directory holding '\(inside)'"
            }
        }
    }

    /// What is wrong with putting `file` into `tree` (as it is before the write); nil when
    /// the write is fine. The path itself was accepted by `TreeFile.pathProblem`. Cost: one lookup per ancestor; a scan of the tree's paths
    /// only when the path is new.
    static func problem(writing file: TreeFile, into tree: FileTree) -> Problem? {
        if file.mode == .symlink {
            let target = String(decoding: file.contents, as: UTF8.self)
            if file.contents.contains(0) || Array(target.utf8) != file.contents {
                return .notStorable("the symlink target is not a valid name")
            }
            if let problem = SymlinkTargetProblem.check(linkPath: file.path, target: target) {
                return .symlinkTarget(problem, target: target)
            }
        }
        guard tree[file.path] == nil else { return nil }
        if let problem = ancestorProblem(of: file.path, in: tree) { return problem }
        let prefix = file.path + "/"
        if let inside = tree.files.keys.filter({ $0.hasPrefix(prefix) }).min() { return .overDirectory(inside) }
        return nil
    }

    /// The first ancestor of `path` in `tree` that is a symlink or a file, not a
    /// directory: a path below it can be neither read nor written in the tree.
    static func ancestorProblem(of path: String, in tree: FileTree) -> Problem? {
        var ancestor = ""
        for component in path.split(separator: "/").dropLast() {
            ancestor += ancestor.isEmpty ? String(component) : "/" + component
            switch tree[ancestor]?.mode {
            case .symlink: return .belowSymlink(ancestor)
            case .regular, .executable: return .belowFile(ancestor)
            case nil: continue
            }
        }
        return nil
    }
}
