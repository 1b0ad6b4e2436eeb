/// `-pN` path handling shared by everything that maps patch paths to a tree.
public enum PatchPaths {
    /// Removes `level` leading components from `path` (like `patch -pN`; runs
    /// of `/` count as one separator), drops `.` components, and refuses
    /// results that are empty, absolute or contain `..`, so a patch can never
    /// reach outside the tree it is applied to.
    /// `line` (the patch line the path was read from) only goes into errors.
    public static func strip(_ path: String, level: Int, line: Int? = nil) throws(PatchPathError) -> String {
        var rest = Substring(path)
        for _ in 0..<max(0, level) {
            guard let slash = rest.firstIndex(of: "/") else {
                throw PatchPathError(path: path, .tooFewComponents(level: level), line: line)
            }
            rest = rest[rest.index(after: slash)...].drop { $0 == "/" }
        }
        if rest.hasPrefix("/") { throw PatchPathError(path: path, .absolute, line: line) }
        let components = rest.split(separator: "/").filter { $0 != "." }
        if components.contains("..") { throw PatchPathError(path: path, .parentReference, line: line) }
        guard !components.isEmpty else { throw PatchPathError(path: path, .empty, line: line) }
        return components.joined(separator: "/")
    }
}

/// The tree paths one file patch reads and writes, once chosen.
public struct ChosenPaths: Sendable, Equatable {
    /// The file read (nil when the patch creates the file).
    public var source: String?
    /// The file written (nil when the patch deletes it). Differs from `source`
    /// only for a git rename or copy.
    public var destination: String?

    public init(source: String?, destination: String?) {
        self.source = source
        self.destination = destination
    }

    /// The one path a change in place touches (source and destination agree then).
    public var path: String { destination ?? source ?? "" }
}

extension FilePatch {
    /// Chooses the tree paths this file patch reads and writes at `-p<level>`,
    /// the way GNU patch does for plain diffs and `git apply` for git diffs.
    ///
    /// git diffs: the old and new names are taken literally (a rename or copy
    /// reads the old one and writes the new one).
    ///
    /// Plain diffs: the candidates are the old name, the new name (also the
    /// name `diff -N` writes with an epoch timestamp for a missing side) and,
    /// when neither is usable, the `Index:` name (in that order). A name is not a
    /// candidate when it is `/dev/null`, has too few components for the level,
    /// or is unsafe after stripping (absolute, or with a `..` component); GNU
    /// patch likewise ignores such names. Among the candidates that `exists`
    /// in the tree the best one wins; when none exists, the best of all of
    /// them. Best: fewest components, then shortest base name, then shortest
    /// name, then the first.
    ///
    /// Throws, with the patch line of the name, when no candidate is left:
    /// the problem of the unsafe name if there was one, else too few components.
    public func choosePaths(strip level: Int, exists: (String) -> Bool) throws(PatchPathError) -> ChosenPaths {
        if isGit {
            let old = try oldPath.map { path throws(PatchPathError) in try PatchPaths.strip(path, level: level, line: nameLines.old) }
            let new = try newPath.map { path throws(PatchPathError) in try PatchPaths.strip(path, level: level, line: nameLines.new) }
            guard old != nil || new != nil else { throw PatchPathError(path: "/dev/null", .empty, line: nameLines.old) }
            return ChosenPaths(source: old, destination: new)
        }
        var candidates: [String] = []
        var refused: PatchPathError?
        func consider(_ name: String?, line: Int) {
            guard let name else { return }
            do {
                candidates.append(try PatchPaths.strip(name, level: level, line: line))
            } catch {
                // An unsafe name says more than a short one: report the first of those.
                let tooShort = PatchPathError.Problem.tooFewComponents(level: level)
                if refused == nil || (refused?.problem == tooShort && error.problem != tooShort) { refused = error }
            }
        }
        consider(oldPath ?? (isCreation ? epochName : nil), line: nameLines.old)
        consider(newPath ?? (isDeletion && !isCreation ? epochName : nil), line: nameLines.new)
        if candidates.isEmpty { consider(indexPath, line: nameLines.index ?? nameLines.old) }
        guard !candidates.isEmpty else {
            throw refused ?? PatchPathError(path: "/dev/null", .empty, line: nameLines.old)
        }
        let existing = candidates.filter(exists)
        let chosen = Self.best(existing.isEmpty ? candidates : existing)
        return ChosenPaths(source: isCreation ? nil : chosen, destination: isDeletion ? nil : chosen)
    }

    /// GNU patch's "best" name: fewest components, shortest base name, shortest name, first.
    private static func best(_ names: [String]) -> String {
        func rank(_ path: String) -> (Int, Int, Int) {
            let components = path.split(separator: "/")
            return (components.count, components.last?.count ?? 0, path.count)
        }
        var best = names[0]
        for name in names.dropFirst() where rank(name) < rank(best) { best = name }
        return best
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
            [file.oldPath, file.newPath, file.indexPath].compactMap { $0?.split(separator: "/").count }.max() ?? 1
        }.max() ?? 1
        var best: (level: Int, found: Int)?
        for level in 0..<deepest {
            let found = modifying.count { file in
                [file.oldPath, file.newPath, file.indexPath].contains { path in
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
