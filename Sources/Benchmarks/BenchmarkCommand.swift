import ArgumentParser
import Foundation

/// `qmailkit-benchmarks`: named benchmarks of qmailkit against a baseline measured
/// in the same run. Build and run in release mode.
@main
struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qmailkit-benchmarks",
        abstract: "Time qmailkit against plain tools, each with a ratio to a baseline from the same run.",
        discussion: """
            Benchmarks: import, apply, published, check, build, verify (default: all). Each does one warm-up, \
            then --runs timed runs (default 5, build 1), and prints median and min. Baselines \
            and qmailkit runs are interleaved so machine load falls on both alike.

            Needs the verified netqmail-1.06 tarball in the qmailkit cache.

            Example:
              swift run -c release qmailkit-benchmarks apply check --runs 7

            Exit status: 0 all targets met, 1 a target missed, 2 the tarball is not cached, \
            3 a benchmark failed.
            """)

    static let names = ["import", "apply", "published", "check", "build", "verify"]

    @Argument(help: ArgumentHelp("Benchmarks to run.", valueName: "name"))
    var benchmarks: [String] = []

    @Option(help: ArgumentHelp("Folder holding recipes/ and patches/ (default: found from the working directory).",
                               valueName: "dir"))
    var project: String?

    @Option(help: ArgumentHelp("Timed runs after the warm-up (default 5; build 1).", valueName: "n"))
    var runs: Int?

    func validate() throws {
        for name in benchmarks where !Self.names.contains(name) {
            throw ValidationError("no benchmark '\(name)'; known: \(Self.names.joined(separator: ", "))")
        }
        if let runs, runs < 1 { throw ValidationError("--runs takes a positive number") }
    }

    func run() throws {
        let builtFrom = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let fixture: Fixture
        do {
            guard let loaded = try Fixture.load(projectPath: project, builtFrom: builtFrom) else {
                print("netqmail-1.06 is not in the qmailkit cache; put it there with `qmailkit fetch --from FILE` (or `qmailkit fetch`)")
                throw ExitCode(2)
            }
            fixture = loaded
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("\(error)")
            throw ExitCode(3)
        }
        let scratch = try ScratchSpace()
        defer { scratch.removeAll() }
        print("project \(fixture.project.root.path), tarball \(fixture.tarball.path)")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cpus, load average \(loadAverage()) at start\n")
        var missed = false
        for name in benchmarks.isEmpty ? Self.names : benchmarks {
            let report: Report
            do {
                report = try run(name, fixture: fixture, scratch: scratch)
            } catch {
                printError("\(name): \(error)")
                throw ExitCode(3)
            }
            print(report.rendered() + "\n")
            missed = missed || report.missedTarget
        }
        print("load average \(loadAverage()) at end")
        if missed { throw ExitCode(1) }
    }

    private func run(_ name: String, fixture: Fixture, scratch: ScratchSpace) throws -> Report {
        let stopwatch = Stopwatch(scratch: scratch, runs: runs ?? 5)
        switch name {
        case "import": return try ImportBenchmark(fixture: fixture, stopwatch: stopwatch).run()
        case "apply": return try ApplyBenchmark(fixture: fixture, stopwatch: stopwatch).run()
        case "published": return try PublishedPatchBenchmark(fixture: fixture, stopwatch: stopwatch).run()
        case "check": return try CheckBenchmark(fixture: fixture, stopwatch: stopwatch).run()
        case "verify": return try VerifyBenchmark(fixture: fixture, scratch: scratch, stopwatch: stopwatch).run()
        default: return try BuildBenchmark(fixture: fixture, scratch: scratch, runs: runs ?? 1).run()
        }
    }
}

/// The 1, 5 and 15 minute load averages from /proc/loadavg.
func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
