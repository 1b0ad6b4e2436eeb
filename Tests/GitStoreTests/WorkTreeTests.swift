import Foundation
import GitStore
import Testing
import TestSupport

/// The permission bits and kind of a path, read with lstat (symlinks not followed).
private func modeOf(_ url: URL) throws -> (kind: mode_t, permissions: mode_t) {
    var info = stat()
    guard lstat(url.path, &info) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    return (info.st_mode & S_IFMT, info.st_mode & 0o7777)
}

@Suite(.ownThread) struct WorkTreeTests {
    @Test func checkoutWritesContentsModesAndSymlinks() throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.create(at: temporary.subdirectory("repo"), bare: true)
        let tree = try repository.writeTree(sampleFiles)
        let target = temporary.subdirectory("out/nested")
        try repository.checkout(tree: tree, into: target)

        for file in sampleFiles {
            let url = target.appendingPathComponent(file.path)
            let (kind, permissions) = try modeOf(url)
            switch file.mode {
            case .regular:
                #expect(kind == S_IFREG && permissions == 0o644, "\(file.path)")
                #expect(Array(try Data(contentsOf: url)) == file.contents)
            case .executable:
                #expect(kind == S_IFREG && permissions == 0o755, "\(file.path)")
                #expect(Array(try Data(contentsOf: url)) == file.contents)
            case .symlink:
                #expect(kind == S_IFLNK, "\(file.path)")
                let destination = try FileManager.default.destinationOfSymbolicLink(atPath: url.path)
                #expect(Array(destination.utf8) == file.contents)
            }
        }
        // The git command line, reading the files from disk, records the same tree.
        try git(["init", "-q"], in: target)
        try git(["add", "-A"], in: target)
        #expect(try gitLine(["write-tree"], in: target) == tree.description)
    }

    @Test func treeFromDirectoryRoundTrip() throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.inMemory()
        let tree = try repository.writeTree(sampleFiles)
        let work = temporary.subdirectory("work")
        try repository.checkout(tree: tree, into: work)
        // Things git does not store: a .git directory at any level and empty directories.
        try git(["init", "-q"], in: work)
        try FileManager.default.createDirectory(at: work.appendingPathComponent("src/.git"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: work.appendingPathComponent("src/.git/HEAD"))
        try FileManager.default.createDirectory(at: work.appendingPathComponent("empty/dir"), withIntermediateDirectories: true)

        let read = try GitRepository.treeFromDirectory(work)
        #expect(read == (try repository.files(inTree: tree)))
        #expect(try repository.writeTree(read) == tree)

        // An edit a person makes, including flipping the executable bit, is seen.
        let configure = work.appendingPathComponent("configure")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: configure.path)
        try Data("edited\n".utf8).write(to: work.appendingPathComponent("README"))
        let edited = try GitRepository.treeFromDirectory(work)
        #expect(edited.first { $0.path == "configure" }?.mode == .regular)
        #expect(edited.first { $0.path == "README" }?.contents == Array("edited\n".utf8))
        try git(["add", "-A"], in: work)
        #expect(try gitLine(["write-tree"], in: work) == (try repository.writeTree(edited)).description)
    }

    @Test func checkoutRefusesNonEmptyDirectory() throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.inMemory()
        let tree = try repository.writeTree(sampleFiles)
        try Data("keep me\n".utf8).write(to: temporary.url.appendingPathComponent("existing"))
        #expect {
            try repository.checkout(tree: tree, into: temporary.url)
        } throws: { error in
            (error as? GitError)?.message.contains("not empty") == true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.url.path) == ["existing"])
    }

    @Test func treeFromDirectoryRefusesSpecialFiles() throws {
        let temporary = try TemporaryDirectory()
        let fifo = temporary.url.appendingPathComponent("queue/lock/trigger")
        try FileManager.default.createDirectory(at: fifo.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(mkfifo(fifo.path, 0o600) == 0)
        #expect {
            _ = try GitRepository.treeFromDirectory(temporary.url)
        } throws: { error in
            (error as? GitError)?.message.contains("trigger is a FIFO") == true
        }
    }

    @Test func treeFromMissingDirectoryFails() throws {
        let temporary = try TemporaryDirectory()
        #expect {
            _ = try GitRepository.treeFromDirectory(temporary.subdirectory("absent"))
        } throws: { error in
            (error as? GitError)?.message.contains("No such file or directory") == true
        }
    }

    @Test func checkoutIntoAFreshRepositoryWorkDirectory() throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.create(at: temporary.url, bare: false)
        let tree = try repository.writeTree(sampleFiles)
        let commit = try repository.commit(
            tree: tree, parents: [], message: "import\n", author: fixedAuthor, committer: fixedAuthor, updateRef: "HEAD")
        try repository.checkout(tree: tree, into: try #require(repository.workDirectory))
        // After git reads the tree into its index, the checked-out files are clean.
        try git(["read-tree", "HEAD"], in: temporary.url)
        #expect(try gitLine(["status", "--porcelain"], in: temporary.url).isEmpty)
        #expect(try gitLine(["rev-parse", "HEAD"], in: temporary.url) == commit.description)
    }
}
