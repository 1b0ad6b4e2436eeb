import Foundation
import GitStore
import Testing
import TestSupport

@Suite(.ownThread) struct TreeTests {
    @Test func treeIDMatchesGitWriteTree() throws {
        let temporary = try TemporaryDirectory()
        let work = temporary.subdirectory("cli")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try writeWithFileManager(sampleFiles, into: work)
        try git(["init", "-q"], in: work)
        try git(["add", "-A"], in: work)
        let expected = try gitLine(["write-tree"], in: work)

        let repository = try GitRepository.create(at: temporary.subdirectory("store"), bare: true)
        let id = try repository.writeTree(sampleFiles)
        #expect(id.description == expected)
        // The same files in another order give the same tree.
        #expect(try repository.writeTree(sampleFiles.reversed()) == id)
        // git itself can read what libgit2 wrote.
        let listing = try gitLine(["--git-dir", repository.gitDirectory!.path, "ls-tree", "-r", id.description], in: temporary.url)
        #expect(listing.contains("100755 blob"))
        #expect(listing.contains("120000 blob"))
    }

    @Test func blobIDMatchesGitHashObject() throws {
        let temporary = try TemporaryDirectory()
        let contents = Array("hello, blob\n".utf8)
        let file = temporary.url.appendingPathComponent("f")
        try Data(contents).write(to: file)
        let expected = try gitLine(["hash-object", "f"], in: temporary.url)

        let repository = try GitRepository.inMemory()
        let tree = try repository.writeTree([TreeFile(path: "f", contents: contents)])
        try git(["init", "-q"], in: temporary.url)
        let entry = try gitLine(["mktree", "--missing"], in: temporary.url, input: Array("100644 blob \(expected)\tf\n".utf8))
        #expect(tree.description == entry)
    }

    @Test func filesInTreeRoundTrip() throws {
        let repository = try GitRepository.inMemory()
        let id = try repository.writeTree(sampleFiles)
        let read = try repository.files(inTree: id)
        #expect(read == sampleFiles.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) })
    }

    @Test func emptyListIsGitsEmptyTree() throws {
        let temporary = try TemporaryDirectory()
        let expected = try gitLine(["hash-object", "-t", "tree", "/dev/null"], in: temporary.url)
        let repository = try GitRepository.inMemory()
        #expect(try repository.writeTree([]).description == expected)
    }

    @Test(arguments: [
        ["../escape"], ["/absolute"], ["a//b"], ["dir/"], [""], ["a/./b"], [".git/config"], ["sub/.GIT/x"],
        ["GIT~1/config"], [".git./x"], [".git /x"], [".git::$INDEX_ALLOCATION/x"], [".g\u{200C}it/x"],
        ["same", "same"], ["a", "a/b"], ["a/b", "a"],
    ])
    func badPathsAreRefusedBeforeWriting(paths: [String]) throws {
        #expect(paths.count > 1 || TreeFile.pathProblem(paths[0]) != nil)
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.create(at: temporary.url, bare: true)
        let objects = temporary.url.appendingPathComponent("objects")
        let before = try FileManager.default.subpathsOfDirectory(atPath: objects.path)
        let files = paths.map { TreeFile(path: $0, contents: Array("x\n".utf8)) } + [TreeFile(path: "ok", contents: [1])]
        #expect {
            _ = try repository.writeTree(files)
        } throws: { error in
            guard let error = error as? GitError else { return false }
            return error.operation == "write tree" && error.message.contains("refusing path")
        }
        #expect(try FileManager.default.subpathsOfDirectory(atPath: objects.path) == before)
    }

    @Test func onDiskWritesPackOnlyWhatIsMissing() throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.create(at: temporary.url, bare: true)
        let packDirectory = temporary.url.appendingPathComponent("objects/pack")
        func indexes() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: packDirectory.path).filter { $0.hasSuffix(".idx") })
        }
        func objectsIn(_ index: String) throws -> Int {
            let bytes = Array(try Data(contentsOf: packDirectory.appendingPathComponent(index)))
            return try gitLine(["show-index"], in: temporary.url, input: bytes).split(separator: "\n").count
        }

        _ = try repository.writeTree(sampleFiles)
        let first = try indexes()
        #expect(first.count == 1)
        // 9 blobs, the root and 4 subtrees.
        #expect(try objectsIn(first.first!) == 14)

        _ = try repository.writeTree(sampleFiles.reversed())
        #expect(try indexes() == first)

        var edited = sampleFiles
        edited[edited.firstIndex { $0.path == "src/lib/str.h" }!].contents = Array("changed\n".utf8)
        let tree = try repository.writeTree(edited)
        let added = try indexes().subtracting(first)
        #expect(added.count == 1)
        // The new blob, src/lib, src and the root.
        #expect(try objectsIn(added.first!) == 4)
        #expect(try repository.files(inTree: tree) == edited.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) })
        try git(["fsck", "--strict", "--full"], in: temporary.url)
    }
}

@Suite(.ownThread) struct TreeUpdateTests {
    /// Updating a stored tree gives exactly the tree a full write of the result
    /// gives, on disk and in memory, for changes, additions, deep additions,
    /// mode flips and removals (including emptying a directory).
    @Test(arguments: [false, true])
    func updatedTreeEqualsFullWrite(inMemory: Bool) throws {
        let temporary = try TemporaryDirectory()
        let repository = inMemory ? try GitRepository.inMemory()
            : try GitRepository.create(at: temporary.subdirectory("store"), bare: true)
        let before = [
            TreeFile(path: "Makefile", contents: Array("all:\n".utf8)),
            TreeFile(path: "src/a.c", contents: Array("int a;\n".utf8)),
            TreeFile(path: "src/b.c", contents: Array("int b;\n".utf8)),
            TreeFile(path: "doc/only.txt", contents: Array("alone\n".utf8)),
        ]
        let base = try repository.writeTree(before)
        let upserts = [
            TreeFile(path: "src/a.c", contents: Array("int a = 1;\n".utf8)),
            TreeFile(path: "src/new/deep.c", contents: Array("int deep;\n".utf8)),
            TreeFile(path: "Makefile", contents: Array("all:\n".utf8), mode: .executable),
        ]
        let updated = try repository.writeTree(updating: base, upserting: upserts, removing: ["doc/only.txt", "src/b.c"])
        let after = [upserts[2], upserts[0], upserts[1]]
        #expect(updated == (try repository.writeTree(after)))
        #expect(try repository.files(inTree: updated).map(\.path) == ["Makefile", "src/a.c", "src/new/deep.c"])
        #expect(throws: GitError.self) {
            try repository.writeTree(updating: base, upserting: [TreeFile(path: "../escape", contents: [])], removing: [])
        }
    }
}
