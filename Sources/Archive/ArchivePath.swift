/// Lexical rules for paths inside an archive. Nothing here touches the file system.
enum ArchivePath {
    /// The components of `path` with empty and `.` components dropped (`a//./b/` gives `[a, b]`).
    static func components(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    }

    /// Where a symlink's target lands, resolved lexically against the link's own directory.
    enum LinkResolution: Equatable {
        /// Components of the resolved path relative to the tree root (empty for the root itself).
        case inside([Substring])
        case absolute
        /// More leading `..` than the link's directory has parents.
        case escapes
        /// A `..` follows a name the target itself introduced (`a/../b`). Whether that stays inside
        /// depends on what `a` is, which a lexical check cannot know.
        case climbsAfterName
    }

    /// Resolves `target` for a link whose own path has `linkComponents`.
    ///
    /// The link's ancestors are real directories (the policy refuses entries below symlinks), so
    /// leading `..` components can be resolved lexically; names descending from there may be
    /// other links, but each of those was itself checked to stay inside.
    static func resolve(linkComponents: [Substring], target: String) -> LinkResolution {
        if target.hasPrefix("/") { return .absolute }
        var resolved = Array(linkComponents.dropLast())
        var sawName = false
        for component in components(target) {
            if component == ".." {
                if sawName { return .climbsAfterName }
                if resolved.isEmpty { return .escapes }
                resolved.removeLast()
            } else {
                sawName = true
                resolved.append(component)
            }
        }
        return .inside(resolved)
    }
}
