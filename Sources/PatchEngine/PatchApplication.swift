import DiffFormat
import GitStore

/// One patch document applied to an in-memory tree, file diff by file diff in
/// patch order: a file the patch touches twice (concatenated patches) is changed
/// twice, as GNU patch does. Every write obeys `TreeShape`; a hostile one is
/// refused naming the patch file and line.
struct PatchApplication {
    var tree: FileTree
    /// Each path the patch changed, once, in the order first touched.
    var touched: [String] = []
    /// The patch line where the first diff of each touched path begins.
    var lines: [String: Int] = [:]
    /// Hunks that did not apply at their recorded position (offset or fuzz).
    var displaced: [StepReport.HunkNote] = []
    var hunkCount = 0

    init(_ document: PatchDocument, strip: Int, patchFile: String, to base: FileTree, fuzz: Int) throws {
        tree = base
        for filePatch in document.files {
            let path = try filePatch.targetPath(strip: strip)
            if let reason = TreeFile.pathProblem(path) {
                throw PatchEngineError.unsafePatch(file: patchFile, line: filePatch.line, path: path, reason: reason)
            }
            let original = tree[path]
            let applied: AppliedFile
            do {
                applied = try DiffFormat.apply(filePatch, to: original?.contents, fuzz: fuzz)
            } catch {
                throw PatchEngineError.patchDoesNotApply(patch: patchFile, file: path, detail: "\(error)")
            }
            if let contents = applied.contents {
                let mode = TreeFile.Mode(gitMode: filePatch.modes.newMode) ?? original?.mode ?? .regular
                let file = TreeFile(path: path, contents: contents, mode: mode)
                if let problem = TreeShape.problem(writing: file, into: tree) {
                    guard problem.isHostile else {
                        throw PatchEngineError.patchDoesNotApply(
                            patch: patchFile, file: path, detail: "line \(filePatch.line): \(problem.reason)")
                    }
                    throw PatchEngineError.unsafePatch(file: patchFile, line: filePatch.line, path: path,
                                                       reason: problem.reason)
                }
                tree[path] = file
            } else {
                tree[path] = nil
            }
            if lines[path] == nil {
                touched.append(path)
                lines[path] = filePatch.line
            }
            hunkCount += applied.hunks.count
            for (index, hunk) in applied.hunks.enumerated() where hunk.offset != 0 || hunk.fuzz != 0 {
                displaced.append(.init(file: path, hunk: index + 1, offset: hunk.offset, fuzz: hunk.fuzz))
            }
        }
    }
}
