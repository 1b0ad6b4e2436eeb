import Foundation
import GitStore
import Testing
import TestSupport


/// Seconds taken by `body`, on the monotonic clock.
private func seconds(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let elapsed = try clock.measure(body)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

@Suite(.ownThread, .tags(.realBuild), TestScope.costly) struct NetqmailTreeTests {
    /// The real netqmail sources (~300 files): GitStore's commit of the
    /// unpacked directory must record the same tree as `git add -A && git
    /// commit`. Both timings are printed; the assertion is on the tree.
    @Test(.enabled(if: QmailkitCache.hasNetqmail, QmailkitCache.netqmailMissing))
    func netqmailCommitMatchesGitAddAndCommit() throws {
        let temporary = try TemporaryDirectory()
        try Baseline.untar(QmailkitCache.netqmailTarball, into: temporary.url)
        let sources = temporary.subdirectory("netqmail-1.06")

        var commit: ObjectID?
        var fileCount = 0
        let storeSeconds = try seconds {
            let repository = try GitRepository.create(at: temporary.subdirectory("store.git"), bare: true)
            let files = try GitRepository.treeFromDirectory(sources)
            fileCount = files.count
            let tree = try repository.writeTree(files)
            commit = try repository.commit(
                tree: tree, parents: [], message: "netqmail-1.06\n",
                author: fixedAuthor, committer: fixedAuthor, updateRef: "refs/heads/main")
        }

        let cliDirectory = temporary.subdirectory("cli.git")
        let cliSeconds = try seconds {
            try git(["init", "-q", "--bare", cliDirectory.path], in: temporary.url)
            let gitDir = ["--git-dir", cliDirectory.path, "--work-tree", sources.path]
            try git(gitDir + ["add", "-A"], in: sources)
            try git(gitDir + ["commit", "-q", "-m", "netqmail-1.06"], in: sources)
        }

        let store = try GitRepository.open(at: temporary.subdirectory("store.git"))
        let cliTree = try gitLine(["--git-dir", cliDirectory.path, "rev-parse", "HEAD^{tree}"], in: temporary.url)
        #expect(fileCount > 250)
        #expect(try store.tree(ofCommit: #require(commit)).description == cliTree)
        // git finds the pack GitStore wrote complete and well-formed.
        try git(["--git-dir", temporary.subdirectory("store.git").path, "fsck", "--strict", "--full"], in: temporary.url)
        #expect(try gitLine(["--git-dir", temporary.subdirectory("store.git").path, "rev-parse", "main^{tree}"], in: temporary.url)
            == cliTree)
        print("netqmail-1.06: \(fileCount) files; GitStore read+write+commit \(storeSeconds)s, git add -A && git commit \(cliSeconds)s")
    }
}
