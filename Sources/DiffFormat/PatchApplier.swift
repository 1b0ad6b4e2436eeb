/// Applies one file patch to in-memory contents, the way GNU `patch` places
/// hunks:
///
/// - Each hunk is tried at the line its header names, shifted by the offset
///   the previous hunk needed; then outward (+1, -1, +2, -2, …) for the
///   smallest offset where its context and deletions match. A hunk never
///   matches before the end of the previous one.
/// - A hunk with less leading than trailing context must match at the start
///   of the file (when it says it starts there), one with less trailing
///   context must match at the end: diff only shortens context at file edges.
/// - Fuzz is used only when asked: at fuzz level k, up to k context lines at
///   each end of the hunk are ignored (levels are tried from 0 up).
/// - Lines compare without their terminators, so a CRLF file matches an LF
///   patch. Untouched and context lines keep their bytes; added lines get the
///   file's dominant terminator (a new or terminator-less file: LF, with any
///   CR in the patch line kept as content). `\ No newline at end of file`
///   on a new-side line leaves the file without a final newline; a line
///   followed by more output always gets a terminator.
///
/// Cost: O(file + patch) for hunks at their place; a shifted hunk costs
/// O(distance × hunk lines), mostly hash comparisons. Nothing is changed on
/// failure: the error says which hunk failed and what was found instead.
public func apply(_ filePatch: FilePatch, to original: [UInt8]?, fuzz: Int = 0) throws(PatchApplyError) -> AppliedFile {
    let source: [UInt8]
    switch (filePatch.isCreation, original) {
    case (true, .some): throw PatchApplyError(.fileAlreadyExists)
    case (true, nil): source = []
    case (false, nil): throw PatchApplyError(.missingTarget)
    case (false, let contents?): source = contents
    }
    var applier = PatchApplier(file: TextLines(source), hunks: filePatch.hunks)
    let results = try applier.applyAll(maxFuzz: max(0, fuzz))
    let output = applier.output
    if filePatch.isDeletion {
        guard output.isEmpty else {
            throw PatchApplyError(.deletionContentMismatch(remainingLines: TextLines(output).count))
        }
        return AppliedFile(contents: nil, hunks: results)
    }
    return AppliedFile(contents: output, hunks: results)
}

/// The state of one application: the file, where the previous hunk ended,
/// and the output built so far.
struct PatchApplier {
    /// A hunk's old side, prepared for matching.
    private struct Pattern {
        var lines: [ArraySlice<UInt8>]
        var hashes: [UInt64]
        var leadingContext: Int
        var trailingContext: Int
    }

    let file: TextLines
    let hunks: [Hunk]
    private(set) var output: [UInt8] = []
    /// First file line not yet copied or consumed.
    private var cursor = 0
    /// Offset the previous hunk needed; the next search starts there.
    private var lastOffset = 0
    /// True when the last output line has no terminator yet.
    private var lineOpen = false
    private let eol: [UInt8]?

    init(file: TextLines, hunks: [Hunk]) {
        self.file = file
        self.hunks = hunks
        if file.crlfCount + file.lfCount == 0 {
            eol = nil
        } else {
            eol = file.crlfCount > file.lfCount ? [0x0D, 0x0A] : [0x0A]
        }
        output.reserveCapacity(file.bytes.count + file.bytes.count / 8)
    }

    mutating func applyAll(maxFuzz: Int) throws(PatchApplyError) -> [HunkResult] {
        var results: [HunkResult] = []
        results.reserveCapacity(hunks.count)
        for (index, hunk) in hunks.enumerated() {
            let pattern = Self.pattern(of: hunk)
            let base = hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart - 1
            guard let (position, fuzz) = locate(pattern, base: base, oldStart: hunk.oldStart, maxFuzz: maxFuzz) else {
                throw failure(index: index, hunk: hunk, intended: base + lastOffset)
            }
            lastOffset = position - base
            emit(hunk, at: position)
            results.append(HunkResult(index: index, offset: lastOffset, fuzz: fuzz))
        }
        if cursor < file.count { copyFileLines(upTo: file.count) }
        return results
    }

    private static func pattern(of hunk: Hunk) -> Pattern {
        var lines: [ArraySlice<UInt8>] = []
        lines.reserveCapacity(hunk.oldCount)
        for line in hunk.lines where line.kind != .addition {
            let bytes = line.bytes[...]
            lines.append(bytes.last == 0x0D ? bytes.dropLast() : bytes)
        }
        let leading = hunk.lines.prefix { $0.kind == .context }.count
        let trailing = hunk.lines.reversed().prefix { $0.kind == .context }.count
        return Pattern(
            lines: lines,
            hashes: lines.map(TextLines.hash),
            leadingContext: leading == hunk.lines.count ? lines.count : leading,
            trailingContext: trailing == hunk.lines.count ? lines.count : trailing
        )
    }

