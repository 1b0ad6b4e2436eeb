import Foundation
import GitStore
import Testing
import TestSupport

let fixedAuthor = GitSignature(name: "Test", email: "test@example.org", time: 1_700_000_000, offsetMinutes: 60)
let fixedCommitter = GitSignature(name: "Builder", email: "builder@example.org", time: 1_700_000_600, offsetMinutes: -300)

@Suite(.ownThread) struct CommitTests {
    @Test func commitRoundTripThroughBranchAndHead() throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.create(at: temporary.url, bare: false)
        #expect(try repository.head() == .symbolic("refs/heads/main"))

        let firstTree = try repository.writeTree(sampleFiles)
        let first = try repository.commit(
            tree: firstTree, parents: [], message: "Import netqmail sample\n",
            author: fixedAuthor, committer: fixedCommitter, updateRef: "HEAD")
        let secondTree = try repository.writeTree(sampleFiles + [TreeFile(path: "NEWS", contents: Array("more\n".utf8))])
        let second = try repository.commit(
            tree: secondTree, parents: [first], message: "Add NEWS\n\nBody line.\n",
            author: fixedAuthor, committer: fixedCommitter, updateRef: "refs/heads/main")

        #expect(try repository.resolve("HEAD") == second)
        #expect(try repository.resolve("refs/heads/main") == second)
        let record = try repository.readCommit(second)
        #expect(record.tree == secondTree)
        #expect(record.parents == [first])
        #expect(record.message == "Add NEWS\n\nBody line.\n")
        #expect(record.author == fixedAuthor)
        #expect(record.committer == fixedCommitter)
        #expect(try repository.tree(ofCommit: first) == firstTree)
        #expect(try repository.readCommit(first).parents.isEmpty)

        // The git command line sees the same history.
        #expect(try gitLine(["rev-parse", "HEAD"], in: temporary.url) == second.description)
        #expect(try gitLine(["rev-parse", "HEAD^"], in: temporary.url) == first.description)
        #expect(try gitLine(["log", "-1", "--format=%an <%ae> %at %ai|%cn %ct %ci|%s"], in: temporary.url)
            == "Test <test@example.org> 1700000000 2023-11-14 23:13:20 +0100|Builder 1700000600 2023-11-14 17:23:20 -0500|Add NEWS")
        try git(["fsck", "--strict"], in: temporary.url)
    }

    @Test func commitIDsAreReproducibleAndMatchGitCommitTree() throws {
        let temporary = try TemporaryDirectory()
        let onDisk = try GitRepository.create(at: temporary.subdirectory("repo"), bare: true)
        let inMemory = try GitRepository.inMemory()
        func makeCommit(in repository: GitRepository) throws -> ObjectID {
            let tree = try repository.writeTree(sampleFiles)
            return try repository.commit(
                tree: tree, parents: [], message: "Reproducible\n", author: fixedAuthor, committer: fixedCommitter)
        }
        let id = try makeCommit(in: onDisk)
        #expect(try makeCommit(in: onDisk) == id)
        #expect(try makeCommit(in: inMemory) == id)

        let tree = try onDisk.tree(ofCommit: id)
        var environment = [
            "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_AUTHOR_DATE": "1700000000 +0100",
            "GIT_COMMITTER_NAME": "Builder", "GIT_COMMITTER_EMAIL": "builder@example.org",
            "GIT_COMMITTER_DATE": "1700000600 -0500",
        ]
        environment["GIT_DIR"] = onDisk.gitDirectory!.path
        let cli = try gitLine(["commit-tree", tree.description, "-m", "Reproducible"], in: temporary.url, environment: environment)
        #expect(cli == id.description)
    }

    @Test func updateRefIsCompareAndSwap() throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.create(at: temporary.url, bare: true)
        let tree = try repository.writeTree(sampleFiles)
        let base = try repository.commit(
            tree: tree, parents: [], message: "base\n", author: fixedAuthor, committer: fixedCommitter,
            updateRef: "refs/heads/main")
        let side = try repository.commit(
            tree: tree, parents: [base], message: "side\n", author: fixedAuthor, committer: fixedCommitter,
            updateRef: "refs/heads/main")
        // A caller still believing main is at `base`, committing with no parent, must fail.
        #expect(throws: GitError.self) {
            _ = try repository.commit(
                tree: tree, parents: [], message: "stale\n", author: fixedAuthor, committer: fixedCommitter,
                updateRef: "refs/heads/main")
        }
        #expect(try repository.resolve("refs/heads/main") == side)
    }

    @Test func referencesAndHead() throws {
        let temporary = try TemporaryDirectory()
        let repository = try GitRepository.create(at: temporary.url, bare: true, initialBranch: "trunk")
        #expect(try repository.head() == .symbolic("refs/heads/trunk"))
        #expect(throws: GitError.self) { _ = try repository.resolve("HEAD") }
        do {
            _ = try repository.resolve("refs/heads/missing")
            Issue.record("resolving a missing reference succeeded")
        } catch {
            #expect(error.isNotFound)
        }

        let commit = try repository.commit(
            tree: try repository.writeTree(sampleFiles), parents: [], message: "c\n",
            author: fixedAuthor, committer: fixedCommitter)
        try repository.setReference("refs/heads/feature", to: commit)
        #expect(try repository.resolve("refs/heads/feature") == commit)
        try repository.setHead(toBranch: "refs/heads/feature")
        #expect(try repository.head() == .symbolic("refs/heads/feature"))
        #expect(try repository.resolve("HEAD") == commit)
        try repository.setHead(detachedAt: commit)
        #expect(try repository.head() == .detached(commit))
        #expect(try gitLine(["--git-dir", temporary.url.path, "rev-parse", "refs/heads/feature"], in: temporary.url)
            == commit.description)
    }

    @Test func commitRejectsMissingTreeAndParent() throws {
        let repository = try GitRepository.inMemory()
        let missing = ObjectID(hex: String(repeating: "ab", count: 20))!
        #expect(throws: GitError.self) {
            _ = try repository.commit(tree: missing, parents: [], message: "x\n", author: fixedAuthor, committer: fixedAuthor)
        }
        let tree = try repository.writeTree(sampleFiles)
        #expect(throws: GitError.self) {
            _ = try repository.commit(tree: tree, parents: [missing], message: "x\n", author: fixedAuthor, committer: fixedAuthor)
        }
        // A tree is not a commit.
        #expect(throws: GitError.self) { _ = try repository.readCommit(tree) }
    }

    @Test func badSignatureIsRefusedWithItsRole() throws {
        let repository = try GitRepository.inMemory()
        let tree = try repository.writeTree(sampleFiles)
        let bad = GitSignature(name: "Evil <x>", email: "e@example.org", time: 0)
        #expect {
            _ = try repository.commit(tree: tree, parents: [], message: "x\n", author: fixedAuthor, committer: bad)
        } throws: { error in
            (error as? GitError)?.operation.contains("committer signature") == true
        }
    }
}
