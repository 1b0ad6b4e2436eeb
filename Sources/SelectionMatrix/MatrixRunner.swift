import Conformance
import Foundation
import Workers
import PatchEngine
import QmailBuild
import Synchronization

/// `qmailkit matrix`: for every selection, apply the patches (as `qmailkit patch`
/// does), build qmail-smtpd and qmail-remote into a sandbox home (as `qmailkit
/// build --sandbox` does) and run the conformance scenarios that apply to the
/// selection's features against that build (as `qmailkit verify` does) — the
/// selected features' scenarios and, for the features left out, the stock ones.
///
/// Each selection works in `workDirectory/<name>/` (`tree/`, `build/`, `home/`).
/// Selections run `jobs` at a time on their own threads, each make with one job.
/// Cost: one patch (well under a second), one build (about 25 s cold on this
/// project's 2-core machine, a few seconds with a warm compiler cache) and the
/// scenarios (a few seconds) per selection.
public struct MatrixRunner: Sendable {
    public var catalog: PatchCatalog
    /// The pristine tree of the recipe's base.
    public var pristine: FileTree
    /// Recorded as the base in each selection's history (`netqmail-1.06`).
    public var sourceName: String
    public var scenarios: [Scenario]
    public var workDirectory: URL
    /// Compile and link commands and accounts; sandbox and targets are set per selection.
    public var buildOptions: BuildOptions
    public var jobs: Int

    /// What a running matrix reports, from its worker threads.
    public enum Event: Sendable {
        case started(selection: [String], index: Int, total: Int)
        case finished(MatrixRow, index: Int, total: Int)
    }

    /// The programs the scenarios drive.
    public static let targets = ["qmail-smtpd", "qmail-remote"]

    public init(catalog: PatchCatalog, pristine: FileTree, sourceName: String, scenarios: [Scenario],
                workDirectory: URL, buildOptions: BuildOptions, jobs: Int) {
        self.catalog = catalog
        self.pristine = pristine
        self.sourceName = sourceName
        self.scenarios = scenarios
        self.workDirectory = workDirectory
        self.buildOptions = buildOptions
        self.jobs = jobs
    }

    /// Stock netqmail first, then every non-empty dependency-closed selection of
    /// `features` (default: the recipe's), smallest first: the matrix's list.
    public static func selections(catalog: PatchCatalog, features: [String]? = nil) -> SelectionList {
        SelectionList([[]] + ConflictMatrix.closedSelections(catalog: catalog, features: features ?? catalog.features))
    }

    /// Runs every selection; rows come back in the order of `selections`.
    /// Blocks until all are done; `onEvent` is called from worker threads.
    public func run(_ selections: [[String]], onEvent: @escaping @Sendable (Event) -> Void = { _ in }) -> [MatrixRow] {
        parallelMap(count: selections.count, width: jobs) { index in
            onEvent(.started(selection: selections[index], index: index, total: selections.count))
            let row = runOne(selections[index])
            onEvent(.finished(row, index: index, total: selections.count))
            return row
        }
    }

    /// Patch, build and check one selection.
    public func runOne(_ selection: [String]) -> MatrixRow {
        let folder = workDirectory.appendingPathComponent(MatrixRow.name(of: selection), isDirectory: true)
        var row = MatrixRow(selection: selection, status: .passed, detail: "", scenariosRun: 0, scenariosPassed: 0,
                            results: [], skipped: [], patchSeconds: 0, buildSeconds: 0, verifySeconds: 0, buildReused: false,
                            directory: folder)
        let clock = ContinuousClock()

        var start = clock.now
        let request: BuildRequest
        do {
            request = try writeTree(selection, into: folder)
        } catch let PatchEngineError.conflicts(report) {
            row.status = .conflict
            row.detail = "\(report.patch) collides with \(report.collidesWith.joined(separator: ", ")) in "
                + report.files.map(\.path).joined(separator: ", ")
            return row
        } catch {
            row.status = .conflict
            row.detail = "\(error)"
            return row
        }
        row.patchSeconds = (clock.now - start).inSeconds

        start = clock.now
        let build: BuildResult
        do {
            build = try QmailBuilder.build(request)
        } catch {
            row.status = .buildFailed
            row.detail = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            row.buildSeconds = (clock.now - start).inSeconds
            return row
        }
        row.buildSeconds = (clock.now - start).inSeconds
        row.buildReused = build.cacheHit

        start = clock.now
        let target: BuildTarget
        do {
            target = try BuildTarget(buildDirectory: build.directory)
        } catch {
            row.status = .buildFailed
            row.detail = "\(error)"
            return row
        }
        let (applicable, skipped) = LiveSafety.partition(
            scenarios.filter { $0.applies(to: target.features, kind: target.kind) }, for: target)
        // Two scenarios at a time, so that the ones that wait by design (AUTH
        // pauses, timeouts) overlap the rest instead of adding up.
        let results = SuiteRun(jobs: 2).run(applicable, on: target)
        row.verifySeconds = (clock.now - start).inSeconds
        row.results = results
        row.skipped = skipped
        row.scenariosRun = results.count
        let failures = row.failures
        row.scenariosPassed = results.count - failures.count
        if !failures.isEmpty {
            row.status = .failed
            let names = failures.prefix(5).map(\.scenario.name).joined(separator: ", ")
            row.detail = "\(failures.count) scenario(s) failed: \(names)" + (failures.count > 5 ? ", …" : "")
        } else if let skip = skipped.first {
            row.detail = "\(skipped.count) scenario(s) skipped: \(skip.reason)"
        }
        return row
    }

    /// Applies the selection in memory and writes it as `qmailkit patch` would
    /// (a repository with one commit per patch) to `folder/tree`, replacing an
    /// earlier one; returns the build request for it.
    private func writeTree(_ selection: [String], into folder: URL) throws -> BuildRequest {
        let plan = try catalog.planner.plan(selecting: selection)
        let result = try SeriesApplier(catalog: catalog, pristine: pristine).run(plan)
        let tree = folder.appendingPathComponent("tree", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: tree.path) {
            try FileManager.default.removeItem(at: tree)
        }
        try ResultRepository(destination: tree).write(result, sourceName: sourceName, commitTime: 0)
        let described = try PatchedTree.read(tree)
        var options = buildOptions
        options.sandbox = folder.appendingPathComponent("home", isDirectory: true)
        options.targets = Self.targets
        options.jobs = 1
        return BuildRequest(
            tree: tree, treeIdentity: described.treeID, output: folder.appendingPathComponent("build", isDirectory: true),
            options: options,
            patches: described.patches.map { AppliedPatch(feature: $0.feature, name: $0.patchFile, sha256: $0.canonicalSHA256) },
            upstream: described.upstream)
    }

}

extension Duration {
    /// The duration as a number of seconds, for reports.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
