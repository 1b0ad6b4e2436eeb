/// A path as written on a `---`/`+++`/`***` line, with its timestamp if any.
struct FileLinePath {
    /// 1-based line of the patch file it was read from.
    var line: Int
    /// The path, or nil for `/dev/null`.
    var path: String?
    /// Text after the TAB (diff's timestamp), empty when absent.
    var timestamp: String

    /// True when the timestamp is the Unix epoch, which `diff -N` writes for a
    /// file that does not exist on that side (in any time zone).
    var isEpoch: Bool {
        if timestamp.hasPrefix("1970-01-01") || timestamp.hasPrefix("1969-12-31") { return true }
        let words = timestamp.split(separator: " ")
        return (words.last == "1970" && timestamp.contains("Jan  1"))
            || (words.last == "1969" && timestamp.contains("Dec 31"))
    }
}

extension PatchParser {
    /// Git extended header state collected between `diff --git` and `---`.
    struct GitHeader {
        var pathsFromDiffLine: (old: String, new: String)?
        var modes = FileModes()
        var isCreation = false
        var isDeletion = false
        var operation: FilePatch.GitOperation?
        var operationPaths: (from: String?, to: String?) = (nil, nil)
        var line = 0
    }

    mutating func parseGitFile() throws(PatchParseError) -> FilePatch {
        let diffLine = lines.line()!
        var git = GitHeader()
        git.line = lines.lineNumber
        lines.index += 1
        while let line = lines.line() {
            if let mode = Self.value(line, after: "new file mode ") {
                git.modes.newMode = mode
                git.isCreation = true
            } else if let mode = Self.value(line, after: "deleted file mode ") {
                git.modes.oldMode = mode
                git.isDeletion = true
            } else if let mode = Self.value(line, after: "old mode ") {
                git.modes.oldMode = mode
            } else if let mode = Self.value(line, after: "new mode ") {
                git.modes.newMode = mode
            } else if line.hasPrefix("index ") || line.hasPrefix("similarity index ") || line.hasPrefix("dissimilarity index ") {
                // Blob ids and similarity scores say nothing the hunks and names do not.
            } else if let (operation, isSource, path) = try Self.gitOperationLine(line, line: lines.lineNumber) {
                if let earlier = git.operation, earlier != operation {
                    throw PatchParseError(line: lines.lineNumber, .incompleteRename)
                }
                git.operation = operation
                if isSource { git.operationPaths.from = path } else { git.operationPaths.to = path }
            } else {
                try rejectBinary(line)
                break
            }
            lines.index += 1
        }
        git.pathsFromDiffLine = try Self.gitDiffLinePaths(
            diffLine.dropping(prefix: "diff --git "), line: git.line, operationPaths: git.operationPaths)
        if git.operation != nil, git.operationPaths.from == nil || git.operationPaths.to == nil {
            throw PatchParseError(line: git.line, .incompleteRename)
        }
        if let line = lines.line(), line.hasPrefix("--- "), lines.line(at: 1)?.hasPrefix("+++ ") == true {
            return try parseUnifiedFile(git: git)
        }
        let paths = git.pathsFromDiffLine
        return FilePatch(
            oldPath: git.isCreation ? nil : paths?.old,
            newPath: git.isDeletion ? nil : paths?.new,
            isGit: true,
            gitOperation: git.operation,
            modes: git.modes,
            hunks: [],
            nameLines: FilePatch.NameLines(old: git.line, new: git.line)
        )
    }

    /// `rename from X`, `rename to X`, `copy from X`, `copy to X`: the operation,
    /// whether the line names the source, and the path (quoted or not).
    private static func gitOperationLine(_ line: ArraySlice<UInt8>, line number: Int)
        throws(PatchParseError) -> (FilePatch.GitOperation, Bool, String)? {
        let forms: [(String, FilePatch.GitOperation, Bool)] = [
            ("rename from ", .rename, true), ("rename to ", .rename, false),
            ("copy from ", .copy, true), ("copy to ", .copy, false),
        ]
        for (prefix, operation, isSource) in forms where line.hasPrefix(prefix) {
            let rest = trimmed(line.dropping(prefix: prefix))
            let path = rest.first == UInt8(ascii: "\"") ? try unquote(rest, line: number).0 : rest.text
            return (operation, isSource, path)
        }
        return nil
    }

    mutating func parseUnifiedFile(git: GitHeader?) throws(PatchParseError) -> FilePatch {
        try parseFile(oldPrefix: "--- ", newPrefix: "+++ ", hunkStart: "@@", git: git) { parser throws(PatchParseError) in
            try parser.parseUnifiedHunk()
        }
    }

    mutating func parseContextFile() throws(PatchParseError) -> FilePatch {
        try parseFile(oldPrefix: "*** ", newPrefix: "--- ", hunkStart: "***************", git: nil) { parser throws(PatchParseError) in
            try parser.parseContextHunk()
        }
    }

    /// The old and new file lines, then every hunk (each starting with `hunkStart`).
    private mutating func parseFile(
        oldPrefix: String, newPrefix: String, hunkStart: String, git: GitHeader?,
        hunk parseHunk: (inout Self) throws(PatchParseError) -> Hunk
    ) throws(PatchParseError) -> FilePatch {
        let old = try parseFileLine(prefix: oldPrefix)
        let new = try parseFileLine(prefix: newPrefix)
        var hunks: [Hunk] = []
        while let line = lines.line(), line.hasPrefix(hunkStart) {
            hunks.append(try parseHunk(&self))
        }
        return makeFilePatch(old: old, new: new, git: git, hunks: hunks)
    }

