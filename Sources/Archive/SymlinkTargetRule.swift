/// Why a symlink's target is refused: the one rule for links in a tree qmailkit
/// writes, whether they come from an archive entry or from a patch.
public enum SymlinkTargetProblem: Sendable, Equatable {
    case absolute
    case escapesTree
    case climbsAfterName
    case empty

    /// Checks a link at tree-relative `linkPath` pointing at `target`, lexically; nil when
    /// the target stays inside the tree. The link's ancestors must be real directories
    /// (both callers refuse anything below a symlink), see ``ArchivePath/resolve(linkComponents:target:)``.
    public static func check(linkPath: String, target: String) -> SymlinkTargetProblem? {
        switch ArchivePath.resolve(linkComponents: ArchivePath.components(linkPath), target: target) {
        case .absolute: return .absolute
        case .escapes: return .escapesTree
        case .climbsAfterName: return .climbsAfterName
        case .inside: return target.isEmpty ? .empty : nil
        }
    }

    public var reason: String {
        switch self {
        case .absolute:
            return "an absolute target points outside the tree"
        case .escapesTree:
            return "the target climbs out of the tree"
        case .climbsAfterName:
            return "'..' after a directory name cannot be checked without following other links; "
                + "only leading '..' components are accepted"
        case .empty:
            return "the symlink target is empty"
        }
    }
}
