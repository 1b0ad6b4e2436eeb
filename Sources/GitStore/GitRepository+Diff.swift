import CGit2

extension GitRepository {
    /// A unified diff in git's patch format ("diff --git a/… b/…") that turns
    /// the tree `from` (nil: the empty tree) into the tree `to`, for `git apply`
    /// or `patch -p1`. Identical trees give an empty array.
    ///
    /// libgit2 options set, so that the bytes depend only on the two trees:
    /// - `context_lines` = `contextLines`, `interhunk_lines` = 0 (git's default);
    /// - no rename or copy detection (`git_diff_find_similar` is never called):
    ///   a moved file is a deletion plus an addition;
    /// - type changes (file ↔ symlink) are split into deletion plus addition;
    /// - `GIT_DIFF_SHOW_BINARY`: a binary file becomes a "GIT binary patch"
    ///   that `git apply` can apply, instead of "Binary files … differ";
    /// - `id_abbrev` = 40: full ids on the "index" lines, so the output never
    ///   depends on `core.abbrev` and binary patches are accepted by `git apply`;
    /// - prefixes "a/" and "b/".
    /// For text files the output is byte-identical to `git diff --no-renames
    /// --full-index --binary -U<n>`; the zlib data inside a binary patch can
    /// differ from git's bytes while applying to the same result.
    /// libgit2 still decides "binary" as git does (a NUL in the first 8000
    /// bytes, or files over 512 MiB), and gitattributes in the repository can
    /// change that; trees written by this module carry none.
    ///
    /// Cost: both trees are walked; only changed files are read and diffed.
    public func diff(from old: ObjectID?, to new: ObjectID, contextLines: Int = 3) throws(GitError) -> [UInt8] {
        let operation = "diff \(old?.description ?? "empty tree") to \(new)"
        guard contextLines >= 0, contextLines <= Int(UInt32.max) else {
            throw GitError(operation: operation, message: "contextLines must be zero or more, not \(contextLines)")
        }
        var options = git_diff_options()
        try check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), operation)
        options.flags = GIT_DIFF_NORMAL.rawValue | GIT_DIFF_SHOW_BINARY.rawValue
        options.context_lines = UInt32(contextLines)
        options.interhunk_lines = 0
        options.id_abbrev = UInt16(GIT_OID_HEXSZ)

        let oldTree = try old.map { (id) throws(GitError) in try lookupTree(id, operation) } ?? nil
        defer { git_tree_free(oldTree) }
        let newTree = try lookupTree(new, operation)
        defer { git_tree_free(newTree) }

        var diff: OpaquePointer?
        try check(git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options), operation)
        defer { git_diff_free(diff) }

        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try check(git_diff_to_buf(&buffer, diff, GIT_DIFF_FORMAT_PATCH), operation)
        guard let bytes = buffer.ptr, buffer.size > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: buffer.size))
    }
}
