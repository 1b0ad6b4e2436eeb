import CGit2
import Foundation

extension GitRepository {
    /// Writes every file of `tree` into `directory`, a plain directory (no
    /// `.git`, no index): regular files with mode 0644, executables with 0755
    /// (exactly, whatever the umask), symlinks as symlinks. Use it for a work
    /// tree a person edits or for a build directory.
    ///
    /// `directory` must be absent (it is created, with missing parents) or a
    /// directory that is empty apart from a `.git` entry (a fresh repository's
    /// work directory); otherwise nothing is written. `.git` itself, its index
    /// and HEAD are left alone: this is plumbing, not `git checkout`. Every path is checked
    /// before the first write, so a tree with an unsafe name changes nothing.
    /// A disk error part-way leaves the files written so far. Cost: the whole
    /// tree is read into memory, then one file or symlink is created per entry.
    public func checkout(tree: ObjectID, into directory: URL) throws(GitError) {
        let operation = "check out tree \(tree) into \(directory.path)"
        let files = try files(inTree: tree)
        var components: [[String]] = []
        for file in files {
            components.append(try TreeLayout.components(of: file.path, operation: operation))
        }

        let root = directory.path
        switch try FileSystem.kind(at: root, operation: operation) {
        case nil:
            try FileSystem.makeDirectories(root, operation: operation)
        case .directory:
            guard try FileSystem.entries(of: root, operation: operation).allSatisfy({ $0 == ".git" }) else {
                throw GitError(operation: operation, message: "the directory is not empty; remove it or choose a new one")
            }
        default:
            throw GitError(operation: operation, message: "something other than a directory is already there")
        }

        var created: Set<String> = []
        for (file, parts) in zip(files, components) {
            var parent = root
            for name in parts.dropLast() {
                parent += "/" + name
                if created.insert(parent).inserted {
                    try FileSystem.makeDirectory(parent, operation: operation)
                }
            }
            let path = parent + "/" + parts.last!
            switch file.mode {
            case .regular:
                try FileSystem.createFile(path, contents: file.contents, mode: 0o644, operation: operation)
            case .executable:
                try FileSystem.createFile(path, contents: file.contents, mode: 0o755, operation: operation)
            case .symlink:
                try FileSystem.createSymlink(path, target: file.contents, operation: operation)
            }
        }
    }

    /// Reads a plain directory into `TreeFile`s, the reverse of `checkout`:
    /// regular files (executable when the owner's execute bit is set, as git
    /// decides), symlinks (their target, not followed) and subdirectories,
    /// sorted by path bytes. Entries named `.git` (any case) are skipped at
    /// every level; empty directories vanish, as in git.
    ///
    /// Throws, naming the path, on a FIFO, socket or device, or on a name that
    /// is not UTF-8. Cost: every file is read into memory.
    public static func treeFromDirectory(_ directory: URL) throws(GitError) -> [TreeFile] {
        let operation = "read directory tree \(directory.path)"
        var files: [TreeFile] = []
        try collect(directory.path, prefix: "", into: &files, operation: operation)
        return files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    private static func collect(
        _ directory: String, prefix: String, into files: inout [TreeFile], operation: String
    ) throws(GitError) {
        for name in try FileSystem.entries(of: directory, operation: operation) where name.lowercased() != ".git" {
            let path = directory + "/" + name
            let treePath = prefix.isEmpty ? name : prefix + "/" + name
            switch try FileSystem.kind(at: path, operation: operation) {
            case .directory?:
                try collect(path, prefix: treePath, into: &files, operation: operation)
            case .regular(let executable)?:
                let contents = try FileSystem.readFile(path, operation: operation)
                files.append(TreeFile(path: treePath, contents: contents, mode: executable ? .executable : .regular))
            case .symlink?:
                files.append(TreeFile(path: treePath, contents: try FileSystem.readLink(path, operation: operation), mode: .symlink))
            case .other(let what)?:
                throw GitError(operation: operation, message: "\(path) is \(what); git stores only files, symlinks and directories")
            case nil:
                // Removed between listing and inspecting: it is simply not there.
                continue
            }
        }
    }
}

extension GitRepository {
    /// `git checkout -f HEAD` for a repository with a work directory: writes the
    /// files of HEAD's tree and updates the index to match, so `git status` is
    /// clean afterwards. Files not in the tree are left alone.
    public func checkoutHead() throws(GitError) {
        let operation = "check out HEAD"
        guard workDirectory != nil else {
            throw GitError(operation: operation, message: "the repository has no work directory")
        }
        var options = git_checkout_options()
        try check(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), operation)
        options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue
        // Trees written here carry no .gitattributes: skip the per-file attribute lookups.
        options.disable_filters = 1
        try check(git_checkout_head(handle, &options), operation)
    }
}
