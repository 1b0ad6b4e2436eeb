import Foundation
import GitStore
import PatchEngine
import Recipes

/// A throw-away qmailkit project on disk: a source definition, one recipe and the
/// patch files a test writes, plus a small in-memory pristine tree.
struct TestProject {
    let root: URL
    let pristine: FileTree

    /// `symlinks` maps link paths of the pristine tree to their targets.
    init(pristine files: [String: String], symlinks: [String: String] = [:]) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("qmailkit-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("recipes/sources"),
                                                withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("patches/resolutions"),
                                                withIntermediateDirectories: true)
        pristine = FileTree(files.map { TreeFile(path: $0.key, contents: Array($0.value.utf8)) }
            + symlinks.map { TreeFile(path: $0.key, contents: Array($0.value.utf8), mode: .symlink) })
    }

    var project: Project { Project(root: root) }

    func write(_ relativePath: String, _ text: String) throws {
        let url = root.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Writes `patches/<name>.patch` with our header fields and the given diff body.
    func patch(_ name: String, feature: String? = nil, requires: String = "", conflicts: String = "",
               base: String = "base-1.0", resolves: String? = nil, diff: String) throws {
        var header = "Description: \(name) for tests\nAuthor: tests\n"
        header += "Feature: \(feature ?? name)\nRequires: \(requires)\nConflicts: \(conflicts)\nBase: \(base)\n"
        if let resolves { header += "Resolves: \(resolves)\n" }
        try write("patches/\(name).patch", header + "---\n" + diff)
    }

    func recipe(_ features: [String]) throws -> Recipe {
        let text = "name: test\nbase: base-1.0\npatches:\n" + features.map { "  - \($0)\n" }.joined()
        try write("recipes/test.yaml", text)
        return try project.recipe("test", workingDirectory: root)
    }

    func applier(_ features: [String], fuzz: Int = 0) throws -> SeriesApplier {
        SeriesApplier(catalog: try PatchCatalog(project: project, recipe: try recipe(features)),
                      pristine: pristine, fuzz: fuzz)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}

/// A git diff that modifies `path`: the header, then `hunks` (`@@` lines and bodies).
func gitDiff(_ path: String, _ hunks: String) -> String {
    "diff --git a/\(path) b/\(path)\n--- a/\(path)\n+++ b/\(path)\n\(hunks)\n"
}

/// The git diff turning `old` into `new` at `path`, as libgit2 writes it: for
/// patches a test generates from two versions of a file.
func generatedDiff(_ path: String, from old: String, to new: String) throws -> String {
    let repository = try GitRepository.inMemory()
    let before = try repository.writeTree([TreeFile(path: path, contents: Array(old.utf8))])
    let after = try repository.writeTree([TreeFile(path: path, contents: Array(new.utf8))])
    return String(decoding: try repository.diff(from: before, to: after), as: UTF8.self)
}

func text(_ tree: FileTree, _ path: String) -> String? {
    tree[path].map { String(decoding: $0.contents, as: UTF8.self) }
}

/// `count` numbered lines, `line1\n`…, as a file body.
func numberedLines(_ count: Int, prefix: String = "line") -> String {
    (1...count).map { "\(prefix)\($0)\n" }.joined()
}
