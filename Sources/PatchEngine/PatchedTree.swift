import Foundation
import GitStore

/// What a repository written by `qmailkit patch` (or `fetch`) says about its
/// contents: the tree as it is on disk now, and the patches its history applied.
public struct PatchedTree: Sendable {
    public struct Applied: Sendable, Equatable {
        public var feature: String
        public var patchFile: String
        public var canonicalSHA256: String
    }

    /// The git tree id of the files on disk (uncommitted edits included).
    public var treeID: String
    /// Whether the files on disk are exactly HEAD's tree.
    public var matchesHead: Bool
    /// Patches in the order they were applied (empty for a pristine tree).
    public var patches: [Applied]
    /// The pristine upstream (`netqmail-1.06 tree <id>`) from the `pristine` tag, when there is one.
    public var upstream: String?

    /// Reads `directory`. A directory that is not a git repository is described by
    /// its content alone (no patch history).
    public static func read(_ directory: URL) throws -> PatchedTree {
        let files = try GitRepository.treeFromDirectory(directory)
        guard let repository = try? GitRepository.open(at: directory) else {
            let scratch = try GitRepository.inMemory()
            return PatchedTree(treeID: try scratch.writeTree(files).description, matchesHead: false, patches: [],
                               upstream: nil)
        }
        let onDisk = try GitRepository.inMemory().writeTree(files)
        var patches: [Applied] = []
        var commit = try? repository.resolve("HEAD")
        let headTree = try commit.map { try repository.tree(ofCommit: $0) }
        while let id = commit {
            let record = try repository.readCommit(id)
            if let applied = Self.applied(from: record.message) { patches.insert(applied, at: 0) }
            commit = record.parents.first
        }
        var upstream: String?
        if let pristine = try? repository.resolve("refs/tags/pristine") {
            let record = try repository.readCommit(pristine)
            let name = record.message.split(separator: ":").first.map(String.init) ?? "upstream"
            upstream = "\(name) tree \(record.tree)"
        }
        return PatchedTree(treeID: onDisk.description, matchesHead: headTree == onDisk, patches: patches,
                           upstream: upstream)
    }

    /// The metadata trailers `ResultRepository` writes into each patch commit.
    static func applied(from message: String) -> Applied? {
        var fields: [String: String] = [:]
        for line in message.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingWhitespace()
        }
        guard let feature = fields["Feature"], let file = fields["Patch"], let sha = fields["Canonical-SHA256"] else {
            return nil
        }
        return Applied(feature: feature, patchFile: file, canonicalSHA256: sha)
    }
}
