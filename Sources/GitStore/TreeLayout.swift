/// The directory structure implied by a list of `TreeFile` paths, checked
/// before anything is written.
///
/// Sans-IO: paths in, a nested value out (or a `GitError` naming the bad
/// path). Rejects empty paths and components, `.` and `..`, `.git` in any
/// case, NUL bytes, leading or doubled slashes, a path given twice, and a path
/// used both as a file and as a directory.
struct TreeLayout {
    /// One directory: its files (name → index into the input array) and its
    /// subdirectories (name → layout).
    var files: [String: Int] = [:]
    var directories: [String: TreeLayout] = [:]

    init(_ files: [TreeFile]) throws(GitError) {
        for (index, file) in files.enumerated() {
            let components = try Self.components(of: file.path)
            try insert(index, at: components[...], path: file.path)
        }
    }

    private init() {}

    private mutating func insert(_ index: Int, at components: ArraySlice<String>, path: String) throws(GitError) {
        let name = components.first!
        if components.count == 1 {
            guard files[name] == nil else {
                throw Self.refuse("write tree", path, "it is listed twice")
            }
            guard directories[name] == nil else {
                throw Self.refuse("write tree", path, "it is a file and also a directory of other files")
            }
            files[name] = index
        } else {
            guard files[name] == nil else {
                throw Self.refuse("write tree", path, "'\(name)' is a file and also a directory of this path")
            }
            try directories[name, default: TreeLayout()].insert(index, at: components.dropFirst(), path: path)
        }
    }

    /// Splits a tree path into its components, refusing anything git would not
    /// store or that could escape a checkout directory.
    static func components(of path: String, operation: String = "write tree") throws(GitError) -> [String] {
        if let problem = problem(ofPath: path) { throw refuse(operation, path, problem) }
        return path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    /// Why `path` cannot be a tree path; nil when it can.
    static func problem(ofPath path: String) -> String? {
        guard !path.isEmpty else { return "the path is empty" }
        guard !path.utf8.contains(0) else { return "it contains a NUL byte" }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            switch component {
            case "":
                return "it has an empty component (leading, trailing or doubled '/')"
            case ".", "..":
                return "'\(component)' components are not allowed"
            case _ where component.lowercased() == ".git":
                return "'.git' cannot be stored in a tree"
            case _ where namesGitFolder(component):
                return "'\(component)' names the '.git' folder on some file systems and cannot be stored in a tree"
            default:
                continue
            }
        }
        return nil
    }

    /// `.git` as NTFS or HFS+ would read it, which libgit2 refuses too: trailing dots
    /// and spaces, an alternate data stream (`.git::$INDEX_ALLOCATION`), the 8.3 short
    /// name `git~1`, or invisible Unicode characters HFS+ ignores.
    private static func namesGitFolder(_ component: Substring) -> Bool {
        let ignorable: Set<UInt32> = Set(0x200C...0x200F).union(0x202A...0x202E).union(0x206A...0x206F).union([0xFEFF])
        var name = String(String.UnicodeScalarView(component.unicodeScalars.filter { !ignorable.contains($0.value) })).lowercased()
        if let colon = name.firstIndex(of: ":") { name = String(name[..<colon]) }
        while let last = name.last, last == "." || last == " " { name.removeLast() }
        return name == ".git" || name == "git~1"
    }

    private static func refuse(_ operation: String, _ path: String, _ reason: String) -> GitError {
        GitError(operation: operation, message: "refusing path '\(path)': \(reason)")
    }
}
