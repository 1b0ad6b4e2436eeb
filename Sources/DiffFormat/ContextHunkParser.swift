/// `diff -c` hunks, converted into the unified model.
///
/// A context hunk has an old half (`*** a,b ****` then `  `, `- `, `! ` lines)
/// and a new half (`--- c,d ----` then `  `, `+ `, `! ` lines). A half that
/// would contain only context is omitted by diff. A range is `first,last`, or a
/// single number that names either a one-line range or, for an empty range,
/// the line before it (resolved from the body).
extension PatchParser {
    private struct ContextLine {
        var marker: UInt8
        var bytes: [UInt8]
        var noNewline = false
    }

    private struct ContextRange {
        var first: Int
        /// nil when written as a single number.
        var last: Int?
        var line: Int

        /// Most lines this range can hold.
        var capacity: Int { last.map { max(0, $0 - first + 1) } ?? 1 }
    }

    mutating func parseContextHunk() throws(PatchParseError) -> Hunk {
        let separator = lines.line()!
        var section = separator.dropping(prefix: "***************")
        if section.first == 0x20 { section = section.dropFirst() }
        lines.index += 1

        let oldRange = try parseContextRange(prefix: "*** ", suffix: " ****")
        var oldLines: [ContextLine] = []
        while let line = lines.line(), !Self.isRange(line, prefix: "--- ", suffix: " ----") {
            if line.first == UInt8(ascii: "\\") {
                try markNoNewline(&oldLines)
                continue
            }
            guard let entry = Self.contextLine(line, allowed: "-! ") else {
                throw PatchParseError(line: lines.lineNumber, .unexpectedLineInHunk(found: line.text, remainingOld: oldRange.capacity - oldLines.count, remainingNew: 0))
            }
            oldLines.append(entry)
            lines.index += 1
        }
        let newRange = try parseContextRange(prefix: "--- ", suffix: " ----")
        var newLines: [ContextLine] = []
        while let line = lines.line() {
            if line.first == UInt8(ascii: "\\") {
                try markNoNewline(&newLines)
                continue
            }
            guard newLines.count < newRange.capacity, let entry = Self.contextLine(line, allowed: "+! ") else { break }
            newLines.append(entry)
            lines.index += 1
        }

        var hunk = Hunk(oldStart: 0, oldCount: 0, newStart: 0, newCount: 0, section: Array(section), lines: [])
        hunk.lines = try merge(old: oldLines, new: newLines, at: oldRange.line)
        hunk.oldCount = hunk.lines.count { $0.kind != .addition }
        hunk.newCount = hunk.lines.count { $0.kind != .deletion }
        hunk.oldStart = try start(of: oldRange, count: hunk.oldCount)
        hunk.newStart = try start(of: newRange, count: hunk.newCount)
        return hunk
    }

    private mutating func markNoNewline(_ previous: inout [ContextLine]) throws(PatchParseError) {
        guard !previous.isEmpty else { throw PatchParseError(line: lines.lineNumber, .misplacedNoNewlineMarker) }
        previous[previous.count - 1].noNewline = true
        lines.index += 1
    }

    /// One body line of a half, or nil when the line does not belong to it.
    private static func contextLine(_ line: ArraySlice<UInt8>, allowed: String) -> ContextLine? {
        guard let marker = line.first, allowed.utf8.contains(marker) else { return nil }
        if line.count >= 2, line[line.startIndex + 1] != 0x20 { return nil }
        return ContextLine(marker: marker, bytes: Array(line.dropFirst(2)))
    }

    private static func isRange(_ line: ArraySlice<UInt8>, prefix: String, suffix: String) -> Bool {
        line.hasPrefix(prefix) && line.hasSuffix(suffix)
    }

    private mutating func parseContextRange(prefix: String, suffix: String) throws(PatchParseError) -> ContextRange {
        let number = lines.lineNumber
        guard let line = lines.line(), Self.isRange(line, prefix: prefix, suffix: suffix) else {
            throw PatchParseError(line: number, .malformedHunkHeader(lines.line()?.text ?? "end of patch"))
        }
        let body = line.dropping(prefix: prefix).dropLast(suffix.utf8.count).text
        let parts = body.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let first = Int(parts[0]), first >= 0 else {
            throw PatchParseError(line: number, .malformedHunkHeader(line.text))
        }
        var last: Int?
        if parts.count == 2 {
            guard let value = Int(parts[1]), value >= 0 else { throw PatchParseError(line: number, .malformedHunkHeader(line.text)) }
            last = value
        }
        lines.index += 1
        return ContextRange(first: first, last: last, line: number)
    }

    /// Unified start for a range holding `count` lines: an empty range names
    /// the line before it, which is exactly what unified `-a,0` means.
    private func start(of range: ContextRange, count: Int) throws(PatchParseError) -> Int {
        if let last = range.last, last >= range.first {
            guard last - range.first + 1 == count else {
                throw PatchParseError(line: range.line, .inconsistentContextHunk("range \(range.first),\(last) holds \(last - range.first + 1) lines but the hunk has \(count)"))
            }
            return range.first
        }
        guard count <= 1 else {
            throw PatchParseError(line: range.line, .inconsistentContextHunk("range \(range.first) holds at most one line but the hunk has \(count)"))
        }
        if let last = range.last { return count == 0 ? last : range.first }
        return range.first
    }

    /// Interleaves the two halves into one unified line sequence. An omitted
    /// half is rebuilt from the other half's context lines.
    private func merge(old: [ContextLine], new: [ContextLine], at line: Int) throws(PatchParseError) -> [HunkLine] {
        let space = UInt8(ascii: " ")
        let old = old.isEmpty ? new.filter { $0.marker == space } : old
        let new = new.isEmpty ? old.filter { $0.marker == space } : new
        var result: [HunkLine] = []
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            if i < old.count, old[i].marker == UInt8(ascii: "-") {
                result.append(HunkLine(.deletion, old[i].bytes, noNewlineAtEnd: old[i].noNewline))
                i += 1
            } else if j < new.count, new[j].marker == UInt8(ascii: "+") {
                result.append(HunkLine(.addition, new[j].bytes, noNewlineAtEnd: new[j].noNewline))
                j += 1
            } else if i < old.count, old[i].marker == UInt8(ascii: "!") {
                guard j < new.count, new[j].marker == UInt8(ascii: "!") else {
                    throw PatchParseError(line: line, .inconsistentContextHunk("changed (`!`) old lines without changed new lines at the same place"))
                }
                while i < old.count, old[i].marker == UInt8(ascii: "!") {
                    result.append(HunkLine(.deletion, old[i].bytes, noNewlineAtEnd: old[i].noNewline))
                    i += 1
                }
                while j < new.count, new[j].marker == UInt8(ascii: "!") {
                    result.append(HunkLine(.addition, new[j].bytes, noNewlineAtEnd: new[j].noNewline))
                    j += 1
                }
            } else {
                guard i < old.count, j < new.count, old[i].marker == space, new[j].marker == space else {
                    throw PatchParseError(line: line, .inconsistentContextHunk("the halves do not have the same context lines"))
                }
                guard old[i].bytes == new[j].bytes else {
                    throw PatchParseError(line: line, .inconsistentContextHunk("context line `\(String(decoding: old[i].bytes, as: UTF8.self))` differs between the halves"))
                }
                result.append(HunkLine(.context, old[i].bytes, noNewlineAtEnd: old[i].noNewline || new[j].noNewline))
                i += 1
                j += 1
            }
        }
        return result
    }
}
