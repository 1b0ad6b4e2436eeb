import DiffFormat
import GitStore

/// One patch document applied to an in-memory tree, file diff by file diff in
/// patch order (each one a `PatchedFile`): a file the patch touches twice
/// (concatenated patches) is changed twice, as GNU patch does. Every write obeys
/// `TreeShape`; a hostile one is refused naming the patch file and line. Shared
/// by the series and by `compare`.
struct PatchApplication {
    var tree: FileTree
    /// Each path the patch changed, once, in the order first touched.
    var touched: [String] = []
    /// The patch line where the first diff of each touched path begins.
    var lines: [String: Int] = [:]
    /// Hunks that did not apply at their recorded position (offset or fuzz).
    var displaced: [StepReport.HunkNote] = []
    var hunkCount = 0

    /// `stripHint` says which strip level would fit a tree where the patch's files are not found.
    init(_ document: PatchDocument, strip: Int, patchFile: String, to base: FileTree, fuzz: Int,
         stripHint: (FileTree) -> String?) throws {
        tree = base
        for filePatch in document.files {
            let current = tree
            let change = try PatchedFile(filePatch, strip: strip, file: patchFile, in: current, fuzz: fuzz) {
                stripHint(current)
            }
            let path = change.paths.path
            let line = filePatch.nameLines.old
            if let file = change.result, let problem = TreeShape.problem(writing: file, into: tree) {
                guard problem.isHostile else {
                    throw PatchEngineError.patchDoesNotApply(
                        patch: patchFile, file: path, detail: "patch line \(line): \(problem.reason)")
                }
                throw PatchEngineError.unsafePatch(file: patchFile, line: line, path: path, reason: problem.reason)
            }
            change.write(into: &tree)
            for touchedPath in change.touched where lines[touchedPath] == nil {
                touched.append(touchedPath)
                lines[touchedPath] = line
            }
            hunkCount += change.applied.hunks.count
            for (index, hunk) in change.applied.hunks.enumerated() where hunk.offset != 0 || hunk.fuzz != 0 {
                displaced.append(.init(file: path, hunk: index + 1, offset: hunk.offset, fuzz: hunk.fuzz))
            }
        }
    }
}
