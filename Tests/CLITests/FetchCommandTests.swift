import Foundation
import Testing
import TestSupport

@Suite(.ownThread) struct FetchCommandTests {
    @Test func importsALocalCopyIntoAGitRepository() throws {
        let tiny = try TinyProject(files: ["README": "hi\n", "src/run.sh": "#!/bin/sh\n"], executable: ["src/run.sh"])
        defer { tiny.remove() }
        let result = try tiny.qmailkit(["fetch", "tiny-1.0", "--from", tiny.tarball.path, "-o", "src", "--json", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(report?["sha256"] as? String == tiny.sha256)
        #expect(report?["files"] as? Int == 2)
        let treeID = try #require(report?["treeID"] as? String)
        // The git CLI sees the same tree, the exec bit and a clean work tree.
        let repo = tiny.root.appendingPathComponent("src")
        #expect(try Baseline.git(["rev-parse", "pristine^{tree}"], in: repo) == treeID + "\n")
        #expect(try Baseline.git(["ls-tree", "-r", "HEAD", "src/run.sh"], in: repo).hasPrefix("100755 blob"))
        #expect(try Baseline.git(["status", "--porcelain"], in: repo) == "")
        // Verified copy went to the cache; a second run needs neither --from nor network.
        #expect(FileManager.default.fileExists(atPath: tiny.cache.appendingPathComponent("sources/tiny-1.0.tar.gz").path))
        let again = try tiny.qmailkit(["fetch", "tiny-1.0", "--cache-only"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("verified"))
    }

    @Test func checksumMismatchCachesNothingAndExitsTwo() throws {
        let tiny = try TinyProject(files: ["README": "hi\n"])
        defer { tiny.remove() }
        let impostor = tiny.root.appendingPathComponent("impostor.tar.gz")
        var bytes = try Data(contentsOf: tiny.tarball)
        bytes[bytes.count - 5] ^= 0xFF
        try bytes.write(to: impostor)
        let result = try tiny.qmailkit(["fetch", "tiny-1.0", "--from", impostor.path, "-o", "src"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(tiny.sha256))
        #expect(!tiny.exists("src"))
        #expect(!FileManager.default.fileExists(atPath: tiny.cache.appendingPathComponent("sources/tiny-1.0.tar.gz").path))
    }

    @Test func everyMirrorFailingExitsThreeAndNamesEachMirror() throws {
        let tiny = try TinyProject(files: ["README": "hi\n"])
        defer { tiny.remove() }
        let result = try tiny.qmailkit(["fetch", "tiny-1.0", "-o", "src", "-q"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("http://127.0.0.1:9/tiny-1.0.tar.gz"))
        #expect(result.stderr.contains("--from"))
        #expect(!tiny.exists("src"))
    }

    @Test func existingOutputIsRefusedWithExitFive() throws {
        let tiny = try TinyProject(files: ["README": "hi\n"])
        defer { tiny.remove() }
        try tiny.write("src/keep", "mine\n")
        let result = try tiny.qmailkit(["fetch", "tiny-1.0", "--from", tiny.tarball.path, "-o", "src", "-q"])
        #expect(result.status == 5)
        #expect(result.stderr.contains("already exists"))
        #expect(try String(contentsOf: tiny.root.appendingPathComponent("src/keep"), encoding: .utf8) == "mine\n")
    }

    @Test func helpExplainsExitCodes() throws {
        let result = try CLI.run(["fetch", "--help"], in: FileManager.default.temporaryDirectory)
        #expect(result.status == 0)
        #expect(result.stdout.contains("Exit codes: 0 success"))
        #expect(result.stdout.contains("--from"))
    }

    @Test func unknownSourceIsABadInput() throws {
        let tiny = try TinyProject(files: ["README": "hi\n"])
        defer { tiny.remove() }
        let result = try tiny.qmailkit(["fetch", "nosuch-2.0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("known sources: tiny-1.0"))
    }
}

@Suite(.ownThread) struct HostileArchiveCommandTests {
    /// `qmailkit fetch --from` of `archive`, pinned as the source's tarball, which must
    /// fail as bad input (status 2) and write no tree; its standard error.
    static func refusedFetch(_ tiny: TinyProject, of archive: Data,
                             sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let file = tiny.root.appendingPathComponent("archive.tar.gz")
        try archive.write(to: file)
        try TinyProject.pin(archive, sha256: SHA256Hex.of(archive), root: tiny.root)
        let result = try tiny.qmailkit(["fetch", "tiny-1.0", "--from", file.path, "-o", "src", "-q"])
        #expect(result.status == 2, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(!tiny.exists("src"), sourceLocation: sourceLocation)
        return result.stderr
    }

    @Test func absolutePathsAreRefusedBeforeAnythingIsWritten() throws {
        let tiny = try TinyProject(files: ["README": "hi\n"])
        defer { tiny.remove() }
        let victim = tiny.root.appendingPathComponent("victim.txt")
        try Data("original\n".utf8).write(to: victim)
        let hostile = tiny.root.appendingPathComponent("hostile.tar.gz")
        try Command.output("tar", ["-czPf", hostile.path, victim.path], environment: Baseline.environment)
        let stderr = try Self.refusedFetch(tiny, of: try Data(contentsOf: hostile))
        #expect(stderr.contains(victim.path.dropFirst()) || stderr.contains(victim.path))
        #expect(try String(contentsOf: victim, encoding: .utf8) == "original\n")
    }

    @Test func truncatedGzipIsRefused() throws {
        let tiny = try TinyProject(files: ["README": String(repeating: "qmail ", count: 5000)])
        defer { tiny.remove() }
        let full = try Data(contentsOf: tiny.tarball)
        #expect(try Self.refusedFetch(tiny, of: full.prefix(full.count / 2)).lowercased().contains("truncated"))
    }
}
