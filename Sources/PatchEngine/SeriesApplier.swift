import DiffFormat
import Foundation
import GitStore

/// What one step of a series did, for the per-patch summary and the commit message.
public struct StepReport: Sendable {
    public struct HunkNote: Sendable, Equatable {
        public var file: String
        /// 1-based hunk number within the file.
        public var hunk: Int
        public var offset: Int
        public var fuzz: Int

        public init(file: String, hunk: Int, offset: Int, fuzz: Int) {
            self.file = file
            self.hunk = hunk
            self.offset = offset
            self.fuzz = fuzz
        }
    }

    public var feature: String
    public var patchName: String
    public var patchFile: String
    public var resolves: [String]
    public var baseDescription: String
    public var files: [String]
    public var hunkCount: Int
    /// Hunks that did not apply at their recorded position (offset or fuzz).
    public var displacedHunks: [HunkNote]
    /// Files where the patch had to be folded in with a three-way merge.
    public var mergedFiles: [String]
    public var bytesSHA256: String
    public var canonicalSHA256: String
}

/// The outcome of a series: the pristine tree, the tree after each step, and reports.
public struct SeriesResult: Sendable {
    public var pristine: FileTree
    public var steps: [(report: StepReport, tree: FileTree)]
    public var final: FileTree { steps.last?.tree ?? pristine }

    public init(pristine: FileTree, steps: [(report: StepReport, tree: FileTree)]) {
        self.pristine = pristine
        self.steps = steps
    }
}

/// Applies a `SeriesPlan` in memory: each patch to its declared base, then folded
/// into the running result with a three-way merge, so that two patches colliding
/// show up as a collision between them rather than as a failed hunk.
public final class SeriesApplier {
    public let catalog: PatchCatalog
    public let pristine: FileTree
    public let fuzz: Int
    private var baseTrees: [[String]: FileTree] = [:]

    public init(catalog: PatchCatalog, pristine: FileTree, fuzz: Int = 0) {
        self.catalog = catalog
        self.pristine = pristine
        self.fuzz = fuzz
        baseTrees[[]] = pristine
    }

    /// Runs the plan; throws `.conflicts` with a full report on the first collision.
    public func run(_ plan: SeriesPlan) throws -> SeriesResult {
        var result = pristine
        var applied: [String] = []
        var steps: [(report: StepReport, tree: FileTree)] = []
        for step in plan.steps {
            guard let patch = catalog.patches[step.patchName] else {
                throw PatchEngineError.io("patch '\(step.patchName)' is not loaded")
            }
            let base = try baseTree(patch.metadata.baseFeatures)
            let application = try PatchApplication(patch.document, strip: patch.stripLevel, patchFile: patch.file,
                                                   to: base, fuzz: fuzz) { patch.stripHint(against: $0) }
            let patched = application.tree
            var merged: [String] = []
            var conflicts: [ConflictFile] = []
            for path in application.touched {
                let ancestor = base[path], ours = result[path], theirs = patched[path]
                let folded: TreeFile?
                if ours == ancestor {
                    folded = theirs
                } else if theirs == ancestor || ours == theirs {
                    continue
                } else if let ours, let theirs, (ours.mode == .symlink) != (theirs.mode == .symlink) {
                    throw clash(patch, path, line: application.lines[path] ?? 0, .symlinkAndFile, otherPath: path, steps: steps)
                } else {
                    let outcome = try FileMerge.threeWay(
                        ancestor: ancestor?.contents, ours: ours?.contents, theirs: theirs?.contents,
                        labels: MergeLabels(ancestor: describeBase(patch.metadata), ours: describeResult(applied),
                                            theirs: patch.name))
                    guard outcome.isClean else {
                        conflicts.append(ConflictFile(
                            path: path, diff3: outcome.contents ?? [],
                            regions: try conflictRegions(of: patch, in: path, ancestor: ancestor?.contents ?? [],
                                                         ours: ours?.contents ?? [], theirs: theirs?.contents ?? [],
                                                         pristine: pristine, steps: steps)))
                        continue
                    }
                    folded = outcome.contents.map {
                        TreeFile(path: path, contents: $0, mode: theirs?.mode ?? ours?.mode ?? .regular)
                    }
                    merged.append(path)
                }
                if let folded, let problem = TreeShape.problem(writing: folded, into: result) {
                    let line = application.lines[path] ?? 0
                    guard let (shape, other) = problem.clash else {
                        throw PatchEngineError.unsafePatch(file: patch.file, line: line, path: path, reason: problem.reason)
                    }
                    throw clash(patch, path, line: line, shape, otherPath: other, steps: steps)
                }
                result[path] = folded
            }
            if !conflicts.isEmpty {
                let conflicted = conflicts.map(\.path)
                throw PatchEngineError.conflicts(ConflictReport(
                    patch: patch.name, feature: step.feature, base: describeBase(patch.metadata), appliedBefore: applied,
                    files: conflicts, cleanFiles: application.touched.filter { !conflicted.contains($0) },
                    completed: SeriesResult(pristine: pristine, steps: steps)))
            }
            applied.append(step.feature)
            let report = StepReport(
                feature: step.feature, patchName: patch.name, patchFile: patch.file, resolves: step.resolves,
                baseDescription: describeBase(patch.metadata), files: application.touched,
                hunkCount: application.hunkCount, displacedHunks: application.displaced, mergedFiles: merged,
                bytesSHA256: patch.bytesSHA256, canonicalSHA256: patch.canonicalSHA256)
            steps.append((report, result))
        }
        return SeriesResult(pristine: pristine, steps: steps)
    }

