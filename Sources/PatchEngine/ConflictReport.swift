import DiffFormat

/// One place of a file that the three-way merge of a patch into the series
/// cannot reconcile. Line numbers are those of the file in the tree the later
/// patch was written against (its declared base).
public struct ConflictRegion: Sendable {
    /// The earlier patches whose changes make the series' side of the region.
    public var earlierPatches: [String]
    public var laterPatch: String
    /// The C function(s) holding the region; nil for a file that is not C.
    public var place: CodePlace?
    /// The base lines the series' changes in the region cover, and the later patch's.
    public var earlierLines: LineSpan
    public var laterLines: LineSpan
    /// The base lines of the whole region, and what each side puts in their place.
    public var baseLines: LineSpan
    public var baseText: [String]
    public var earlierText: [String]
    public var laterText: [String]

    public var pair: String { "\(earlierPatches.joined(separator: "+")) vs \(laterPatch)" }
}

public struct ConflictFile: Sendable {
    public var path: String
    /// The file with diff3 conflict markers, labelled with the patch names.
    public var diff3: [UInt8]
    /// In file order.
    public var regions: [ConflictRegion]
}

/// Why a patch could not be folded into the series: first a summary of the places
/// the three-way merge cannot reconcile (pair, file, containing function, the base
/// lines of each side), then each place's text, bounded in size.
public struct ConflictReport: Sendable, CustomStringConvertible {
    public var patch: String
    public var feature: String
    /// What the patch was written against (`netqmail-1.06 + auth`): the tree whose line numbers the report uses.
    public var base: String
    public var appliedBefore: [String]
    public var files: [ConflictFile]
    /// Files the patch changes that merged cleanly into the series.
    public var cleanFiles: [String]
    /// The series up to the last patch that applied, for `--keep-failed`.
    public var completed: SeriesResult

    /// At most this many lines of region text in the details, and per side of a region.
    static let detailBudget = 200
    static let sideBudget = 15

    public var regions: [(path: String, region: ConflictRegion)] {
        files.flatMap { file in file.regions.map { (file.path, $0) } }
    }

    /// The earlier patches this one collides with.
    public var collidesWith: [String] {
        var seen: [String] = []
        for name in regions.flatMap({ $0.region.earlierPatches }) where !seen.contains(name) {
            seen.append(name)
        }
        return seen
    }

    public var description: String {
        let all = regions
        var out = "conflict: \(patch) collides with \(collidesWith.isEmpty ? appliedBefore.joined(separator: ", ") : collidesWith.joined(separator: ", "))"
        out += " (applied before it: \(appliedBefore.joined(separator: ", ")))\n"
        out += "\(all.count) \(all.count == 1 ? "place" : "places") the three-way merge cannot reconcile "
        out += "(line numbers of \(base), which \(patch) was written against):\n"
        for (number, entry) in all.enumerated() {
            out += "  \(number + 1). " + summaryLine(entry.path, entry.region) + "\n"
        }
        out += "Changes that merge cleanly, identical edits on both sides included, are not listed.\n"
        out += details(all)
        out += "\nShip a resolution (patches/resolutions/\(feature)-on-<feature>.patch with "
        out += "'Resolves:'), drop one of the features, or reorder the recipe."
        return out
    }

    private func summaryLine(_ path: String, _ region: ConflictRegion) -> String {
        var line = "\(region.pair): \(path)"
        if let place = region.place { line += " \(place)" }
        let earlier = region.earlierPatches.joined(separator: "+")
        return line + "; \(earlier) \(region.earlierLines), \(region.laterPatch) \(region.laterLines)"
    }

    private func details(_ all: [(path: String, region: ConflictRegion)]) -> String {
        var out = "\ndetails:\n"
        var spent = 0
        for (number, entry) in all.enumerated() {
            let region = entry.region
            let sides = [("\(base) (\(region.baseLines))", region.baseText),
                         ("\(region.earlierPatches.joined(separator: "+")) makes it", region.earlierText),
                         ("\(region.laterPatch) makes it", region.laterText)]
            let cost = sides.map { min($0.1.count, Self.sideBudget) }.reduce(0, +)
            if spent > 0, spent + cost > Self.detailBudget {
                let leftOut = all[number...].map { $0.region.baseText.count + $0.region.earlierText.count + $0.region.laterText.count }
                out += "  [left out: the text of places \(number + 1)-\(all.count) (\(leftOut.reduce(0, +)) lines); "
                out += "--keep-failed keeps every conflicted file with its conflict markers]\n"
                return out
            }
            spent += cost
            out += "  \(number + 1). \(region.pair): \(entry.path)" + (region.place.map { " \($0)" } ?? "") + "\n"
            for (title, text) in sides {
                out += "     \(title):\n"
                for line in text.prefix(Self.sideBudget) { out += "       | \(line)\n" }
                if text.isEmpty { out += "       (nothing)\n" }
                if text.count > Self.sideBudget { out += "       [\(text.count - Self.sideBudget) more lines left out]\n" }
            }
        }
        return out
    }
}
