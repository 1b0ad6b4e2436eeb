/// Decides, from an entry's header alone, whether the entry may be unpacked, and remembers every
/// admitted path so later entries cannot overwrite or hide below earlier ones.
///
/// Cost: one dictionary entry per admitted path and per implied parent directory.
struct EntrySafetyPolicy {
    private enum Node {
        case directory
        case file
        case symlink
    }

    /// An admitted entry's normalized path and link target.
    struct Admission {
        var path: String
        var linkTarget: String?
    }

    private var nodes: [String: Node] = [:]

    /// Checks one entry. Returns nil for an entry naming the tree root itself (`./`), which
    /// carries nothing to unpack. Throws ``UnsafeEntryError`` to refuse the entry.
    mutating func admit(
        path rawPath: String, kind: TarEntry.Kind, linkTarget: String?, offset: Int
    ) throws -> Admission? {
        switch kind {
        case .characterDevice, .blockDevice:
            throw UnsafeEntryError.deviceFile(path: rawPath, offset: offset, kind: kind)
        case .fifo:
            throw UnsafeEntryError.fifo(path: rawPath, offset: offset)
        case .other:
            throw UnsafeEntryError.unsupportedType(path: rawPath, offset: offset, kind: kind)
        case .regularFile, .directory, .symbolicLink, .hardLink:
            break
        }

        let components = try Self.relativeComponents(rawPath, offset: offset)
        if components.isEmpty {
            guard kind == .directory else {
                throw UnsafeEntryError.invalidPath(path: rawPath, offset: offset, reason: "the name is empty")
            }
            return nil
        }
        let path = components.joined(separator: "/")

        var ancestor = ""
        for component in components.dropLast() {
            ancestor += ancestor.isEmpty ? String(component) : "/" + component
            switch nodes[ancestor] {
            case .symlink: throw UnsafeEntryError.belowSymlink(path: rawPath, offset: offset, symlink: ancestor)
            case .file: throw UnsafeEntryError.belowFile(path: rawPath, offset: offset, file: ancestor)
            case .directory, nil: break
            }
        }
        if let existing = nodes[path], !(existing == .directory && kind == .directory) {
            throw UnsafeEntryError.duplicateEntry(path: rawPath, offset: offset)
        }

        if let linkTarget, linkTarget.utf8.contains(0) {
            throw UnsafeEntryError.invalidPath(path: rawPath, offset: offset, reason: "the link target contains a NUL byte")
        }
        var admittedTarget: String?
        let node: Node
        switch kind {
        case .symbolicLink:
            let target = linkTarget ?? ""
            switch SymlinkTargetProblem.check(linkPath: path, target: target) {
            case .absolute:
                throw UnsafeEntryError.symlinkAbsoluteTarget(path: rawPath, offset: offset, target: target)
            case .escapesTree:
                throw UnsafeEntryError.symlinkEscapesTree(path: rawPath, offset: offset, target: target)
            case .climbsAfterName:
                throw UnsafeEntryError.symlinkClimbsAfterName(path: rawPath, offset: offset, target: target)
            case .empty:
                throw UnsafeEntryError.invalidPath(path: rawPath, offset: offset, reason: SymlinkTargetProblem.empty.reason)
            case nil:
                break
            }
            admittedTarget = target
            node = .symlink
        case .hardLink:
            let target = linkTarget ?? ""
            guard !target.hasPrefix("/"), !ArchivePath.components(target).contains("..") else {
                throw UnsafeEntryError.hardlinkOutsideTree(path: rawPath, offset: offset, target: target)
            }
            let targetPath = ArchivePath.components(target).joined(separator: "/")
            guard nodes[targetPath] == .file else {
                throw UnsafeEntryError.hardlinkTargetUnknown(path: rawPath, offset: offset, target: target)
            }
            admittedTarget = targetPath
            node = .file
        case .directory:
            node = .directory
        default:
            node = .file
        }

        ancestor = ""
        for component in components.dropLast() {
            ancestor += ancestor.isEmpty ? String(component) : "/" + component
            if nodes[ancestor] == nil { nodes[ancestor] = .directory }
        }
        nodes[path] = node
        return Admission(path: path, linkTarget: admittedTarget)
    }

    /// Normalized components of an entry name, refusing absolute and climbing paths.
    private static func relativeComponents(_ rawPath: String, offset: Int) throws -> [Substring] {
        if rawPath.hasPrefix("/") { throw UnsafeEntryError.absolutePath(path: rawPath, offset: offset) }
        if rawPath.utf8.contains(0) {
            throw UnsafeEntryError.invalidPath(path: rawPath, offset: offset, reason: "the name contains a NUL byte")
        }
        let components = ArchivePath.components(rawPath)
        if components.contains("..") { throw UnsafeEntryError.parentTraversal(path: rawPath, offset: offset) }
        return components
    }
}
