/// The safety policy refused an entry: unpacking it could write outside the tree, overwrite
/// something already unpacked, or create something that does not belong in a source tree.
///
/// `path` is the entry's name as stored in the archive; `offset` is its header's byte offset.
public enum UnsafeEntryError: Error, Equatable, CustomStringConvertible {
    case invalidPath(path: String, offset: Int, reason: String)
    case absolutePath(path: String, offset: Int)
    case parentTraversal(path: String, offset: Int)
    case deviceFile(path: String, offset: Int, kind: TarEntry.Kind)
    case fifo(path: String, offset: Int)
    case unsupportedType(path: String, offset: Int, kind: TarEntry.Kind)
    case duplicateEntry(path: String, offset: Int)
    case belowSymlink(path: String, offset: Int, symlink: String)
    case belowFile(path: String, offset: Int, file: String)
    case symlinkAbsoluteTarget(path: String, offset: Int, target: String)
    case symlinkEscapesTree(path: String, offset: Int, target: String)
    case symlinkClimbsAfterName(path: String, offset: Int, target: String)
    case hardlinkOutsideTree(path: String, offset: Int, target: String)
    case hardlinkTargetUnknown(path: String, offset: Int, target: String)

    public var description: String {
        "refusing \(subject) (tar header at offset \(offset)): \(reason); "
            + "do not unpack this archive; obtain a clean copy or repack it without this entry"
    }

    /// The entry as the message names it: its path, and a link's target.
    private var subject: String {
        switch self {
        case let .symlinkAbsoluteTarget(path, _, target), let .symlinkEscapesTree(path, _, target),
             let .symlinkClimbsAfterName(path, _, target):
            return "symlink '\(path)' -> '\(target)'"
        case let .hardlinkOutsideTree(path, _, target), let .hardlinkTargetUnknown(path, _, target):
            return "hard link '\(path)' -> '\(target)'"
        case let .invalidPath(path, _, _), let .absolutePath(path, _), let .parentTraversal(path, _),
             let .deviceFile(path, _, _), let .fifo(path, _), let .unsupportedType(path, _, _),
             let .duplicateEntry(path, _), let .belowSymlink(path, _, _), let .belowFile(path, _, _):
            return "'\(path)'"
        }
    }

    private var offset: Int {
        switch self {
        case let .invalidPath(_, offset, _), let .absolutePath(_, offset), let .parentTraversal(_, offset),
             let .deviceFile(_, offset, _), let .fifo(_, offset), let .unsupportedType(_, offset, _),
             let .duplicateEntry(_, offset), let .belowSymlink(_, offset, _), let .belowFile(_, offset, _),
             let .symlinkAbsoluteTarget(_, offset, _), let .symlinkEscapesTree(_, offset, _),
             let .symlinkClimbsAfterName(_, offset, _), let .hardlinkOutsideTree(_, offset, _),
             let .hardlinkTargetUnknown(_, offset, _):
            return offset
        }
    }

    private var reason: String {
        switch self {
        case let .invalidPath(_, _, reason):
            return reason
        case .absolutePath:
            return "absolute path would be written outside the unpack directory"
        case .parentTraversal:
            return "a '..' component would climb out of the unpack directory"
        case let .deviceFile(_, _, kind):
            return "\(kind) entries have no place in a source tree"
        case .fifo:
            return "fifo entries have no place in a source tree"
        case let .unsupportedType(_, _, kind):
            return "\(kind) is not supported (only files, directories, symlinks and hard links are)"
        case .duplicateEntry:
            return "an earlier entry already has this path and would be overwritten"
        case let .belowSymlink(_, _, symlink):
            return "it lies below the symlink '\(symlink)' and would be written wherever that link points"
        case let .belowFile(_, _, file):
            return "it lies below '\(file)', which is a file, not a directory"
        case .symlinkAbsoluteTarget:
            return SymlinkTargetProblem.absolute.reason
        case .symlinkEscapesTree:
            return SymlinkTargetProblem.escapesTree.reason
        case .symlinkClimbsAfterName:
            return SymlinkTargetProblem.climbsAfterName.reason
        case .hardlinkOutsideTree:
            return "the target is outside the tree"
        case .hardlinkTargetUnknown:
            return "the target is not a regular file earlier in the archive"
        }
    }
}
