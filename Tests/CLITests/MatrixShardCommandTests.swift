import Foundation
import RealBuildSupport
import Testing
import TestSupport
import Yams

/// `matrix --list`, `--only`, `--shard`, `--results` and `--merge`, and the
/// jobs of `ci github`, through the binary on `TinyMatrixProject`: real
/// patches, real (tiny) builds with make and cc, real scenario runs.
@Suite(.ownThread) struct MatrixShardCommandTests {
    /// A run's JSON rows without what differs between runs (times, folders).
    static func outcomes(_ result: CLIResult) throws -> [[String]] {
        try MatrixCommandTests.rows(result).map {
            [$0.name, $0.status, $0.detail, "\($0.scenariosRun)", "\($0.scenariosPassed)"] + $0.failedScenarios
        }
    }

    /// The table without what differs between runs: times, folders, the last line's clock.
    static func comparable(_ table: String) -> String {
        table.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("  folder: ") }
            .map { line in
                let cut = line.range(of: " selections passed in ").map { String(line[..<$0.lowerBound]) } ?? String(line)
                return cut.replacingOccurrences(of: #"\s+\d+\.\d+s\*?"#, with: " #", options: .regularExpression)
            }
            .joined(separator: "\n")
    }

    @Test func listOnlyAndShardPickFromTheListInItsOrder() throws {
        let project = try TinyMatrixProject()
        defer { project.remove() }
        let plain = try project.qmailkit(["matrix", "--list"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout == TinyMatrixProject.whole.joined(separator: "\n") + "\n")

        let json = try project.qmailkit(["matrix", "--list", "--json"])
        let entries = try JSONDecoder().decode([[String: String]].self, from: Data(json.stdout.utf8))
        #expect(entries == [["selection": "stock", "features": ""], ["selection": "liberal-lf", "features": "liberal-lf"],
                            ["selection": "maxrcpt", "features": "maxrcpt"],
                            ["selection": "liberal-lf+maxrcpt", "features": "liberal-lf,maxrcpt"]])

