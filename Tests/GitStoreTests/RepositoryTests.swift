import Foundation
import GitStore
import Testing
import TestSupport

@Suite(.ownThread) struct RepositoryTests {
    @Test func openingANonRepositoryGivesAClearError() throws {
        let temporary = try TemporaryDirectory()
        do {
            _ = try GitRepository.open(at: temporary.url)
            Issue.record("opened a directory that is not a repository")
        } catch {
            #expect(error.operation == "open repository at \(temporary.url.path)")
            #expect(error.message.contains("could not find repository"))
            #expect(error.isNotFound)
            #expect(error.description.hasPrefix("open repository at \(temporary.url.path): "))
        }
        // Not even a parent's repository is picked up.
        try git(["init", "-q"], in: temporary.url)
        let inner = temporary.subdirectory("inner")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        #expect(throws: GitError.self) { _ = try GitRepository.open(at: inner) }
    }

    @Test func createThenOpenBothLayouts() throws {
        let temporary = try TemporaryDirectory()
        let work = try GitRepository.create(at: temporary.subdirectory("a/b/work"), bare: false)
        #expect(work.workDirectory?.standardizedFileURL.path == temporary.subdirectory("a/b/work").path)
        #expect(work.gitDirectory?.lastPathComponent == ".git")
        let bare = try GitRepository.create(at: temporary.subdirectory("bare.git"), bare: true)
        #expect(bare.workDirectory == nil)

        let tree = try work.writeTree(sampleFiles)
        let reopened = try GitRepository.open(at: temporary.subdirectory("a/b/work"))
        #expect(try reopened.files(inTree: tree).count == sampleFiles.count)
        _ = try GitRepository.open(at: temporary.subdirectory("bare.git"))
        #expect(try gitLine(["rev-parse", "--is-bare-repository"], in: temporary.subdirectory("bare.git")) == "true")
    }

    @Test func creatingOverAnExistingRepositoryIsRefused() throws {
        let temporary = try TemporaryDirectory()
        let first = try GitRepository.create(at: temporary.url, bare: true)
        let commit = try first.commit(
            tree: try first.writeTree(sampleFiles), parents: [], message: "keep\n",
            author: fixedAuthor, committer: fixedAuthor, updateRef: "HEAD")
        #expect(throws: GitError.self) { _ = try GitRepository.create(at: temporary.url, bare: true, initialBranch: "other") }
        #expect(try GitRepository.open(at: temporary.url).resolve("HEAD") == commit)
    }

    @Test func inMemoryRepositoryWritesNothingToDisk() throws {
        let workingDirectory = FileManager.default.currentDirectoryPath
        let before = try FileManager.default.contentsOfDirectory(atPath: workingDirectory)

        let repository = try GitRepository.inMemory()
        #expect(repository.isInMemory)
        #expect(repository.gitDirectory == nil && repository.workDirectory == nil)
        let tree = try repository.writeTree(sampleFiles)
        let commit = try repository.commit(
            tree: tree, parents: [], message: "in memory\n", author: fixedAuthor, committer: fixedAuthor)
        #expect(try repository.tree(ofCommit: commit) == tree)
        #expect(try repository.files(inTree: tree).count == sampleFiles.count)

        #expect(try FileManager.default.contentsOfDirectory(atPath: workingDirectory) == before)
        // References would need files, so they are refused with an explanation.
        #expect {
            try repository.setReference("refs/heads/main", to: commit)
        } throws: { error in
            (error as? GitError)?.message.contains("in-memory repository has no references") == true
        }
        #expect(throws: GitError.self) {
            _ = try repository.commit(
                tree: tree, parents: [], message: "x\n", author: fixedAuthor, committer: fixedAuthor, updateRef: "HEAD")
        }
        #expect(throws: GitError.self) { _ = try repository.head() }
    }

    @Test func repositoriesOnManyThreadsAgree() async throws {
        let ids = try await withThrowingTaskGroup(of: ObjectID.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let repository = try GitRepository.inMemory()
                    return try repository.writeTree(sampleFiles)
                }
            }
            return try await group.reduce(into: Set<ObjectID>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
    }

    @Test func objectsOfOneRepositoryAreNotInAnother() throws {
        let writer = try GitRepository.inMemory()
        let tree = try writer.writeTree(sampleFiles)
        let reader = try GitRepository.inMemory()
        #expect { _ = try reader.files(inTree: tree) } throws: { error in
            (error as? GitError)?.isNotFound == true
        }
    }

    @Test func readingAFileAsATreeFails() throws {
        let repository = try GitRepository.inMemory()
        let tree = try repository.writeTree(sampleFiles)
        let commit = try repository.commit(tree: tree, parents: [], message: "c\n", author: fixedAuthor, committer: fixedAuthor)
        #expect(throws: GitError.self) { _ = try repository.files(inTree: commit) }
    }
}

@Suite(.ownThread) struct ObjectIDTests {
    @Test func hexRoundTrip() throws {
        let hex = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        let id = try #require(ObjectID(hex: hex))
        #expect(id.description == hex)
        #expect(ObjectID(hex: hex.uppercased()) == id)
        #expect(id.bytes.count == 20 && id.bytes.first == 0x4b && id.bytes.last == 0x04)
        #expect(Set([id, ObjectID(hex: hex)!]).count == 1)
    }

    @Test(arguments: ["", "4b825dc", "4b825dc642cb6eb9a060e54bf8d69288fbee490", "4b825dc642cb6eb9a060e54bf8d69288fbee49044",
                      "zb825dc642cb6eb9a060e54bf8d69288fbee4904", "4b825dc642cb6eb9a060e54bf8d69288fbee490 "])
    func invalidHexIsRejected(text: String) {
        #expect(ObjectID(hex: text) == nil)
    }
}
