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
        let clean = "do not unpack this archive; obtain a clean copy or repack it without this entry"
        switch self {
        case let .invalidPath(path, offset, reason):
            return "refusing '\(path)' (tar header at offset \(offset)): \(reason); \(clean)"
        case let .absolutePath(path, offset):
            return "refusing '\(path)' (tar header at offset \(offset)): absolute path would be written outside "
                + "the unpack directory; \(clean)"
        case let .parentTraversal(path, offset):
            return "refusing '\(path)' (tar header at offset \(offset)): a '..' component would climb out of "
                + "the unpack directory; \(clean)"
        case let .deviceFile(path, offset, kind):
            return "refusing '\(path)' (tar header at offset \(offset)): \(kind) entries have no place in a "
                + "source tree; \(clean)"
        case let .fifo(path, offset):
            return "refusing '\(path)' (tar header at offset \(offset)): fifo entries have no place in a "
                + "source tree; \(clean)"
        case let .unsupportedType(path, offset, kind):
            return "refusing '\(path)' (tar header at offset \(offset)): \(kind) is not supported "
                + "(only files, directories, symlinks and hard links are); \(clean)"
        case let .duplicateEntry(path, offset):
            return "refusing '\(path)' (tar header at offset \(offset)): an earlier entry already has this path "
                + "and would be overwritten; \(clean)"
        case let .belowSymlink(path, offset, symlink):
            return "refusing '\(path)' (tar header at offset \(offset)): it lies below the symlink '\(symlink)' "
                + "and would be written wherever that link points; \(clean)"
        case let .belowFile(path, offset, file):
            return "refusing '\(path)' (tar header at offset \(offset)): it lies below '\(file)', which is a file, "
                + "not a directory; \(clean)"
        case let .symlinkAbsoluteTarget(path, offset, target):
            return "refusing symlink '\(path)' -> '\(target)' (tar header at offset \(offset)): "
                + "an absolute target points outside the tree; \(clean)"
        case let .symlinkEscapesTree(path, offset, target):
            return "refusing symlink '\(path)' -> '\(target)' (tar header at offset \(offset)): "
                + "the target climbs out of the tree; \(clean)"
        case let .symlinkClimbsAfterName(path, offset, target):
            return "refusing symlink '\(path)' -> '\(target)' (tar header at offset \(offset)): '..' after a "
                + "directory name cannot be checked without following other links; "
                + "only leading '..' components are accepted; \(clean)"
        case let .hardlinkOutsideTree(path, offset, target):
            return "refusing hard link '\(path)' -> '\(target)' (tar header at offset \(offset)): "
                + "the target is outside the tree; \(clean)"
        case let .hardlinkTargetUnknown(path, offset, target):
            return "refusing hard link '\(path)' -> '\(target)' (tar header at offset \(offset)): "
                + "the target is not a regular file earlier in the archive; \(clean)"
        }
    }
}
