import Foundation
import Testing
import TestSupport

/// The real netqmail-1.06 with the project's own recipes and patches, through the
/// binary. Runs whenever the qmailkit cache holds the verified tarball.
enum RealTree {
    static let tarball = QmailkitCache.netqmailTarball
    static let cached = QmailkitCache.hasNetqmail
    static let skipReason = QmailkitCache.netqmailMissing
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func scratch() throws -> URL { try ScratchDirectory.make("real") }

    static func qmailkit(_ arguments: [String], in directory: URL) throws -> CLIResult {
        try CLI.run(arguments + ["--project", project.path], in: directory)
    }

    /// GNU tar's extraction of the real tarball.
    static func gnuExtraction(into directory: URL) throws -> URL {
        try Baseline.untar(tarball, into: directory)
        return directory.appendingPathComponent("netqmail-1.06")
    }
}

@Suite(.ownThread, .tags(.realBuild), TestScope.costly, .enabled(if: RealTree.cached, RealTree.skipReason))
struct RealTreeTests {
    @Test func fetchImportsExactlyWhatGNUTarUnpacks() throws {
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try CLI.run(["fetch", "-o", "repo", "--json", "-q", "--project", RealTree.project.path], in: scratch)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let gnu = try RealTree.gnuExtraction(into: scratch)
        let listing = try FileManager.default.subpathsOfDirectory(atPath: gnu.path).filter { path in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: gnu.appendingPathComponent(path).path, isDirectory: &isDirectory)
            return !isDirectory.boolValue
        }
        #expect(report?["files"] as? Int == listing.count)
        let expected = try Baseline.gitTree(of: gnu)
        #expect(report?["treeID"] as? String == expected)
        #expect(try Baseline.git(["rev-parse", "HEAD^{tree}"], in: scratch.appendingPathComponent("repo")) == expected + "\n")
    }

    @Test func everySelectionOfTheProjectPatchSetCombines() throws {
        let result = try RealTree.qmailkit(["check", "--all", "--json", "-q"], in: RealTree.project)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count >= 6)
        for row in rows {
            #expect(["ok", "resolved"].contains(row["status"] as? String), "\(row)")
        }
    }

    @Test(arguments: ["combined", "tls-auth"])
    func combinedPatchAppliesWithGNUPatchToTheSameTree(recipe: String) throws {
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let combine = try RealTree.qmailkit(["combine", recipe, "-o", "combined.patch", "-q"], in: scratch)
        #expect(combine.status == 0, "\(combine.stderr)")
        let text = try String(contentsOf: scratch.appendingPathComponent("combined.patch"), encoding: .utf8)
        let resultTree = try #require(text.split(separator: "\n").first { $0.hasPrefix("Result-Tree: ") }?.dropFirst(13))
        let gnu = try RealTree.gnuExtraction(into: scratch)
        let patch = try Baseline.patch(["-p1", "-s", "-i", scratch.appendingPathComponent("combined.patch").path], in: gnu)
        #expect(patch.status == 0, "\(patch.out)\(patch.err)")
        #expect(try Baseline.gitTree(of: gnu) == String(resultTree))
        let compare = try RealTree.qmailkit(["compare", recipe, "combined.patch", "-q"], in: scratch)
        #expect(compare.status == 0)
    }
}

@Suite(.ownThread, .tags(.realBuild), TestScope.costly, .enabled(if: RealTree.cached, RealTree.skipReason), .serialized)
struct RealBuildTests {
    static let strictCompile = "cc -O2 -Wall -std=gnu17"

    /// gcc warnings per source file in a build log (`file.c:12:5: warning: …`).
    static func warningsPerFile(_ log: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in log.split(separator: "\n") where line.contains(": warning: ") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            counts[String(line[..<colon]), default: 0] += 1
        }
        return counts
    }

    /// The pristine tree built with the same strict flags: the warnings our patches must not add to.
    static let pristineWarnings: Result<[String: Int], Error> = Result {
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        _ = try RealTree.qmailkit(["fetch", "-o", "src", "-q"], in: scratch)
        let build = try CLI.run(["build", "src", "-j2", "--test-users", "root", "--cc", strictCompile, "-q"], in: scratch)
        guard build.status == 0 else { throw CLIFailure(result: build) }
        let log = try String(contentsOf: scratch.appendingPathComponent("src.build/qmailkit-build.log"), encoding: .utf8)
        return warningsPerFile(log)
    }

    /// Each recipe patches and builds (sandboxed, test users) through the binary,
    /// with -Wall -std=gnu17 and no warning beyond those of pristine netqmail.
    @Test(arguments: [("combined", "auth,tls,forcetls,liberal-lf,maxrcpt,empf,msgid-log"), ("tls-auth", "auth,tls,forcetls")])
    func recipeBuilds(recipe: String, features: String) throws {
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let patch = try RealTree.qmailkit(["patch", "--recipe", recipe, "--with", features, "-o", "src", "-q"], in: scratch)
        #expect(patch.status == 0, "\(patch.stderr)")
        let build = try CLI.run(["build", "src", "-j2", "--sandbox", "home", "--test-users", "root",
                                 "--cc", Self.strictCompile, "-q"], in: scratch)
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        let bin = scratch.appendingPathComponent("src.build")
        let log = try String(contentsOf: bin.appendingPathComponent("qmailkit-build.log"), encoding: .utf8)
        let pristine = try Self.pristineWarnings.get()
        for (file, count) in Self.warningsPerFile(log) {
            #expect(count <= pristine[file, default: 0], "\(file): \(count) warnings, pristine has \(pristine[file, default: 0])")
        }
        for program in ["qmail-smtpd", "qmail-remote", "qmail-send", "qmail-queue"] {
            #expect(FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent(program).path), "\(program)")
        }
        let provenance = try String(contentsOf: bin.appendingPathComponent("qmailkit-provenance.json"), encoding: .utf8)
        #expect(provenance.contains("\"upstream\" : \"netqmail-1.06 tree 385358983f064a1f10a5080b33a3ba13010886db\""))
        for feature in features.split(separator: ",") {
            #expect(provenance.contains("\"feature\" : \"\(feature)\""), "\(feature) in provenance")
        }
        let again = try CLI.run(["build", "src", "-j2", "--sandbox", "home", "--test-users", "root",
                                 "--cc", Self.strictCompile], in: scratch)
        #expect(again.status == 0)
        #expect(again.stdout.contains("(cached)"))
    }

    @Test func brokenSourceReportsTheFirstErrorWithFileAndLine() throws {
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let fetch = try RealTree.qmailkit(["fetch", "-o", "src", "-q"], in: scratch)
        #expect(fetch.status == 0)
        let file = scratch.appendingPathComponent("src/qmail-smtpd.c")
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        try Data((lines[..<100].joined(separator: "\n") + "\nthis is not C;\n" + lines[100...].joined(separator: "\n")).utf8).write(to: file)
        let build = try CLI.run(["build", "src", "-j2", "--test-users", "root", "-q"], in: scratch)
        #expect(build.status == 6)
        #expect(build.stderr.contains("qmail-smtpd.c:101"), "\(build.stderr)")
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    var result: CLIResult
    var description: String { "exit \(result.status): \(result.stdout)\(result.stderr)" }
}
