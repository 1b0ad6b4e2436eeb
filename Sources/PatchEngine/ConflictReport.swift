import DiffFormat

/// Two hunks, from two patches, that change the same base lines of a file.
public struct HunkOverlap: Sendable {
    public var earlierPatch: String
    public var earlier: Hunk
    public var laterPatch: String
    public var later: Hunk

    /// Whether two hunks' old-side ranges touch (adjacent counts: git's merge
    /// refuses to interleave edits on neighbouring lines).
    static func meet(_ a: Hunk, _ b: Hunk) -> Bool {
        let aEnd = a.oldStart + max(a.oldCount, 1)
        let bEnd = b.oldStart + max(b.oldCount, 1)
        return a.oldStart <= bEnd && b.oldStart <= aEnd
    }

    /// `funcname (lines 120-131)` from a hunk header.
    static func place(_ hunk: Hunk) -> String {
        let range = "lines \(hunk.oldStart)-\(hunk.oldStart + max(hunk.oldCount, 1) - 1)"
        let section = hunk.sectionText.trimmingWhitespace()
        return section.isEmpty ? range : "\(section) (\(range))"
    }
}

public struct ConflictFile: Sendable {
    public var path: String
    /// The file with diff3 conflict markers, labelled with the patch names.
    public var diff3: [UInt8]
    public var overlaps: [HunkOverlap]
}

/// Why a patch could not be folded into the series: which earlier patches it
/// collides with, where, the two hunks side by side, and the diff3 text.
public struct ConflictReport: Sendable, CustomStringConvertible {
    public var patch: String
    public var feature: String
    public var appliedBefore: [String]
    public var files: [ConflictFile]
    /// The series up to the last patch that applied, for `--keep-failed`.
    public var completed: SeriesResult

    /// The earlier patches this one collides with.
    public var collidesWith: [String] {
        var seen: [String] = []
        for overlap in files.flatMap(\.overlaps) where !seen.contains(overlap.earlierPatch) {
            seen.append(overlap.earlierPatch)
        }
        return seen
    }

    public var description: String {
        var out = "conflict: \(patch) collides with \(collidesWith.isEmpty ? appliedBefore.joined(separator: ", ") : collidesWith.joined(separator: ", "))"
        out += " (applied before it: \(appliedBefore.joined(separator: ", ")))\n"
        for file in files {
            out += "\n  \(file.path):\n"
            for overlap in file.overlaps {
                out += "    \(overlap.earlierPatch): \(HunkOverlap.place(overlap.earlier))"
                out += "  vs  \(overlap.laterPatch): \(HunkOverlap.place(overlap.later))\n"
                out += sideBySide(left: (overlap.earlierPatch, overlap.earlier),
                                  right: (overlap.laterPatch, overlap.later))
            }
            out += "\n    merge result with conflict markers:\n"
            out += markedRegions(file.diff3).map { "      " + $0 }.joined(separator: "\n") + "\n"
        }
        out += "\nNothing was written. Ship a resolution (patches/resolutions/\(feature)-on-<feature>.patch with "
        out += "'Resolves:'), drop one of the features, or reorder the recipe."
        return out
    }

    private func sideBySide(left: (String, Hunk), right: (String, Hunk)) -> String {
        let width = 58
        let l = [left.0] + Self.lines(of: left.1)
        let r = [right.0] + Self.lines(of: right.1)
        var out = ""
        for index in 0..<max(l.count, r.count) {
            let a = index < l.count ? Self.clip(l[index], width) : ""
            let b = index < r.count ? Self.clip(r[index], width) : ""
            out += "      " + a.padding(toLength: width, withPad: " ", startingAt: 0) + " | " + b + "\n"
        }
        return out
    }

    private static func lines(of hunk: Hunk) -> [String] {
        ["@@ -\(hunk.oldStart),\(hunk.oldCount) +\(hunk.newStart),\(hunk.newCount) @@"]
            + hunk.lines.map { line in
                let marker: String
                switch line.kind {
                case .context: marker = " "
                case .deletion: marker = "-"
                case .addition: marker = "+"
                }
                return marker + line.text
            }
    }

    private static func clip(_ text: String, _ width: Int) -> String {
        let expanded = text.replacingOccurrences(of: "\t", with: "    ")
        return expanded.count > width ? String(expanded.prefix(width - 1)) + "…" : expanded
    }

    /// Only the conflicted regions of the diff3 text, with three lines around them.
    private func markedRegions(_ diff3: [UInt8]) -> [String] {
        let lines = String(decoding: diff3, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var keep = Set<Int>()
        var inside = false
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("<<<<<<<") { inside = true }
            if inside { keep.formUnion(max(0, index - 3)...min(lines.count - 1, index + 3)) }
            if line.hasPrefix(">>>>>>>") { inside = false }
        }
        var out: [String] = []
        var previous = -2
        for index in keep.sorted() {
            if index != previous + 1, !out.isEmpty { out.append("…") }
            out.append(String(lines[index]))
            previous = index
        }
        return out
    }
}
