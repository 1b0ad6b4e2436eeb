import CGit2

/// The names written on conflict markers: `<<<<<<< ours`, `||||||| ancestor`,
/// `>>>>>>> theirs`. Each must be non-empty and on one line.
public struct MergeLabels: Hashable, Sendable {
    public var ancestor: String
    public var ours: String
    public var theirs: String

    public init(ancestor: String = "base", ours: String = "ours", theirs: String = "theirs") {
        self.ancestor = ancestor
        self.ours = ours
        self.theirs = theirs
    }
}

/// The outcome of merging one file three ways.
public struct FileMergeResult: Hashable, Sendable {
    public enum Side: Hashable, Sendable { case ours, theirs }

    public enum Outcome: Hashable, Sendable {
        /// Merged without conflict; `contents` is the result.
        case clean
        /// Both sides changed the same lines; `contents` has diff3 markers.
        case contentConflict
        /// Both sides added the file with different contents; `contents` is
        /// their merge against an empty ancestor, with markers.
        case addAddConflict
        /// One side deleted the file, the other changed it; `contents` is one
        /// conflict region: empty for the deleting side (its label gets
        /// " (deleted)"), the ancestor, and the changing side's text.
        case modifyDeleteConflict(deletedBy: Side)
    }

    public let outcome: Outcome
    /// The merged file, or nil when the merged result is "no file" (deleted on
    /// one side and untouched on the other, deleted on both, or absent throughout).
    public let contents: [UInt8]?
    /// How many conflict regions `contents` holds; 0 when clean, at least 1
    /// when conflicted.
    public let conflictCount: Int

    public var isClean: Bool { outcome == .clean }
}

/// Three-way merge of a single file's bytes through libgit2's `git_merge_file`
/// (git's own xdiff merge), with diff3-style conflict markers.
///
/// Sans-IO: bytes in, a result out; no repository is involved.
public enum FileMerge {
    /// Merges `ours` and `theirs`, both descended from `ancestor`. nil means
    /// the file does not exist on that side, and these cases are decided here
    /// before any text merge:
    /// - both sides equal (including both absent): that, clean;
    /// - one side unchanged from the ancestor: the other side (which may be a
    ///   deletion or an addition), clean;
    /// - added on both sides with different contents: add/add conflict;
    /// - deleted on one side, changed on the other: modify/delete conflict.
    /// Otherwise the three texts are merged line by line; a conflict region
    /// reads `<<<<<<< ours`, `||||||| base`, `=======`, `>>>>>>> theirs` with
    /// the given labels (markers end in CRLF when the file's lines do).
    ///
    /// Throws only for unusable labels or a libgit2 failure. Cost: linear-ish
    /// in the file sizes (xdiff), plus one scan to count conflict regions.
    public static func threeWay(
        ancestor: [UInt8]?, ours: [UInt8]?, theirs: [UInt8]?, labels: MergeLabels = MergeLabels()
    ) throws(GitError) -> FileMergeResult {
        try validate(labels)
        if ours == theirs { return FileMergeResult(outcome: .clean, contents: ours, conflictCount: 0) }
        if ancestor == ours { return FileMergeResult(outcome: .clean, contents: theirs, conflictCount: 0) }
        if ancestor == theirs { return FileMergeResult(outcome: .clean, contents: ours, conflictCount: 0) }

        switch (ancestor, ours, theirs) {
        case (let base?, nil, let changed?):
            return modifyDelete(base: base, changed: changed, deletedBy: .ours, labels: labels)
        case (let base?, let changed?, nil):
            return modifyDelete(base: base, changed: changed, deletedBy: .theirs, labels: labels)
        case (nil, let ours?, let theirs?):
            let merged = try textMerge(ancestor: [], ours: ours, theirs: theirs, labels: labels)
            return FileMergeResult(
                outcome: merged.clean ? .clean : .addAddConflict, contents: merged.bytes,
                conflictCount: merged.clean ? 0 : max(1, countConflicts(in: merged.bytes, labels: labels)))
        case (let base?, let ours?, let theirs?):
            let merged = try textMerge(ancestor: base, ours: ours, theirs: theirs, labels: labels)
            return FileMergeResult(
                outcome: merged.clean ? .clean : .contentConflict, contents: merged.bytes,
                conflictCount: merged.clean ? 0 : max(1, countConflicts(in: merged.bytes, labels: labels)))
        default:
            // Every case with two absent sides was settled by the equality checks.
            preconditionFailure("unreachable three-way case")
        }
    }

    private static func validate(_ labels: MergeLabels) throws(GitError) {
        for label in [labels.ancestor, labels.ours, labels.theirs] {
            if label.isEmpty || label.contains(where: \.isNewline) || label.utf8.contains(0) {
                throw GitError(
                    operation: "merge file",
                    message: "conflict label \(String(reflecting: label)) must be non-empty, on one line, without NUL")
            }
        }
    }

