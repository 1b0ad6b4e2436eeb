import Foundation
import PatchEngine

/// `check`: the conflict matrix over every dependency-closed selection, in absolute
/// time (target under one second), with one full-series run as the unit of cost.
struct CheckBenchmark {
    static let target = 1.0

    let fixture: Fixture
    let stopwatch: Stopwatch

    func run() throws -> Report {
        let catalog = try fixture.catalog()
        let pristine = FileTree(try fixture.source.unpack(fixture.tarball).files)
        let plan = try fixture.fullPlan(catalog)
        var selections = 0, conflicts = 0
        // A fresh applier per run: it caches base trees, and `qmailkit check` starts cold.
        let samples = try stopwatch.compare("check", [
            { _ in
                let matrix = ConflictMatrix.compute(catalog: catalog, applier: SeriesApplier(catalog: catalog, pristine: pristine))
                selections = matrix.selections.count
                conflicts = matrix.selections.filter { $0.outcome.isFailure }.count
            },
            { _ in _ = try SeriesApplier(catalog: catalog, pristine: pristine).run(plan) },
        ])
        var report = Report.absolute(
            "check", measured: "ConflictMatrix.compute (\(selections) selections)", baseline: "baseline one full series run",
            samples: samples, limit: Self.target,
            medianName: "check median in seconds", ratioName: "check/full series (series-equivalents)")
        if conflicts > 0 { report.notes.append("\(conflicts) selections conflict") }
        return report
    }
}