        #expect(try project.qmailkit(["matrix", "--list", "--shard", "1/2"]).stdout == "stock\nmaxrcpt\n")
        #expect(try project.qmailkit(["matrix", "--list", "--shard", "2/2"]).stdout == "liberal-lf\nliberal-lf+maxrcpt\n")
        #expect(try project.qmailkit(["matrix", "--list", "--only", "liberal-lf+maxrcpt,stock"]).stdout == "stock\nliberal-lf+maxrcpt\n")
        #expect(try project.qmailkit(["matrix", "--list", "--only", "liberal-lf+maxrcpt,stock,maxrcpt", "--shard", "2/2"]).stdout
                == "maxrcpt\n")
        #expect(try project.qmailkit(["matrix", "--list", "--with", "maxrcpt"]).stdout == "stock\nmaxrcpt\n")

        let unknown = try project.qmailkit(["matrix", "--list", "--only", "maxrcpt+liberal-lf"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "qmailkit matrix: --only: unknown selection(s) maxrcpt+liberal-lf; the selections are: "
                + "stock liberal-lf maxrcpt liberal-lf+maxrcpt\n")
        for (shard, message) in [("3/2", "shard 3 of 2 does not exist: K runs from 1 to 2"),
                                 ("1-2", "a shard is K/N with whole numbers, e.g. 2/4, not '1-2'")] {
            let bad = try project.qmailkit(["matrix", "--shard", shard])
            #expect(bad.status == 64)
            #expect(bad.stderr.contains("--shard: \(message)"), "\(bad.stderr)")
        }
        let mixed = try project.qmailkit(["matrix", "--merge", "a", "--only", "stock"])
        #expect(mixed.status == 64)
        #expect(mixed.stderr.contains("--merge reads results folders only; leave out --only"))
    }

    @Test(privateViews) func shardsMergeIntoTheTableOfTheWholeRun() throws {
        let project = try TinyMatrixProject()
        defer { project.remove() }
        let whole = try project.qmailkit(["matrix", "--json", "-q"])
        #expect(whole.status == 0, "\(whole.stdout)\(whole.stderr)")
        let wholeRows = try MatrixCommandTests.rows(whole)
        #expect(wholeRows.map(\.name) == TinyMatrixProject.whole)
        #expect(wholeRows.map(\.scenariosRun) == [2, 3, 2, 3], "tiny-quit and one HELP scenario each, tiny-noop with liberal-lf")
        #expect(wholeRows.allSatisfy { $0.status == "passed" })
        let wholeTable = try project.qmailkit(["matrix", "-q", "-j2"])
        #expect(wholeTable.status == 0)

        for shard in ["1/2", "2/2"] {
            let run = try project.qmailkit(["matrix", "--shard", shard, "--results", "results/\(shard.prefix(1))", "-q"])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        }
        let results = project.root.appendingPathComponent("results")
        #expect(try FileManager.default.contentsOfDirectory(atPath: results.appendingPathComponent("1").path).sorted()
                == ["matrix-run.json", "maxrcpt.json", "maxrcpt.xml", "stock.json", "stock.xml"])
        let junit = try String(contentsOf: results.appendingPathComponent("2/liberal-lf.xml"), encoding: .utf8)
        #expect(junit.contains("<testsuite name=\"liberal-lf\" tests=\"5\" failures=\"0\" skipped=\"0\""))
        for name in ["patch", "build"] { #expect(junit.contains("<testcase classname=\"matrix\" name=\"\(name)\" time=")) }
        for name in ["tiny-quit", "tiny-help-stock", "tiny-noop"] { #expect(junit.contains("<testcase classname=\"tiny\" name=\"\(name)\" time=")) }

        let merged = try project.qmailkit(["matrix", "--merge", "results/2", "results/1", "--json"])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(try Self.outcomes(merged) == (try Self.outcomes(whole)))
        let mergedTable = try project.qmailkit(["matrix", "--merge", "results/1", "results/2"])
        #expect(Self.comparable(mergedTable.stdout) == Self.comparable(wholeTable.stdout), "\(mergedTable.stdout)\n\(wholeTable.stdout)")
        #expect(mergedTable.stdout.contains("4 of 4 selections passed in ") && mergedTable.stdout.contains(" s of selection time\n"))

        let half = try project.qmailkit(["matrix", "--merge", "results/1"])
        #expect(half.status == 2)
        #expect(half.stderr == "qmailkit matrix: --merge: no results for 2 of 4 selection(s): liberal-lf liberal-lf+maxrcpt (merge every shard's folder)\n")
        let twice = try project.qmailkit(["matrix", "--merge", "results/1", "results/2", "results/1"])
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("selection stock has results in both "))
        try Data("{".utf8).write(to: results.appendingPathComponent("2/liberal-lf.json"))
        let corrupt = try project.qmailkit(["matrix", "--merge", "results/1", "results/2"])
        #expect(corrupt.status == 2)
        #expect(corrupt.stderr.hasPrefix("qmailkit matrix: --merge: \(results.path)/2/liberal-lf.json: not valid: "), "\(corrupt.stderr)")
    }

    @Test(privateViews) func aFailingSelectionFailsTheMerge() throws {
        let project = try TinyMatrixProject(noopReply: "250 ok")
        defer { project.remove() }
        for shard in ["1/2", "2/2"] {
            // A failing run keeps its work folder: inside the project, removed with it.
            let run = try project.qmailkit(["matrix", "--shard", shard, "--results", "results/\(shard.prefix(1))",
                                            "--work", "work/\(shard.prefix(1))", "-q"])
            #expect(run.status == (shard == "1/2" ? 0 : 1), "\(run.stdout)\(run.stderr)")
        }
        let merged = try project.qmailkit(["matrix", "--merge", "results/1", "results/2"])
        #expect(merged.status == 1, "\(merged.stderr)")
        #expect(merged.stdout.contains("FAILED liberal-lf: 1 scenario(s) failed: tiny-noop\n"))
        #expect(merged.stdout.contains("FAILED liberal-lf+maxrcpt: 1 scenario(s) failed: tiny-noop\n"))
        #expect(merged.stdout.contains("FAIL tiny-noop on build:"))
        #expect(merged.stdout.contains("2 of 4 selections passed in "))
        let junit = try String(contentsOf: project.root.appendingPathComponent("results/2/liberal-lf.xml"), encoding: .utf8)
        #expect(junit.contains("<testsuite name=\"liberal-lf\" tests=\"5\" failures=\"1\""))
        #expect(junit.contains("<failure message=\"") && junit.contains("250 ok"), "the failure names the wrong reply: \(junit)")
    }

    /// The job of the generated GitHub workflow, run here for each selection
    /// of `--with maxrcpt` (stock and maxrcpt): its `run` steps after
    /// scripts/install-deps, with the include entry's values put in for
    /// `${{ matrix.… }}` and `swift run qmailkit` going to the built binary;
    /// then the merge job's command over the folders they wrote. The cache
    /// the CI cache step would restore (.cache/qmailkit with the tarball) is
    /// made first.
    @Test(privateViews) func theGitHubJobsRunHereAndMerge() throws {
        let project = try TinyMatrixProject()
        defer { project.remove() }
        try Self.runGitHubJobs(in: project.root, source: "tiny-1.0", tarball: project.tiny.tarball)
    }

    /// `theGitHubJobsRunHereAndMerge`'s steps in `root`, a project whose
    /// recipe `combined` has maxrcpt and whose base `source` is `tarball`.
    static func runGitHubJobs(in root: URL, source: String, tarball: URL) throws {
        let generated = try CLI.run(["ci", "github", "--with", "maxrcpt"], in: root)
        #expect(generated.status == 0, "\(generated.stderr)")
        let workflow = try #require(try Yams.load(yaml: generated.stdout) as? [String: Any])
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        let job = try #require(jobs["matrix"] as? [String: Any])
        let include = try #require(((job["strategy"] as? [String: Any])?["matrix"] as? [String: Any])?["include"] as? [[String: String]])
        let listed = try CLI.run(["matrix", "--list", "--json", "--with", "maxrcpt"], in: root)
        #expect(include == (try JSONDecoder().decode([[String: String]].self, from: Data(listed.stdout.utf8))))
        #expect(include.map { $0["selection"] } == ["stock", "maxrcpt"])
        let steps = try #require((job["steps"] as? [[String: Any]])?.compactMap { $0["run"] as? String })
        #expect(steps.first == "scripts/install-deps")

        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let shim = bin.appendingPathComponent("swift")
        try Data("""
            #!/bin/sh
            [ "$1 $2" = "run qmailkit" ] || { echo "this test's swift runs only 'swift run qmailkit'" >&2; exit 127; }
            shift 2
            exec \(CLI.binary.path) "$@"

            """.utf8).write(to: shim)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shim.path)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = bin.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["SWIFT_BACKTRACE"] = "enable=no"
        func shell(_ command: String) throws -> CommandOutput {
            try Command.run("/bin/sh", ["-c", command], in: root, environment: environment)
        }
        let restored = try CLI.run(["fetch", source, "--from", tarball.path, "--cache-only",
                                    "--cache", ".cache/qmailkit", "-q"], in: root)
        #expect(restored.status == 0, "\(restored.stderr)")

        for entry in include {
            for step in steps.dropFirst() {
                var command = step
                for (key, value) in entry { command = command.replacingOccurrences(of: "${{ matrix.\(key) }}", with: value) }
                #expect(!command.contains("${{"), "\(command)")
                let run = try shell(command + " -q")
                #expect(run.status == 0, "\(command): \(run.out)\(run.err)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("results/maxrcpt/maxrcpt.xml").path))
        if try shell("command -v ccache").status == 0 {
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(".cache/qmailkit/ccache").path),
                     "ccache keeps its objects in the folder the CI cache keeps")
        }

        let merge = try #require(jobs["merge"] as? [String: Any])
        let mergeCommand = try #require((merge["steps"] as? [[String: Any]])?.compactMap { $0["run"] as? String }.last)
        let merged = try shell(mergeCommand)
        #expect(merged.status == 0, "\(merged.out)\(merged.err)")
        #expect(merged.out.contains("2 of 2 selections passed in "), "\(merged.out)")
    }
}

/// The GitHub job's commands on the real netqmail-1.06, the project's own
/// recipe, patches and scenarios (copied into a scratch folder, where the
/// commands write results/ and .cache/).
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, .enabled(if: RealTree.cached, RealTree.skipReason), privateViews)
struct RealGitHubJobTests {
    @Test func theGitHubJobsBuildAndCheckTheRealSelectionsHere() throws {
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        for folder in ["recipes", "patches", "scenarios"] {
            try FileManager.default.copyItem(at: RealTree.project.appendingPathComponent(folder),
                                             to: scratch.appendingPathComponent(folder))
        }
        try MatrixShardCommandTests.runGitHubJobs(in: scratch, source: "netqmail-1.06", tarball: RealTree.tarball)
    }
}
