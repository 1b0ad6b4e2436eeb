extension PatchParser {
    /// Reads `@@ -a,b +c,d @@ section` and exactly the lines its counts
    /// promise, plus `\ No newline at end of file` markers.
    mutating func parseUnifiedHunk() throws(PatchParseError) -> Hunk {
        let headerLine = lines.line()!
        let headerNumber = lines.lineNumber
        guard var hunk = Self.unifiedHeader(headerLine) else {
            throw PatchParseError(line: headerNumber, .malformedHunkHeader(headerLine.text))
        }
        lines.index += 1
        let header = headerLine.text
        var remainingOld = hunk.oldCount
        var remainingNew = hunk.newCount
        while remainingOld > 0 || remainingNew > 0 {
            guard let line = lines.line() else {
                throw PatchParseError(line: lines.lineNumber, .truncatedHunk(header: header, missingOld: remainingOld, missingNew: remainingNew))
            }
            let kind: HunkLine.Kind
            switch line.first {
            case UInt8(ascii: " "), nil: kind = .context
            case UInt8(ascii: "-"): kind = .deletion
            case UInt8(ascii: "+"): kind = .addition
            case UInt8(ascii: "\\"):
                try markNoNewline(in: &hunk)
                continue
            default:
                if isDiffStart() || line.hasPrefix("@@") {
                    throw PatchParseError(line: lines.lineNumber, .truncatedHunk(header: header, missingOld: remainingOld, missingNew: remainingNew))
                }
                throw PatchParseError(line: lines.lineNumber, .unexpectedLineInHunk(found: line.text, remainingOld: remainingOld, remainingNew: remainingNew))
            }
            if kind != .addition {
                guard remainingOld > 0 else { throw PatchParseError(line: lines.lineNumber, .tooManyOldLines(header: header, declared: hunk.oldCount)) }
                remainingOld -= 1
            }
            if kind != .deletion {
                guard remainingNew > 0 else { throw PatchParseError(line: lines.lineNumber, .tooManyNewLines(header: header, declared: hunk.newCount)) }
                remainingNew -= 1
            }
            hunk.lines.append(HunkLine(kind, Array(line.dropFirst())))
            lines.index += 1
        }
        if lines.line()?.first == UInt8(ascii: "\\") { try markNoNewline(in: &hunk) }
        try rejectOverlongHunk(header: header)
        return hunk
    }

    private mutating func markNoNewline(in hunk: inout Hunk) throws(PatchParseError) {
        guard !hunk.lines.isEmpty else { throw PatchParseError(line: lines.lineNumber, .misplacedNoNewlineMarker) }
        hunk.lines[hunk.lines.count - 1].noNewlineAtEnd = true
        lines.index += 1
    }

    /// A complete hunk directly followed by a context/`-`/`+` line means the
    /// header's counts are smaller than the body. Mail signatures (`-- `) and
    /// file headers (`--- `/`+++ ` pairs) are not hunk lines.
    private func rejectOverlongHunk(header: String) throws(PatchParseError) {
        guard let line = lines.line(), let first = line.first else { return }
        guard first == UInt8(ascii: " ") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") else { return }
        if line.elementsEqual("-- ".utf8) || isDiffStart() { return }
        throw PatchParseError(line: lines.lineNumber, .lineAfterCompleteHunk(header: header, found: line.text))
    }

    /// Parses `@@ -a[,b] +c[,d] @@[ section]` (omitted counts are 1).
    static func unifiedHeader(_ line: ArraySlice<UInt8>) -> Hunk? {
        guard line.hasPrefix("@@ -") else { return nil }
        var position = line.startIndex + 4
        func number() -> Int? {
            var value = 0
            var digits = 0
            while position < line.endIndex, line[position] >= 0x30, line[position] <= 0x39, digits < 12 {
                value = value * 10 + Int(line[position] - 0x30)
                digits += 1
                position += 1
            }
            return digits > 0 ? value : nil
        }
        func range() -> (Int, Int)? {
            guard let start = number() else { return nil }
            guard position < line.endIndex, line[position] == UInt8(ascii: ",") else { return (start, 1) }
            position += 1
            guard let count = number() else { return nil }
            return (start, count)
        }
        guard let old = range(), line[position...].hasPrefix(" +") else { return nil }
        position += 2
        guard let new = range(), line[position...].hasPrefix(" @@") else { return nil }
        var section = line[(position + 3)...]
        if section.first == 0x20 { section = section.dropFirst() }
        return Hunk(oldStart: old.0, oldCount: old.1, newStart: new.0, newCount: new.1, section: Array(section), lines: [])
    }
}
