extension PatchDocument {
    /// Parses a patch file: DEP-3 header, preamble and every file diff (git,
    /// `diff -u`/`-Naur`, `diff -c`), validating hunk counts against bodies.
    ///
    /// CRLF: when every line of the patch ends in CRLF (a patch converted by a
    /// mailer or editor), the CRs are dropped and it parses exactly like the LF
    /// original; otherwise a CR is part of the line it ends.
    ///
    /// Cost: linear in the patch size. Throws `PatchParseError` with the
    /// 1-based line number of the first problem; nothing is partially returned.
    public init(parsing bytes: [UInt8]) throws(PatchParseError) {
        var parser = PatchParser(lines: PatchLines(bytes))
        self = try parser.parseDocument()
    }

    /// Parses patch text; see `init(parsing:)` for bytes.
    public init(parsing text: String) throws(PatchParseError) {
        try self.init(parsing: Array(text.utf8))
    }
}

/// Recursive-descent reader over the lines of a patch file.
struct PatchParser {
    var lines: PatchLines
    /// The last `Index:` name (and its line) in the text since the previous file diff.
    var pendingIndex: (path: String, line: Int)?

    mutating func parseDocument() throws(PatchParseError) -> PatchDocument {
        let header = parseHeader()
        var preamble = ""
        while let line = lines.line(), !isDiffStart() {
            preamble += line.text + "\n"
            lines.index += 1
        }
        var files: [FilePatch] = []
        while !lines.atEnd {
            if let file = try parseNextFile() {
                files.append(file)
                pendingIndex = nil
            }
        }
        return PatchDocument(header: header, preamble: preamble, files: files)
    }

    // MARK: header

    /// Reads `Field: value` lines (with space/tab continuation lines) from the
    /// top of the file; stops at a `---` line (consumed), a diff, or any line
    /// that is neither, leaving it for the preamble.
    private mutating func parseHeader() -> PatchHeader {
        var fields: [PatchHeader.Field] = []
        while let line = lines.line(), !isDiffStart() {
            if line.elementsEqual("---".utf8) {
                lines.index += 1
                break
            }
            if let first = line.first, first == 0x20 || first == 0x09, !fields.isEmpty {
                var continuation = line.dropFirst().text
                if continuation == "." { continuation = "" }
                let last = fields.count - 1
                fields[last].value += (fields[last].value.isEmpty ? "" : "\n") + continuation
                lines.index += 1
                continue
            }
            guard var field = Self.headerField(line) else { break }
            field.line = lines.lineNumber
            fields.append(field)
            lines.index += 1
        }
        return PatchHeader(fields: fields)
    }

    private static func headerField(_ line: ArraySlice<UInt8>) -> PatchHeader.Field? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { return nil }
        let name = line[..<colon]
        let nameIsToken = name.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        guard nameIsToken else { return nil }
        var value = line[(colon + 1)...]
        guard value.isEmpty || value.first == 0x20 || value.first == 0x09 else { return nil }
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        return PatchHeader.Field(name: name.text, value: value.text)
    }

    // MARK: file boundaries

    /// True when the current line begins the diff part of the file.
    func isDiffStart() -> Bool {
        guard let line = lines.line() else { return false }
        if line.hasPrefix("diff -") { return true }
        if line.hasPrefix("--- "), lines.line(at: 1)?.hasPrefix("+++ ") == true { return true }
        if isContextFileStart() { return true }
        if line.hasPrefix("Index: "), lines.line(at: 1)?.hasPrefix("====") == true { return true }
        // Not diffs, but they must reach the file loop to be reported there.
        if line.hasPrefix("@@ -") || (line.hasPrefix("Binary files ") && line.hasSuffix(" differ")) { return true }
        return false
    }

    func isContextFileStart() -> Bool {
        guard let line = lines.line(), line.hasPrefix("*** "), !line.hasSuffix(" ****") else { return false }
        return lines.line(at: 1)?.hasPrefix("--- ") == true && lines.line(at: 2)?.hasPrefix("***************") == true
    }

    /// Reads one file diff, or skips one line of text between files
    /// (`Only in …`, `diff -Naur a b`, `Index:`, trailers) and returns nil.
    private mutating func parseNextFile() throws(PatchParseError) -> FilePatch? {
        guard let line = lines.line() else { return nil }
        if line.hasPrefix("diff --git ") { return try parseGitFile() }
        if line.hasPrefix("--- "), lines.line(at: 1)?.hasPrefix("+++ ") == true { return try parseUnifiedFile(git: nil) }
        if isContextFileStart() { return try parseContextFile() }
        if line.hasPrefix("@@ ") || line.hasPrefix("***************") {
            throw PatchParseError(line: lines.lineNumber, .hunkWithoutFile)
        }
        try rejectBinary(line)
        if line.hasPrefix("Index: ") {
            let name = Self.trimmed(line.dropping(prefix: "Index: "))
            if !name.isEmpty { pendingIndex = (name.text, lines.lineNumber) }
        }
        lines.index += 1
        return nil
    }

    func rejectBinary(_ line: ArraySlice<UInt8>) throws(PatchParseError) {
        if line.hasPrefix("GIT binary patch") || (line.hasPrefix("Binary files ") && line.hasSuffix(" differ")) {
            throw PatchParseError(line: lines.lineNumber, .binaryNotSupported(line.text))
        }
    }
}
