/// A patch file that cannot be parsed. `line` is the 1-based line number in
/// the patch file where the problem was found.
public struct PatchParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// A git rename or copy without both its `from` and `to` line.
        case incompleteRename
        /// `Binary files … differ` or `GIT binary patch`.
        case binaryNotSupported(String)
        /// A `@@` or `*** a,b ****` line that does not have the expected form.
        case malformedHunkHeader(String)
        /// A line inside a hunk that is not a hunk line; `remainingOld`/`remainingNew`
        /// are how many lines the hunk header still promised.
        case unexpectedLineInHunk(found: String, remainingOld: Int, remainingNew: Int)
        /// The body has more old-side (context or `-`) lines than the header says.
        case tooManyOldLines(header: String, declared: Int)
        /// The body has more new-side (context or `+`) lines than the header says.
        case tooManyNewLines(header: String, declared: Int)
        /// The patch ends before the hunk's promised lines.
        case truncatedHunk(header: String, missingOld: Int, missingNew: Int)
        /// A hunk-looking line directly after a complete hunk: the counts are too small.
        case lineAfterCompleteHunk(header: String, found: String)
        /// `---` without `+++` (or `***` without `---` in a context diff).
        case missingFileLine(expected: String, found: String)
        /// A hunk appears before any file header.
        case hunkWithoutFile
        /// `\ No newline at end of file` not directly after a hunk line.
        case misplacedNoNewlineMarker
        /// A context-diff hunk whose old and new halves do not fit together.
        case inconsistentContextHunk(String)
        /// A quoted path that is not a valid C-style quoted string.
        case malformedPath(String)
    }

    public var line: Int
    public var problem: Problem

    public init(line: Int, _ problem: Problem) {
        self.line = line
        self.problem = problem
    }

    public var description: String {
        "patch line \(line): " + explanation
    }

    private var explanation: String {
        switch problem {
        case .incompleteRename:
            return "a git rename or copy needs both its `from` and its `to` line"
        case .binaryNotSupported(let what):
            return "binary patches are not supported (\(what)); ship binary files outside the patch"
        case .malformedHunkHeader(let text):
            return "malformed hunk header `\(text)`; expected `@@ -a,b +c,d @@` (or `*** a,b ****` / `--- c,d ----` in a context diff)"
        case .unexpectedLineInHunk(let found, let old, let new):
            return "expected a hunk line starting with ' ', '-', '+' or '\\' (\(old) old and \(new) new lines still due), found `\(found)`"
        case .tooManyOldLines(let header, let declared):
            return "hunk `\(header)` has more than the \(declared) old lines its header declares"
        case .tooManyNewLines(let header, let declared):
            return "hunk `\(header)` has more than the \(declared) new lines its header declares"
        case .truncatedHunk(let header, let old, let new):
            return "patch ends inside hunk `\(header)`: \(old) old and \(new) new lines are missing"
        case .lineAfterCompleteHunk(let header, let found):
            return "hunk `\(header)` is complete by its header's counts, but is followed by the hunk line `\(found)`; the counts are wrong"
        case .missingFileLine(let expected, let found):
            return "expected a `\(expected)` file line, found `\(found)`"
        case .hunkWithoutFile:
            return "hunk before any `---`/`+++` file header"
        case .misplacedNoNewlineMarker:
            return "`\\ No newline at end of file` must directly follow a hunk line"
        case .inconsistentContextHunk(let why):
            return "context-diff hunk does not fit together: \(why)"
        case .malformedPath(let text):
            return "malformed quoted path `\(text)`"
        }
    }
}

/// A path that cannot be used after `-pN` stripping.
public struct PatchPathError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// The path has no more than `level` components.
        case tooFewComponents(level: Int)
        /// Absolute after stripping: would write outside the tree.
        case absolute
        /// Contains `..` after stripping: would escape the tree.
        case parentReference
        /// Nothing left after stripping.
        case empty
        /// No strip level makes the patch's paths match the tree.
        case noMatchingStripLevel
    }

    public var path: String
    public var problem: Problem
    /// 1-based patch line the path was read from, when known.
    public var line: Int?

    public init(path: String, _ problem: Problem, line: Int? = nil) {
        self.path = path
        self.problem = problem
        self.line = line
    }

    public var description: String {
        (line.map { "patch line \($0): " } ?? "") + explanation
    }

    private var explanation: String {
        switch problem {
        case .tooFewComponents(let level):
            return "path `\(path)` has too few components to strip \(level) (-p\(level))"
        case .absolute:
            return "path `\(path)` is absolute; a patch may only touch files inside the tree"
        case .parentReference:
            return "path `\(path)` contains `..`; a patch may only touch files inside the tree"
        case .empty:
            return "path `\(path)` is empty after stripping"
        case .noMatchingStripLevel:
            return "no -p level makes the patch's files (first: `\(path)`) exist in the tree; check that the patch belongs to this tree"
        }
    }
}

/// Applying a file patch failed; the original contents are untouched.
public struct PatchApplyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// Hunk `hunkIndex` (0-based) matched nowhere. `expected` is the hunk's
        /// old side (context and deletions); `found` the file's lines at the
        /// position the hunk was expected (after earlier offsets).
        case hunkFailed(hunkIndex: Int, header: String, expectedLine: Int, expected: [[UInt8]], found: [[UInt8]])
        /// The patch creates a file that already exists.
        case fileAlreadyExists
        /// The patch modifies or deletes a file that does not exist.
        case missingTarget
        /// The patch deletes a file whose contents are not exactly what it removes.
        case deletionContentMismatch(remainingLines: Int)
    }

    public var problem: Problem

    public init(_ problem: Problem) {
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .hunkFailed(let index, let header, let line, let expected, let found):
            var text = "hunk #\(index + 1) `\(header)` does not apply at line \(line) or at any offset\n"
            text += "expected:\n"
            for l in expected { text += "  |" + String(decoding: l, as: UTF8.self) + "\n" }
            text += "found:\n"
            for l in found { text += "  |" + String(decoding: l, as: UTF8.self) + "\n" }
            return text
        case .fileAlreadyExists:
            return "the patch creates a file that already exists; remove it or use a patch that modifies it"
        case .missingTarget:
            return "the patch changes a file that does not exist; check the -p level and the base tree"
        case .deletionContentMismatch(let remaining):
            return "the patch deletes the file, but \(remaining) line(s) would remain; the file differs from what the patch expects"
        }
    }
}
