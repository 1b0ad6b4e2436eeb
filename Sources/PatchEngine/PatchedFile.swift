import DiffFormat
import GitStore

/// One file patch applied to a tree: the paths chosen for it (GNU patch's
/// choice for plain diffs, git's names for git diffs) and the result, ready
/// to be written back. Every path it reads or writes passes `TreeFile.pathProblem`
/// and lies below directories only; the shape of the write is checked by
/// `PatchApplication`, which knows the rest of the tree.
struct PatchedFile {
    let filePatch: FilePatch
    let paths: ChosenPaths
    let applied: AppliedFile
    let mode: TreeFile.Mode

    /// Chooses the paths in `tree` and applies the hunks; the errors name the
    /// patch file and line, and `stripHint` suggests the strip level that fits the tree.
    init(_ filePatch: FilePatch, strip: Int, file: String, in tree: FileTree, fuzz: Int,
         stripHint: () -> String?) throws {
        let paths: ChosenPaths
        do {
            paths = try filePatch.choosePaths(strip: strip, exists: { tree[$0] != nil })
        } catch {
            throw PatchEngineError.badPath(file: file, detail: "\(error)", hint: stripHint())
        }
        for path in [paths.source, paths.destination].compactMap({ $0 }) {
            var reason = TreeFile.pathProblem(path)
            if reason == nil, let problem = TreeShape.ancestorProblem(of: path, in: tree), problem.isHostile {
                reason = problem.reason
            }
            if let reason {
                throw PatchEngineError.unsafePatch(file: file, line: filePatch.nameLines.old, path: path, reason: reason)
            }
        }
        let original = paths.source.flatMap { tree[$0] }
        if filePatch.gitOperation != nil, let destination = paths.destination, destination != paths.source,
           tree[destination] != nil {
            throw PatchEngineError.patchDoesNotApply(
                patch: file, file: destination,
                detail: "patch line \(filePatch.nameLines.new): the \(filePatch.gitOperation == .rename ? "rename" : "copy") "
                    + "would replace a file that already exists")
        }
        do {
            applied = try DiffFormat.apply(filePatch, to: original?.contents, fuzz: fuzz)
        } catch {
            var detail = "patch line \(filePatch.nameLines.old): \(error)"
            if error.problem == .missingTarget, let hint = stripHint() { detail += "; " + hint }
            throw PatchEngineError.patchDoesNotApply(patch: file, file: paths.path, detail: detail)
        }
        self.filePatch = filePatch
        self.paths = paths
        self.mode = TreeFile.Mode(gitMode: filePatch.modes.newMode) ?? original?.mode ?? .regular
    }

    /// Every tree path the change touches: a rename touches its source too.
    var touched: [String] {
        var result = [paths.path]
        if filePatch.gitOperation == .rename, let source = paths.source, source != paths.path { result.insert(source, at: 0) }
        return result
    }

    /// The file the change leaves at `paths.path`; nil when it deletes it.
    var result: TreeFile? {
        applied.contents.map { TreeFile(path: paths.path, contents: $0, mode: mode) }
    }

    func write(into tree: inout FileTree) {
        if filePatch.gitOperation == .rename, let source = paths.source { tree[source] = nil }
        tree[paths.path] = result
    }
}
