import DiffFormat
import GitStore

/// A place a three-way merge cannot reconcile: the ancestor lines both sides
/// rewrote differently, what each side wrote there, and which ancestor lines each
/// side's own changes cover.
public struct MergeRegion: Hashable, Sendable {
    /// Ancestor lines the region spans (0-based indexes).
    public var base: Range<Int>
    /// The lines of each side that stand in the region's place.
    public var ours: Range<Int>
    public var theirs: Range<Int>
    /// The ancestor lines each side's changes in the region cover.
    public var oursBase: LineSpan
    public var theirsBase: LineSpan
}

/// Which changes of two sides a three-way merge cannot reconcile, decided as
/// git's merge (xdiff, diff3 style) decides it, from the same change blocks:
/// - changes of one side only merge cleanly, however close to each other;
/// - a change of each side that overlap or touch (no unchanged ancestor line
///   between them) conflict, unless they are the same change (same ancestor
///   lines, same new text): identical edits merge cleanly;
/// - a change of either side that touches a conflict joins it.
///
/// Sans-IO: change blocks and lines in, regions out. Cost: linear in the blocks
/// plus the lines compared for identical edits.
public enum MergeRegions {
    public static func conflicts<Line: Equatable>(
        ancestorCount: Int, ours: [LineChange], oursLines: [Line], theirs: [LineChange], theirsLines: [Line]
    ) -> [MergeRegion] {
        var merger = Merger()
        var a = ours[...], b = theirs[...]
        while let x = a.first, let y = b.first {
            if x.oldEnd < y.oldStart {
                merger.add(.ours, base: x.oldStart, x.oldCount, ours: x.newStart, x.newCount,
                           theirs: y.newStart - y.oldStart + x.oldStart, x.oldCount, oursBase: x, theirsBase: nil)
                a = a.dropFirst()
                continue
            }
            if y.oldEnd < x.oldStart {
                merger.add(.theirs, base: y.oldStart, y.oldCount, ours: x.newStart - x.oldStart + y.oldStart, y.oldCount,
                           theirs: y.newStart, y.newCount, oursBase: nil, theirsBase: y)
                b = b.dropFirst()
                continue
            }
            let identical = x.oldStart == y.oldStart && x.oldCount == y.oldCount && x.newCount == y.newCount
                && oursLines[x.newStart..<x.newEnd].elementsEqual(theirsLines[y.newStart..<y.newEnd])
            if !identical {
                // Both sides widened to the union of the two ancestor ranges.
                let start = min(x.oldStart, y.oldStart), end = max(x.oldEnd, y.oldEnd)
                merger.add(.conflict, base: start, end - start,
                           ours: x.newStart - (x.oldStart - start), x.newCount + (x.oldStart - start) + (end - x.oldEnd),
                           theirs: y.newStart - (y.oldStart - start), y.newCount + (y.oldStart - start) + (end - y.oldEnd),
                           oursBase: x, theirsBase: y)
            }
            if x.oldEnd >= y.oldEnd { b = b.dropFirst() }
            if y.oldEnd >= x.oldEnd { a = a.dropFirst() }
        }
        let oursGrowth = oursLines.count - ancestorCount, theirsGrowth = theirsLines.count - ancestorCount
        for x in a {
            merger.add(.ours, base: x.oldStart, x.oldCount, ours: x.newStart, x.newCount,
                       theirs: x.oldStart + theirsGrowth, x.oldCount, oursBase: x, theirsBase: nil)
        }
        for y in b {
            merger.add(.theirs, base: y.oldStart, y.oldCount, ours: y.oldStart + oursGrowth, y.oldCount,
                       theirs: y.newStart, y.newCount, oursBase: nil, theirsBase: y)
        }
        return merger.entries.compactMap { entry in
            guard entry.kind == .conflict, let oursBase = entry.oursBase, let theirsBase = entry.theirsBase else { return nil }
            return MergeRegion(base: entry.base, ours: entry.ours, theirs: entry.theirs,
                               oursBase: oursBase, theirsBase: theirsBase)
        }
    }

    /// A file's lines as the merge compares them: each with its terminator, so
    /// that a last line without one differs from the same line with one.
    public static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            lines.append(bytes[start...index])
            start = index + 1
        }
        if start < bytes.count { lines.append(bytes[start...]) }
        return lines
    }

    private struct Merger {
        enum Kind { case conflict, ours, theirs }

        struct Entry {
            var kind: Kind
            var base: Range<Int>
            var ours: Range<Int>
            var theirs: Range<Int>
            var oursBase: LineSpan?
            var theirsBase: LineSpan?
        }

        var entries: [Entry] = []

        /// Appends a change, joining it to the previous entry when the two touch on
        /// either side; entries of different kinds joined make a conflict.
        mutating func add(_ kind: Kind, base: Int, _ baseCount: Int, ours: Int, _ oursCount: Int,
                          theirs: Int, _ theirsCount: Int, oursBase: LineChange?, theirsBase: LineChange?) {
            let oursSpan = oursBase.map { LineSpan(first: $0.oldStart + 1, count: $0.oldCount) }
            let theirsSpan = theirsBase.map { LineSpan(first: $0.oldStart + 1, count: $0.oldCount) }
            if var last = entries.last, ours <= last.ours.upperBound || theirs <= last.theirs.upperBound {
                if kind != last.kind { last.kind = .conflict }
                last.base = last.base.lowerBound..<max(last.base.lowerBound, base + baseCount)
                last.ours = last.ours.lowerBound..<max(last.ours.lowerBound, ours + oursCount)
                last.theirs = last.theirs.lowerBound..<max(last.theirs.lowerBound, theirs + theirsCount)
                last.oursBase = Self.join(last.oursBase, oursSpan)
                last.theirsBase = Self.join(last.theirsBase, theirsSpan)
                entries[entries.count - 1] = last
            } else {
                entries.append(Entry(kind: kind, base: base..<base + baseCount, ours: ours..<ours + oursCount,
                                     theirs: theirs..<theirs + theirsCount, oursBase: oursSpan, theirsBase: theirsSpan))
            }
        }

        private static func join(_ a: LineSpan?, _ b: LineSpan?) -> LineSpan? {
            guard let a else { return b }
            guard let b else { return a }
            return a.union(b)
        }
    }
}