    /// Decides creation/deletion from `/dev/null`, git's mode lines, or the
    /// epoch timestamp `diff -N` writes (only when that side is empty in every hunk).
    private func makeFilePatch(old: FileLinePath, new: FileLinePath, git: GitHeader?, hunks: [Hunk]) -> FilePatch {
        var oldPath = old.path
        var newPath = new.path
        if git?.isCreation == true { oldPath = nil }
        if git?.isDeletion == true { newPath = nil }
        var epochName: String?
        if git == nil, old.isEpoch, hunks.allSatisfy({ $0.oldCount == 0 && $0.oldStart == 0 }) {
            epochName = oldPath
            oldPath = nil
        }
        if git == nil, new.isEpoch, hunks.allSatisfy({ $0.newCount == 0 && $0.newStart == 0 }) {
            epochName = newPath
            newPath = nil
        }
        return FilePatch(
            oldPath: oldPath, newPath: newPath, indexPath: git == nil ? pendingIndex?.path : nil, epochName: epochName,
            isGit: git != nil,
            gitOperation: git?.operation, modes: git?.modes ?? FileModes(), hunks: hunks,
            nameLines: FilePatch.NameLines(old: old.line, new: new.line, index: git == nil ? pendingIndex?.line : nil))
    }

    private mutating func parseFileLine(prefix: String) throws(PatchParseError) -> FileLinePath {
        guard let line = lines.line(), line.hasPrefix(prefix) else {
            throw PatchParseError(line: lines.lineNumber, .missingFileLine(expected: prefix + "path", found: lines.line()?.text ?? "end of patch"))
        }
        let rest = line.dropping(prefix: prefix)
        let number = lines.lineNumber
        lines.index += 1
        let path: String
        var timestamp = ""
        if rest.first == UInt8(ascii: "\"") {
            let (decoded, end) = try Self.unquote(rest, line: number)
            path = decoded
            timestamp = Self.trimmed(rest[end...]).text
        } else if let tab = rest.firstIndex(of: 0x09) {
            path = rest[..<tab].text
            timestamp = Self.trimmed(rest[(tab + 1)...]).text
        } else {
            path = Self.trimmed(rest).text
        }
        return FileLinePath(line: number, path: path == "/dev/null" ? nil : path, timestamp: timestamp)
    }

    private static func value(_ line: ArraySlice<UInt8>, after prefix: String) -> String? {
        line.hasPrefix(prefix) ? trimmed(line.dropping(prefix: prefix)).text : nil
    }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var result = bytes
        while let first = result.first, first == 0x20 || first == 0x09 { result = result.dropFirst() }
        while let last = result.last, last == 0x20 || last == 0x09 { result = result.dropLast() }
        return result
    }

    /// Paths from `diff --git a/X b/Y`. Unquoted paths may contain spaces, so
    /// the split is taken where the halves end in the rename/copy names when
    /// there are some, else where both halves name the same file (the only
    /// case without renames); quoted paths are decoded.
    private static func gitDiffLinePaths(_ rest: ArraySlice<UInt8>, line: Int,
                                         operationPaths: (from: String?, to: String?))
        throws(PatchParseError) -> (old: String, new: String)? {
        if rest.first == UInt8(ascii: "\"") {
            let (old, end) = try unquote(rest, line: line)
            var remainder = rest[end...]
            while remainder.first == 0x20 { remainder = remainder.dropFirst() }
            if remainder.first == UInt8(ascii: "\"") { return (old, try unquote(remainder, line: line).0) }
            return (old, remainder.text)
        }
        let text = rest.text
        if let from = operationPaths.from, let to = operationPaths.to {
            var search = text.startIndex
            while let space = text[search...].firstIndex(of: " ") {
                let old = String(text[..<space]), new = String(text[text.index(after: space)...])
                if (old == from || old.hasSuffix("/" + from)) && (new == to || new.hasSuffix("/" + to)) { return (old, new) }
                search = text.index(after: space)
            }
        }
        let characters = Array(text)
        if characters.count % 2 == 1 {
            let half = characters.count / 2
            let old = String(characters[..<half])
            let new = String(characters[(half + 1)...])
            if characters[half] == " ", old.split(separator: "/", maxSplits: 1).last == new.split(separator: "/", maxSplits: 1).last {
                return (old, new)
            }
        }
        if let space = text.firstIndex(of: " ") {
            return (String(text[..<space]), String(text[text.index(after: space)...]))
        }
        return nil
    }

    /// Decodes a git C-style quoted path starting at `bytes.first == "`;
    /// returns it and the index after the closing quote.
    static func unquote(_ bytes: ArraySlice<UInt8>, line: Int) throws(PatchParseError) -> (String, Int) {
        var output: [UInt8] = []
        var position = bytes.startIndex + 1
        while position < bytes.endIndex {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { return (String(decoding: output, as: UTF8.self), position + 1) }
            if byte != UInt8(ascii: "\\") {
                output.append(byte)
                position += 1
                continue
            }
            position += 1
            guard position < bytes.endIndex else { break }
            let escaped = bytes[position]
            switch escaped {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "a"): output.append(0x07)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "v"): output.append(0x0B)
            case UInt8(ascii: "\\"), UInt8(ascii: "\""): output.append(escaped)
            case UInt8(ascii: "0")...UInt8(ascii: "3"):
                guard position + 2 < bytes.endIndex else {
                    throw PatchParseError(line: line, .malformedPath(bytes.text))
                }
                let digits = bytes[position...(position + 2)]
                guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) else {
                    throw PatchParseError(line: line, .malformedPath(bytes.text))
                }
                output.append(digits.reduce(0) { $0 &* 8 &+ ($1 - UInt8(ascii: "0")) })
                position += 2
            default:
                throw PatchParseError(line: line, .malformedPath(bytes.text))
            }
            position += 1
        }
        throw PatchParseError(line: line, .malformedPath(bytes.text))
    }
}
