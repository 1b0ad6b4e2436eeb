import Foundation
import GitStore
import Testing
import TestSupport

/// `sampleFiles` after an edit touching every kind of change: modified text,
/// a file losing its final newline, added and deleted files, a mode change, a
/// changed symlink target, a file turned into a symlink, and a binary change.
private let editedFiles: [TreeFile] = {
    var files = sampleFiles.filter { $0.path != "a/c" }
    func edit(_ path: String, _ change: (inout TreeFile) -> Void) {
        let index = files.firstIndex { $0.path == path }!
        change(&files[index])
    }
    edit("src/qmail-smtpd.c") { $0.contents = Array("int main(void)\n{\n  smtp();\n  return 0;\n}\n".utf8) }
    edit("README") { $0.contents = Array("netqmail sample, patched".utf8) }
    edit("configure") { $0.mode = .regular }
    edit("link-to-readme") { $0.contents = Array("src/qmail-smtpd.c".utf8) }
    edit("a-b") { $0 = TreeFile(path: "a-b", contents: Array("README".utf8), mode: .symlink) }
    edit("data/blob.bin") { $0.contents = [0, 1, 2, 3, 255, 0, 10] }
    files.append(TreeFile(path: "src/tls.c", contents: Array("/* new */\nint tls;\n".utf8)))
    files.append(TreeFile(path: "new/dir/run", contents: Array("#!/bin/sh\n".utf8), mode: .executable))
    return files
}()

@Suite(.ownThread) struct DiffTests {
    @Test func diffAppliesWithGitApplyAndReproducesTheTargetTree() throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.create(at: temporary.subdirectory("repo"), bare: true)
        let old = try repository.writeTree(sampleFiles)
        let new = try repository.writeTree(editedFiles)
        let patch = try repository.diff(from: old, to: new)
        let patchFile = temporary.url.appendingPathComponent("change.patch")
        try Data(patch).write(to: patchFile)

        let work = temporary.subdirectory("work")
        try repository.checkout(tree: old, into: work)
        try git(["apply", "--check", patchFile.path], in: work)
        try git(["apply", patchFile.path], in: work)
        #expect(try repository.writeTree(try GitRepository.treeFromDirectory(work)) == new)
    }

    @Test func diffFromEmptyTreeCreatesEverything() throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.inMemory()
        let tree = try repository.writeTree(sampleFiles)
        let patchFile = temporary.url.appendingPathComponent("all.patch")
        try Data(try repository.diff(from: nil, to: tree)).write(to: patchFile)
        let work = temporary.subdirectory("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try git(["apply", patchFile.path], in: work)
        #expect(try repository.writeTree(try GitRepository.treeFromDirectory(work)) == tree)
    }

    /// Binary files are left out: the zlib stream inside a "GIT binary patch"
    /// legitimately differs between libgit2 and git (both apply the same).
    @Test(arguments: [0, 1, 3, 5])
    func textDiffMatchesGitDiffByteForByte(contextLines: Int) throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.create(at: temporary.url, bare: true)
        let old = try repository.writeTree(sampleFiles.filter { $0.path != "data/blob.bin" })
        let new = try repository.writeTree(editedFiles.filter { $0.path != "data/blob.bin" })
        let cli = try git(
            ["--git-dir", temporary.url.path, "diff", "--no-renames", "--full-index", "--binary",
             "-U\(contextLines)", old.description, new.description],
            in: temporary.url)
        #expect(String(decoding: try repository.diff(from: old, to: new, contextLines: contextLines), as: UTF8.self)
            == String(decoding: cli, as: UTF8.self))
    }

    @Test func diffIsIdenticalAcrossRunsAndRepositories() throws {
        let first = try GitRepository.inMemory()
        let second = try GitRepository.inMemory()
        let patch = try first.diff(from: first.writeTree(sampleFiles), to: first.writeTree(editedFiles))
        #expect(!patch.isEmpty)
        #expect(try first.diff(from: first.writeTree(sampleFiles), to: first.writeTree(editedFiles)) == patch)
        #expect(try second.diff(from: second.writeTree(sampleFiles), to: second.writeTree(editedFiles)) == patch)
    }

    @Test func identicalTreesGiveAnEmptyDiff() throws {
        let repository = try GitRepository.inMemory()
        let tree = try repository.writeTree(sampleFiles)
        #expect(try repository.diff(from: tree, to: tree).isEmpty)
    }

    @Test func negativeContextIsRefused() throws {
        let repository = try GitRepository.inMemory()
        let tree = try repository.writeTree(sampleFiles)
        #expect(throws: GitError.self) { _ = try repository.diff(from: nil, to: tree, contextLines: -1) }
    }
}
