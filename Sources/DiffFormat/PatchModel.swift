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
public struct FilePatch: Sendable, Equatable {
    /// Path of the file before the change; `nil` when the patch creates the file.
    public var oldPath: String?
    /// Path of the file after the change; `nil` when the patch deletes the file.
    public var newPath: String?
    /// Mode information from git extended headers.
    public var modes: FileModes
    /// The hunks, in file order.
    public var hunks: [Hunk]
    /// 1-based line of the patch file where this file's diff begins (`diff --git`,
    /// `---` or `***`), for messages; 0 when the patch was not parsed from a file.
    public var line: Int

    public init(oldPath: String?, newPath: String?, modes: FileModes = FileModes(), hunks: [Hunk], line: Int = 0) {
        self.oldPath = oldPath
        self.newPath = newPath
        self.modes = modes
        self.hunks = hunks
        self.line = line
    }

    /// The same change, wherever it stands in its patch file: `line` is not compared.
    public static func == (lhs: FilePatch, rhs: FilePatch) -> Bool {
        lhs.oldPath == rhs.oldPath && lhs.newPath == rhs.newPath && lhs.modes == rhs.modes && lhs.hunks == rhs.hunks
    }

    /// True when the patch creates the file (`--- /dev/null`).
    public var isCreation: Bool { oldPath == nil }
    /// True when the patch deletes the file (`+++ /dev/null`).
    public var isDeletion: Bool { newPath == nil }
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
