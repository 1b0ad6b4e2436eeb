import Archive
import Foundation
import GitStore
import Recipes
import SourceFetch

/// From a pinned source definition to a verified, unpacked tree: fetch (or find in
/// the cache, or import `--from FILE`), unpack safely, and check the tree identity.
public struct PristineSource: Sendable {
    public let definition: SourceDefinition
    public let cache: SourceCache

    public init(definition: SourceDefinition, cache: SourceCache) {
        self.definition = definition
        self.cache = cache
    }

    var pinned: PinnedSource {
        PinnedSource(name: definition.name, fileName: definition.fileName, urls: definition.urls,
                     size: definition.size, sha256: definition.sha256)
    }

    /// The verified tarball: from `localFile` if given, else the cache, else the mirrors.
    public func obtain(localFile: URL?, progress: @escaping @Sendable (FetchEvent) -> Void) async throws -> FetchedSource {
        if let localFile {
            return try SourceFetcher().importLocalFile(localFile, as: pinned, into: cache, progress: progress)
        }
        return try await SourceFetcher().fetch(pinned, into: cache, progress: progress)
    }

    /// The tarball if the cache already holds a verified copy; never touches the network.
    public func cachedTarball() throws -> URL? {
        try cache.lookup(pinned)
    }

    /// Unpacks `tarball`, converts it to git tree entries and checks the pinned tree id.
    public func unpack(_ tarball: URL, progress: @escaping (Int64) -> Void = { _ in }) throws -> ImportedTree {
        let tree = try Archive.unpack(tarGzAtPath: tarball.path) { progress(Int64($0)) }
        let files = tree.files.map { file -> TreeFile in
            if let target = file.symlinkTarget {
                return TreeFile(path: file.path, contents: Array(target.utf8), mode: .symlink)
            }
            return TreeFile(path: file.path, contents: file.contents, mode: file.executable ? .executable : .regular)
        }
        let repository = try GitRepository.inMemory()
        let treeID = try repository.writeTree(files).description
        if let pinnedTree = definition.treeID, pinnedTree != treeID {
            throw ImportError.treeMismatch(source: definition.name, expected: pinnedTree, actual: treeID)
        }
        return ImportedTree(files: files, treeID: treeID, topDirectory: tree.strippedDirectory)
    }
}

/// An unpacked source tree ready for git.
public struct ImportedTree: Sendable {
    public var files: [TreeFile]
    /// The git tree id of `files`: the content identity of the base.
    public var treeID: String
    /// The archive's top-level folder that was stripped (`netqmail-1.06`).
    public var topDirectory: String?
}

public enum ImportError: Error, CustomStringConvertible {
    case treeMismatch(source: String, expected: String, actual: String)

    public var description: String {
        switch self {
        case let .treeMismatch(source, expected, actual):
            return "the unpacked tree is not \(source): expected git tree \(expected), got \(actual). "
                + "The tarball matched its SHA-256, so the source definition's 'tree' field is wrong; fix it"
        }
    }
}
