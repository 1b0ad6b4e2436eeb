/// Collects admitted ``TarEntry`` values into a ``SourceTree``.
///
/// Relies on ``TarReader``'s safety policy: paths are normalized and unique, and a hard link's
/// target is an earlier regular file.
struct SourceTreeBuilder {
    private var files: [String: SourceFile] = [:]
    private var directories: Set<String> = []

    mutating func add(_ entry: TarEntry) {
        switch entry.kind {
        case .directory:
            directories.insert(entry.path)
        case .regularFile:
            files[entry.path] = SourceFile(
                path: entry.path, contents: entry.contents, executable: entry.mode & 0o111 != 0)
        case .symbolicLink:
            files[entry.path] = SourceFile(
                path: entry.path, contents: [], executable: false, symlinkTarget: entry.linkTarget)
        case .hardLink:
            if let target = entry.linkTarget, let original = files[target] {
                files[entry.path] = SourceFile(
                    path: entry.path, contents: original.contents, executable: original.executable)
            }
        case .characterDevice, .blockDevice, .fifo, .other:
            break
        }
    }

    /// The tree, with the common top-level directory stripped when there is exactly one and no
    /// symlink points at or above it (stripping would turn such a link into an escape).
    func build() -> SourceTree {
        guard let top = strippableTop() else {
            return SourceTree(files: Array(files.values), strippedDirectory: nil)
        }
        let prefixLength = top.count + 1
        let stripped = files.values.map { file in
            var file = file
            file.path = String(file.path.dropFirst(prefixLength))
            return file
        }
        return SourceTree(files: stripped, strippedDirectory: top)
    }

    private func strippableTop() -> String? {
        guard let first = files.keys.first ?? directories.first,
              let top = first.split(separator: "/").first.map(String.init) else { return nil }
        let below = top + "/"
        for path in files.keys where !path.hasPrefix(below) { return nil }
        for path in directories where path != top && !path.hasPrefix(below) { return nil }
        for file in files.values {
            guard let target = file.symlinkTarget else { continue }
            let resolution = ArchivePath.resolve(linkComponents: ArchivePath.components(file.path), target: target)
            guard case let .inside(components) = resolution, components.first == Substring(top) else { return nil }
        }
        return top
    }
}
