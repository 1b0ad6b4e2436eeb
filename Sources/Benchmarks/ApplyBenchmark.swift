import Foundation

/// `apply`: the full `combined` recipe as `qmailkit patch` applies it (unpack, plan,
/// in-memory series with conflict analysis, result repository) against `tar xzf`
/// and a plain loop of GNU `patch -p1 -s` over the patch files the plan chose.
struct ApplyBenchmark {
    static let target = 1.5

    let fixture: Fixture
    let stopwatch: Stopwatch

    func run() throws -> Report {
        let catalog = try fixture.catalog()
        let plan = try fixture.fullPlan(catalog)
        let files = try fixture.patchFiles(of: plan, in: catalog)
        let name = fixture.source.definition.name
        // A failing `patch` is counted, not fatal: the loop has no merge step, so a
        // resolution written against an earlier base may not apply where qmailkit merges.
        let loop = "tar xzf \(Shell.quote(fixture.tarball.path)) && cd \(Shell.quote(name)) && failed=0 && for f in "
            + files.map { Shell.quote($0.path) }.joined(separator: " ")
            + "; do patch -p1 -s < \"$f\" >/dev/null || failed=$((failed+1)); done; echo $failed"
        var failures: Set<String> = []
        let samples = try stopwatch.compare("apply", [
            { directory in _ = try fixture.patchAll(into: directory.appendingPathComponent("result")) },
            { directory in failures.insert(try Shell.run(loop, in: directory).trimmingCharacters(in: .whitespacesAndNewlines)) },
        ])
        var report = Report.relative("apply", measured: "qmailkit patch (\(plan.steps.count) steps)",
                                     baseline: "baseline tar xzf + patch -p1 loop", samples: samples, limit: Self.target)
        report.notes.append("series: " + plan.steps.map(\.patchName).joined(separator: ", "))
        var phases: [String] = []
        let breakdown = try stopwatch.scratch.fresh("apply-phases")
        _ = try fixture.patchAll(into: breakdown.appendingPathComponent("result")) { phase, time in
            phases.append("\(phase) \(format(time.seconds, digits: 3)) s")
        }
        try stopwatch.scratch.remove(breakdown)
        report.notes.append("qmailkit phases (one extra run): " + phases.joined(separator: ", "))
        if failures != ["0"] {
            report.notes.append("GNU patch failed on \(failures.sorted().joined(separator: "/")) of \(files.count) files "
                                + "in the baseline loop (qmailkit three-way merges these)")
        }
        return report
    }
}
