/// `-pN` path handling shared by everything that maps patch paths to a tree.
public enum PatchPaths {
    /// Removes `level` leading components from `path` (like `patch -pN`; runs
    /// of `/` count as one separator), drops `.` components, and refuses
    /// results that are empty, absolute or contain `..`, so a patch can never
    /// reach outside the tree it is applied to.
    public static func strip(_ path: String, level: Int) throws(PatchPathError) -> String {
        var rest = Substring(path)
        for _ in 0..<max(0, level) {
            guard let slash = rest.firstIndex(of: "/") else {
                throw PatchPathError(path: path, .tooFewComponents(level: level))
            }
            rest = rest[rest.index(after: slash)...].drop { $0 == "/" }
        }
        if rest.hasPrefix("/") { throw PatchPathError(path: path, .absolute) }
        let components = rest.split(separator: "/").filter { $0 != "." }
        if components.contains("..") { throw PatchPathError(path: path, .parentReference) }
        guard !components.isEmpty else { throw PatchPathError(path: path, .empty) }
        return components.joined(separator: "/")
    }
}

extension FilePatch {
    /// The tree-relative path this patch changes after stripping `level`
    /// components: the new path for a creation, the old one for a deletion.
    /// When old and new names differ (`foo.c.orig` vs `foo.c`), the name with
    /// fewer components, then the shorter base name, then the shorter name
    /// wins, old name on a tie (GNU patch's choice when neither file exists).
    public func targetPath(strip level: Int) throws(PatchPathError) -> String {
        let old = try oldPath.map { path throws(PatchPathError) in try PatchPaths.strip(path, level: level) }
        let new = try newPath.map { path throws(PatchPathError) in try PatchPaths.strip(path, level: level) }
        switch (old, new) {
        case (let old?, let new?):
            if old == new { return old }
            func rank(_ path: String) -> (Int, Int, Int) {
                let components = path.split(separator: "/")
                return (components.count, components.last?.count ?? 0, path.count)
            }
            return rank(new) < rank(old) ? new : old
        case (let old?, nil): return old
        case (nil, let new?): return new
        case (nil, nil): throw PatchPathError(path: "/dev/null", .empty)
        }
    }
}

extension PatchDocument {
    /// Chooses the `-pN` level for applying this patch to a tree holding
    /// `existingPaths` (tree-relative file paths), as patch and quilt do: the
    /// smallest N for which every file the patch modifies or deletes exists;
    /// failing that, the N under which most of them exist. A patch that only
    /// creates files carries no evidence: then -p1 if every path has a leading
    /// directory (the `a/`, `b/` convention), else -p0.
    ///
    /// Cost: O(files × levels). Throws when no level finds any file.
    public func guessStripLevel(existingPaths: Set<String>) throws(PatchPathError) -> Int {
        let modifying = files.filter { !$0.isCreation }
        guard !modifying.isEmpty else {
            let paths = files.compactMap(\.newPath)
            return paths.allSatisfy({ $0.contains("/") }) && !paths.isEmpty ? 1 : 0
        }
        let deepest = modifying.map { file in
            [file.oldPath, file.newPath].compactMap { $0?.split(separator: "/").count }.max() ?? 1
        }.max() ?? 1
        var best: (level: Int, found: Int)?
        for level in 0..<deepest {
            let found = modifying.count { file in
                [file.oldPath, file.newPath].contains { path in
                    guard let path, let stripped = try? PatchPaths.strip(path, level: level) else { return false }
                    return existingPaths.contains(stripped)
                }
            }
            if found == modifying.count { return level }
            if found > (best?.found ?? 0) { best = (level, found) }
        }
        guard let best else {
            throw PatchPathError(path: modifying[0].oldPath ?? modifying[0].newPath ?? "", .noMatchingStripLevel)
        }
        return best.level
    }
}