    /// The tree a patch with `Base: <source> + features` was written against,
    /// built (once) by running those features' own series.
    public func baseTree(_ features: [String]) throws -> FileTree {
        let ordered = catalog.features.filter(features.contains)
        if let tree = baseTrees[ordered] { return tree }
        let tree = try run(catalog.planner.plan(selecting: ordered)).final
        baseTrees[ordered] = tree
        return tree
    }

    /// `patch` writing `path` gives the tree an impossible shape next to `otherPath`,
    /// which an earlier step of the series (or the pristine tree) holds.
    private func clash(_ patch: LoadedPatch, _ path: String, line: Int, _ shape: TreeClash.Shape, otherPath: String,
                       steps: [(report: StepReport, tree: FileTree)]) -> PatchEngineError {
        let owner = steps.last { $0.report.files.contains(otherPath) }?.report
        return .treeClash(TreeClash(patch: patch.name, patchFile: patch.file, line: line, path: path, shape: shape,
                                    otherPath: otherPath, otherPatch: owner?.patchName, otherPatchFile: owner?.patchFile))
    }

    /// The places of `path` the merge of `patch` into the series cannot reconcile,
    /// each with the earlier patches whose changes make the series' side of it.
    private func conflictRegions(of patch: LoadedPatch, in path: String, ancestor: [UInt8], ours: [UInt8], theirs: [UInt8],
                                 pristine: FileTree, steps: [(report: StepReport, tree: FileTree)]) throws -> [ConflictRegion] {
        let baseLines = MergeRegions.lines(of: ancestor)
        let oursLines = MergeRegions.lines(of: ours), theirsLines = MergeRegions.lines(of: theirs)
        let regions = MergeRegions.conflicts(
            ancestorCount: baseLines.count, ours: try LineChanges.between(ancestor, ours), oursLines: oursLines,
            theirs: try LineChanges.between(ancestor, theirs), theirsLines: theirsLines)
        guard !regions.isEmpty else { return [] }
        // What each earlier step touching the file changed, against the same ancestor.
        var trees = [pristine] + steps.map(\.tree)
        trees.removeLast()
        var contributions: [(patch: String, before: [LineChange], beforeLines: [ArraySlice<UInt8>],
                             after: [LineChange], afterLines: [ArraySlice<UInt8>])] = []
        for (step, before) in zip(steps, trees) where step.report.files.contains(path) {
            let old = before[path]?.contents ?? [], new = step.tree[path]?.contents ?? []
            contributions.append((step.report.patchName, try LineChanges.between(ancestor, old), MergeRegions.lines(of: old),
                                  try LineChanges.between(ancestor, new), MergeRegions.lines(of: new)))
        }
        let functions = [".c", ".h", ".y"].contains(where: path.hasSuffix) ? CFunctions.definitions(in: ancestor) : nil
        func text(_ lines: [ArraySlice<UInt8>], _ range: Range<Int>) -> [String] {
            lines[range].map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .newlines) }
        }
        return regions.map { region in
            /// The changes meeting the region, with their new text.
            func meeting(_ changes: [LineChange], _ lines: [ArraySlice<UInt8>]) -> [[ArraySlice<UInt8>]] {
                changes.filter { $0.oldStart <= region.base.upperBound && region.base.lowerBound <= $0.oldEnd }
                    .map { [ArraySlice(Array("\($0.oldStart),\($0.oldCount)".utf8))] + lines[$0.newStart..<$0.newEnd] }
            }
            let earlier = contributions.filter { meeting($0.before, $0.beforeLines) != meeting($0.after, $0.afterLines) }
                .map(\.patch)
            let span = LineSpan(first: region.base.lowerBound + 1, count: region.base.count)
            return ConflictRegion(
                earlierPatches: earlier.isEmpty ? ["the series"] : earlier, laterPatch: patch.name,
                place: functions.map { CFunctions.place(of: span, among: $0) },
                earlierLines: region.oursBase, laterLines: region.theirsBase, baseLines: span,
                baseText: text(baseLines, region.base), earlierText: text(oursLines, region.ours),
                laterText: text(theirsLines, region.theirs))
        }
    }

    private func describeBase(_ metadata: PatchMetadata) -> String {
        ([metadata.baseSource] + metadata.baseFeatures).joined(separator: " + ")
    }

    private func describeResult(_ applied: [String]) -> String {
        applied.isEmpty ? "pristine" : applied.joined(separator: "+")
    }
}