    private static func textMerge(
        ancestor: [UInt8], ours: [UInt8], theirs: [UInt8], labels: MergeLabels
    ) throws(GitError) -> (clean: Bool, bytes: [UInt8]) {
        let operation = "merge file"
        try LibGit2.ready()
        var options = git_merge_file_options()
        try check(git_merge_file_options_init(&options, UInt32(GIT_MERGE_FILE_OPTIONS_VERSION)), operation)
        options.flags = GIT_MERGE_FILE_STYLE_DIFF3.rawValue
        options.favor = GIT_MERGE_FILE_FAVOR_NORMAL
        options.marker_size = UInt16(GIT_MERGE_CONFLICT_MARKER_SIZE)

        var result = git_merge_file_result()
        defer { git_merge_file_result_free(&result) }
        let code = withInput(ancestor) { base in
            withInput(ours) { ourInput in
                withInput(theirs) { theirInput in
                    labels.ancestor.withCString { ancestorLabel in
                        labels.ours.withCString { ourLabel in
                            labels.theirs.withCString { theirLabel in
                                options.ancestor_label = ancestorLabel
                                options.our_label = ourLabel
                                options.their_label = theirLabel
                                return git_merge_file(&result, base, ourInput, theirInput, &options)
                            }
                        }
                    }
                }
            }
        }
        try check(code, operation)
        let bytes = result.len > 0 && result.ptr != nil
            ? Array(UnsafeRawBufferPointer(start: result.ptr, count: result.len)) : []
        return (result.automergeable != 0, bytes)
    }

    private static func withInput<Result>(
        _ bytes: [UInt8], _ body: (UnsafePointer<git_merge_file_input>) -> Result
    ) -> Result {
        bytes.withUnsafeBufferPointer { buffer in
            // libgit2 wants a pointer even for an empty file.
            withUnsafePointer(to: 0 as CChar) { empty in
                var input = git_merge_file_input()
                input.version = UInt32(GIT_MERGE_FILE_INPUT_VERSION)
                input.ptr = buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? empty
                input.size = buffer.count
                return withUnsafePointer(to: input) { body($0) }
            }
        }
    }

    /// One whole-file conflict region for a file deleted on one side.
    private static func modifyDelete(
        base: [UInt8], changed: [UInt8], deletedBy side: FileMergeResult.Side, labels: MergeLabels
    ) -> FileMergeResult {
        let ourSide: [UInt8] = side == .ours ? [] : changed
        let theirSide: [UInt8] = side == .theirs ? [] : changed
        let ourLabel = side == .ours ? labels.ours + " (deleted)" : labels.ours
        let theirLabel = side == .theirs ? labels.theirs + " (deleted)" : labels.theirs
        var text = Array("<<<<<<< \(ourLabel)\n".utf8)
        appendTerminated(ourSide, to: &text)
        text += Array("||||||| \(labels.ancestor)\n".utf8)
        appendTerminated(base, to: &text)
        text += Array("=======\n".utf8)
        appendTerminated(theirSide, to: &text)
        text += Array(">>>>>>> \(theirLabel)\n".utf8)
        return FileMergeResult(outcome: .modifyDeleteConflict(deletedBy: side), contents: text, conflictCount: 1)
    }

    private static func appendTerminated(_ bytes: [UInt8], to text: inout [UInt8]) {
        text += bytes
        if let last = bytes.last, last != UInt8(ascii: "\n") { text.append(UInt8(ascii: "\n")) }
    }

    /// Counts complete marker sequences (ours, base, separator, theirs, in that
    /// order, with these labels) in merged output. Input lines that merely look
    /// like one marker are not counted; a file that already contained a whole
    /// labelled conflict would be.
    static func countConflicts(in bytes: [UInt8], labels: MergeLabels) -> Int {
        enum State { case outside, ours, base, theirs }
        let open = Array("<<<<<<< \(labels.ours)".utf8)
        let base = Array("||||||| \(labels.ancestor)".utf8)
        let separator = Array("=======".utf8)
        let close = Array(">>>>>>> \(labels.theirs)".utf8)
        var state = State.outside
        var count = 0
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = rawLine.last == UInt8(ascii: "\r") ? rawLine.dropLast() : rawLine
            switch state {
            case .outside where line.elementsEqual(open): state = .ours
            case .ours where line.elementsEqual(base): state = .base
            case .base where line.elementsEqual(separator): state = .theirs
            case .theirs where line.elementsEqual(close):
                count += 1
                state = .outside
            default: continue
            }
        }
        return count
    }
}
