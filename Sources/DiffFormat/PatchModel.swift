/// A parsed patch file: an optional DEP-3 style header, free text before the
/// first diff, and one entry per changed file, in patch order.
///
/// Values are dialect-neutral: git diffs, `diff -u`/`diff -Naur` output, CRLF
/// patches and `diff -c` context diffs all parse into the same model.
public struct PatchDocument: Sendable, Equatable {
    /// `Field: value` lines found at the top of the file (may be empty).
    public var header: PatchHeader
    /// Text before the first diff that is not part of the header (mail bodies,
    /// diffstat, descriptions), exactly as written but with LF line endings.
    public var preamble: String
    /// The file patches, in the order they appear.
    public var files: [FilePatch]

    public init(header: PatchHeader = PatchHeader(), preamble: String = "", files: [FilePatch]) {
        self.header = header
        self.preamble = preamble
        self.files = files
    }
}

/// The change to one file. Paths are as written in the patch (before `-pN`
/// stripping, without timestamps); `nil` means `/dev/null`.
///
/// Which tree path a patch reads and writes is chosen later, against a tree
/// (`choosePaths(strip:existing:)`): a plain diff names candidates, a git diff
/// names exactly its source and destination.
public struct FilePatch: Sendable, Equatable {
    /// What a git diff does beyond editing lines in place.
    public enum GitOperation: Sendable, Equatable {
        /// `rename from`/`rename to`: the old file goes, the new one holds its (patched) contents.
        case rename
        /// `copy from`/`copy to`: the old file stays, the new one is a (patched) copy of it.
        case copy
    }

    /// Where the names of this file patch were written in the patch file (1-based
    /// lines), for messages. Not part of the change, so not part of equality.
    public struct NameLines: Sendable {
        /// The `---` (unified) or `***` (context) line, or `diff --git` when absent.
        public var old: Int
        /// The `+++` (unified) or `---` (context) line, or `diff --git` when absent.
        public var new: Int
        /// The `Index:` line before the file, when there is one.
        public var index: Int?

        public init(old: Int = 0, new: Int = 0, index: Int? = nil) {
            self.old = old
            self.new = new
            self.index = index
        }
    }

    /// Path of the file before the change; `nil` when the patch creates the file.
    public var oldPath: String?
    /// Path of the file after the change; `nil` when the patch deletes the file.
    public var newPath: String?
    /// The name of an `Index:` line in the text before this file's diff.
    public var indexPath: String?
    /// The name written on the side that `diff -N` marks absent with an epoch
    /// timestamp (that side's path is nil): GNU patch still takes it as a
    /// candidate when choosing the file.
    public var epochName: String?
    /// True for a `diff --git` entry: its names are taken literally, as `git apply` does.
    public var isGit: Bool
    /// A git rename or copy; `nil` for a change in place.
    public var gitOperation: GitOperation?
    /// Mode information from git extended headers.
    public var modes: FileModes
    /// The hunks, in file order.
    public var hunks: [Hunk]
    /// Where the names were written in the patch file, for messages.
    public var nameLines: NameLines

    public init(oldPath: String?, newPath: String?, indexPath: String? = nil, epochName: String? = nil, isGit: Bool = false,
                gitOperation: GitOperation? = nil, modes: FileModes = FileModes(), hunks: [Hunk],
                nameLines: NameLines = NameLines()) {
        self.oldPath = oldPath
        self.newPath = newPath
        self.indexPath = indexPath
        self.epochName = epochName
        self.isGit = isGit
        self.gitOperation = gitOperation
        self.modes = modes
        self.hunks = hunks
        self.nameLines = nameLines
    }

    /// True when the patch creates the file (`--- /dev/null`).
    public var isCreation: Bool { oldPath == nil }
    /// True when the patch deletes the file (`+++ /dev/null`).
    public var isDeletion: Bool { newPath == nil }

    public static func == (lhs: FilePatch, rhs: FilePatch) -> Bool {
        lhs.oldPath == rhs.oldPath && lhs.newPath == rhs.newPath && lhs.indexPath == rhs.indexPath && lhs.epochName == rhs.epochName
            && lhs.isGit == rhs.isGit && lhs.gitOperation == rhs.gitOperation && lhs.modes == rhs.modes
            && lhs.hunks == rhs.hunks
    }
}

/// File modes as octal strings (`"100644"`, `"100755"`), when a git diff gave them.
public struct FileModes: Sendable, Equatable {
    /// Mode before the change (`old mode`, `deleted file mode`).
    public var oldMode: String?
    /// Mode after the change (`new mode`, `new file mode`).
    public var newMode: String?

    public init(oldMode: String? = nil, newMode: String? = nil) {
        self.oldMode = oldMode
        self.newMode = newMode
    }
}

/// One unified hunk. Start lines are 1-based as in `@@ -a,b +c,d @@`; a count
/// of 0 means the start names the line *after which* lines are inserted.
public struct Hunk: Sendable, Equatable {
    public var oldStart: Int
    public var oldCount: Int
    public var newStart: Int
    public var newCount: Int
    /// Bytes after the closing `@@` (without the separating space), usually the
    /// enclosing C function; empty when absent.
    public var section: [UInt8]
    public var lines: [HunkLine]

    public init(oldStart: Int, oldCount: Int, newStart: Int, newCount: Int, section: [UInt8] = [], lines: [HunkLine]) {
        self.oldStart = oldStart
        self.oldCount = oldCount
        self.newStart = newStart
        self.newCount = newCount
        self.section = section
        self.lines = lines
    }

    /// The section as text (invalid UTF-8 replaced), for display.
    public var sectionText: String { String(decoding: section, as: UTF8.self) }

    /// The header line as it appears in canonical form, e.g. `@@ -3,7 +3,8 @@ main`.
    public var headerText: String {
        let base = "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@"
        return section.isEmpty ? base : base + " " + sectionText
    }
}

/// One line of a hunk body.
public struct HunkLine: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// ` ` — present on both sides.
        case context
        /// `-` — only in the old file.
        case deletion
        /// `+` — only in the new file.
        case addition
    }

    public var kind: Kind
    /// The line's bytes without marker and without line terminator.
    public var bytes: [UInt8]
    /// True when `\ No newline at end of file` followed this line.
    public var noNewlineAtEnd: Bool

    public init(_ kind: Kind, _ bytes: [UInt8], noNewlineAtEnd: Bool = false) {
        self.kind = kind
        self.bytes = bytes
        self.noNewlineAtEnd = noNewlineAtEnd
    }

    /// Convenience for tests and callers building hunks from text.
    public init(_ kind: Kind, _ text: String, noNewlineAtEnd: Bool = false) {
        self.init(kind, Array(text.utf8), noNewlineAtEnd: noNewlineAtEnd)
    }

    /// The line's bytes as text (invalid UTF-8 replaced), for display.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
