import CGit2

/// One block of changed lines between two versions of a file: `oldCount` lines
/// of the old version from `oldStart` become `newCount` lines of the new one
/// from `newStart`. Starts are 0-based line indexes; a count of 0 means the
/// block inserts (or deletes) right before that index.
public struct LineChange: Hashable, Sendable {
    public var oldStart: Int
    public var oldCount: Int
    public var newStart: Int
    public var newCount: Int

    public var oldEnd: Int { oldStart + oldCount }
    public var newEnd: Int { newStart + newCount }
}

/// The line changes between two byte buffers, as git's xdiff sees them.
///
/// Sans-IO like `FileMerge`, and with the same diff (libgit2's xdiff, Myers,
/// no whitespace options, the same change compaction): the blocks are exactly
/// the ones `FileMerge.threeWay` lines up against each other, so what is
/// computed from them agrees with the merge.
public enum LineChanges {
    /// The change blocks turning `old` into `new`, in file order. Binary
    /// content is diffed as text. Cost: one xdiff run, linear-ish in the sizes.
    public static func between(_ old: [UInt8], _ new: [UInt8]) throws(GitError) -> [LineChange] {
        let operation = "diff buffers"
        try LibGit2.ready()
        var options = git_diff_options()
        try check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), operation)
        options.flags = GIT_DIFF_FORCE_TEXT.rawValue
        options.context_lines = 0
        options.interhunk_lines = 0

        var patch: OpaquePointer?
        defer { git_patch_free(patch) }
        let code = old.withUnsafeBytes { oldBytes in
            new.withUnsafeBytes { newBytes in
                git_patch_from_buffers(&patch, oldBytes.baseAddress, oldBytes.count, "a",
                                       newBytes.baseAddress, newBytes.count, "b", &options)
            }
        }
        try check(code, operation)
        guard let patch else { return [] }
        var changes: [LineChange] = []
        for index in 0..<git_patch_num_hunks(patch) {
            var hunk: UnsafePointer<git_diff_hunk>?
            var lineCount = 0
            try check(git_patch_get_hunk(&hunk, &lineCount, patch, index), operation)
            guard let hunk = hunk?.pointee else { continue }
            // An empty side's start names the line before the block (unified-diff style).
            changes.append(LineChange(
                oldStart: hunk.old_lines == 0 ? Int(hunk.old_start) : Int(hunk.old_start) - 1,
                oldCount: Int(hunk.old_lines),
                newStart: hunk.new_lines == 0 ? Int(hunk.new_start) : Int(hunk.new_start) - 1,
                newCount: Int(hunk.new_lines)))
        }
        return changes
    }
}