    /// Finds the first fuzz level and smallest offset at which `pattern` matches.
    private func locate(_ pattern: Pattern, base: Int, oldStart: Int, maxFuzz: Int) -> (Int, Int)? {
        let guess = base + lastOffset
        let count = pattern.lines.count
        if count == 0 {
            return guess >= cursor && guess <= file.count ? (guess, 0) : nil
        }
        let context = max(pattern.leadingContext, pattern.trailingContext)
        for level in 0...min(maxFuzz, context) {
            var skipFront = level + pattern.leadingContext - context
            let skipBack = level + pattern.trailingContext - context
            if skipFront < 0 {
                if oldStart <= 1 {
                    // Anchored to the start of the file.
                    let back = max(0, skipBack)
                    if cursor == 0, count - back <= file.count, matches(pattern, at: 0, skipFront: 0, skipBack: back) { return (0, level) }
                    continue
                }
                skipFront = 0
            }
            if skipBack < 0 {
                // Anchored to the end of the file.
                let position = file.count - count
                if position >= cursor, matches(pattern, at: position, skipFront: skipFront, skipBack: 0) { return (position, level) }
                continue
            }
            let lowest = cursor
            let highest = file.count - count + skipBack
            guard lowest <= highest else { continue }
            let reach = max(highest - guess, guess - lowest)
            var distance = 0
            while distance <= reach {
                let forward = guess + distance
                if forward >= lowest, forward <= highest, matches(pattern, at: forward, skipFront: skipFront, skipBack: skipBack) {
                    return (forward, level)
                }
                let backward = guess - distance
                if distance > 0, backward >= lowest, backward <= highest,
                   matches(pattern, at: backward, skipFront: skipFront, skipBack: skipBack) {
                    return (backward, level)
                }
                distance += 1
            }
        }
        return nil
    }

    private func matches(_ pattern: Pattern, at position: Int, skipFront: Int, skipBack: Int) -> Bool {
        var index = skipFront
        let end = pattern.lines.count - skipBack
        while index < end {
            guard file.line(position + index, equals: pattern.lines[index], hash: pattern.hashes[index]) else { return false }
            index += 1
        }
        return true
    }

    private mutating func emit(_ hunk: Hunk, at position: Int) {
        copyFileLines(upTo: position)
        for line in hunk.lines {
            switch line.kind {
            case .context:
                // Under fuzz a trailing context line may lie past the end of the file.
                if cursor < file.count { copyFileLines(upTo: cursor + 1) }
            case .deletion:
                cursor += 1
            case .addition:
                closeOpenLine()
                if let eol {
                    let bytes = line.bytes[...]
                    output.append(contentsOf: bytes.last == 0x0D ? bytes.dropLast() : bytes)
                    if line.noNewlineAtEnd { lineOpen = true } else { output.append(contentsOf: eol) }
                } else {
                    output.append(contentsOf: line.bytes)
                    if line.noNewlineAtEnd { lineOpen = true } else { output.append(0x0A) }
                }
            }
        }
    }

    /// Copies file lines from the cursor up to (not including) `end` verbatim.
    private mutating func copyFileLines(upTo end: Int) {
        guard end > cursor else { return }
        closeOpenLine()
        output.append(contentsOf: file.bytes[file.lines[cursor].start..<file.lines[end - 1].end])
        let last = file.lines[end - 1]
        lineOpen = last.end == last.contentEnd || file.bytes[last.end - 1] != 0x0A
        cursor = end
    }

    /// Gives the last output line a terminator because more lines follow it.
    private mutating func closeOpenLine() {
        guard lineOpen else { return }
        output.append(contentsOf: eol ?? [0x0A])
        lineOpen = false
    }

    private func failure(index: Int, hunk: Hunk, intended: Int) -> PatchApplyError {
        let expected = hunk.lines.filter { $0.kind != .addition }.map(\.bytes)
        let from = min(max(0, intended), file.count)
        let to = min(file.count, from + expected.count)
        let found = (from..<to).map { Array(file.content($0)) }
        return PatchApplyError(.hunkFailed(hunkIndex: index, header: hunk.headerText, expectedLine: from + 1, expected: expected, found: found))
    }
}
