import Conformance
import Foundation
import QmailBuild

/// `verify`: the whole conformance suite against a real build of the combined
/// recipe, the way `qmailkit verify --target build:DIR` runs it (target, issue
/// #13: under 5 s on two cores), with the same suite against the reference engine in process as the
/// baseline, interleaved run by run. The build itself is made once, untimed.
struct VerifyBenchmark {
    static let target = 5.0

    let fixture: Fixture
    let scratch: ScratchSpace
    let stopwatch: Stopwatch

    func run() throws -> Report {
        let patched = try fixture.patchedTree(at: try scratch.fresh("verify-tree").appendingPathComponent("combined"))
        let directory = try scratch.fresh("verify-build")
        var options = BuildOptions(testUsers: TestUsers.currentUser(), sandbox: directory.appendingPathComponent("sandbox"), jobs: 2)
        options.targets = ["qmail-smtpd", "qmail-remote"]
        let request = patched.request(output: directory.appendingPathComponent("build"), options: options)
        let build: BuildResult
        do {
            build = try QmailBuilder.build(request)
        } catch {
            throw BenchmarkError.unexpected("qmailkit build failed: \(error)")
        }

        let library = try ScenarioLibrary.load(directory: fixture.project.root.appendingPathComponent("scenarios"))
        let real = try BuildTarget(buildDirectory: build.directory)
        let reference = ReferenceTarget(features: real.features)
        let onReal = library.filter { $0.applies(to: real.features, kind: real.kind) }
        let onReference = library.filter { $0.applies(to: reference.features, kind: reference.kind) }
        var failed: [String] = []
        let samples = try stopwatch.compare("verify", [
            { _ in failed = SuiteRun(jobs: 4).run(onReal, on: real).filter { !$0.passed }.map(\.scenario.name) },
            { _ in _ = SuiteRun(jobs: 4).run(onReference, on: reference) },
        ])
        var report = Report.absolute(
            "verify", measured: "suite on the combined build (\(onReal.count) scenarios)",
            baseline: "baseline: suite on ref (\(onReference.count) scenarios)", samples: samples, limit: Self.target,
            medianName: "build suite median in seconds", ratioName: "build/ref (median)")
        if !failed.isEmpty { report.notes.append("\(failed.count) scenarios failed on the build: \(failed.joined(separator: ", "))") }
        // The suite cannot end before its longest wait by design (the 5 s
        // AUTH pause that a large AUTHSLEEP leaves): say what the rest takes.
        let bounded = onReal.filter { $0.expectedWait >= Self.target }
        if !bounded.isEmpty {
            let started = ContinuousClock.now
            _ = SuiteRun(jobs: 4).run(onReal.filter { $0.expectedWait < Self.target }, on: real)
            let rest = ContinuousClock.now - started
            report.notes.append(String(format: "%@ wait%@ %.0f s or more by definition; the other %d scenarios take %.3f s (one run)",
                                       bounded.map(\.name).joined(separator: ", "), bounded.count == 1 ? "s" : "",
                                       Self.target, onReal.count - bounded.count,
                                       Double(rest.components.seconds) + Double(rest.components.attoseconds) / 1e18))
        }
        return report
    }
}
