import ArgumentParser
import Conformance
import Console
import Foundation
import PatchEngine
import QmailBuild
import SelectionMatrix
import Synchronization

struct Matrix: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Patch, build and check every dependency-closed selection of a recipe's features.",
        discussion: """
            For stock netqmail and for each selection of the recipe's features that its \
            Requires lines allow (40 for 'combined'), the matrix applies the patches as \
            'patch' does, builds qmail-smtpd and qmail-remote into a sandbox home as 'build \
            --sandbox' does, and runs the conformance scenarios that apply to exactly those \
            features against the build as 'verify' does: the scenarios of the selected \
            features, and the stock scenarios of the features left out. Prints one row per \
            selection, then every failure with its transcript.

            Builds use ccache when it is installed (cache in the qmailkit cache folder, \
            ccache/), so only the files a selection changes are compiled again; without it \
            every selection compiles from scratch. Each selection works in WORK/<selection>/ \
            (tree/, build/, home/). The work folder is removed afterwards unless --work is \
            given; a given work folder is kept and reused, so a second run rebuilds nothing.

            A selection is spelled as the table prints it: 'stock', or its features in recipe \
            order joined by '+' ('auth+tls'). --list prints the list (with --json, entries \
            {"selection", "features"} for a CI matrix 'include'). --only takes some of them; \
            --shard K/N takes every N-th selection of the list starting with the K-th \
            (round-robin, so the large selections at the end spread over all shards); with \
            both, the shard is taken from the --only selections.

            Every run writes, as each selection finishes, <selection>.xml (JUnit: suite = the \
            selection, cases 'patch', 'build' and one per scenario; a failure carries the first \
            wrong reply and the transcript) and <selection>.json (its row) into --results DIR \
            (default: WORK/matrix-results), with matrix-run.json naming the whole list and the \
            selections the run took. --merge joins the results folders of the shards of one \
            matrix: it checks every file, refuses a selection in two folders or in none, and \
            prints the table (or --json rows) of the whole matrix.

            Examples:
              qmailkit matrix -j2
              qmailkit matrix --with maxrcpt,liberal-lf --json > matrix.json
              qmailkit matrix --recipe tls-auth --work /tmp/matrix
              qmailkit matrix --list --json
              qmailkit matrix --only auth+tls,stock --results results/a
              qmailkit matrix --shard 2/4 --results results/shard-2
              qmailkit matrix --merge results/*

            Exit codes: 0 every selection passed; 1 a selection conflicted, failed to build \
            or failed a scenario (also after --merge); 2 bad input (recipe, patch, scenario file, \
            unknown feature or selection, a results folder that is missing, corrupt, incomplete or \
            has a selection another one has too); 5 local problem (work or results folder, \
            accounts, tools); 64 wrong usage (a --shard that is not K/N with 1 <= K <= N).
            """)

    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Print the selections, one a line as --only takes them, and run nothing.")
    var list = false

    @Option(help: ArgumentHelp("Run only these selections (comma-separated, spelled as --list prints them).", valueName: "selections"))
    var only: String?

    @Option(help: ArgumentHelp("Run the K-th of N round-robin shards of the list.", valueName: "K/N"))
    var shard: String?

    @Option(help: ArgumentHelp("Write each selection's JUnit XML and JSON row here (default: WORK/matrix-results).", valueName: "dir"))
    var results: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Merge these results folders of shards of one matrix and run nothing.", valueName: "dir"))
    var merge: [String] = []

    @Option(name: [.customShort("j", allowingJoined: true), .customLong("jobs")], help: ArgumentHelp("Selections built and checked at once.", valueName: "n"))
    var jobs = 1

    @Option(help: ArgumentHelp("Keep every selection's tree and build here (reused by the next run).", valueName: "dir"))
    var work: String?

    @Option(help: ArgumentHelp("The one account every qmail user and group maps to in these test builds (default: the current user).",
                               valueName: "user[:group]"))
    var testUsers: String?

    @OptionGroup var scenarioFolder: ScenarioFolderOption

    @Flag(help: "Print the rows (with --list: the selections) as JSON instead of the table.")
    var json = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard (1...16).contains(jobs) else { throw ValidationError("-j takes 1 to 16") }
        if let shard {
            do { _ = try Shard(parsing: shard) } catch { throw ValidationError("--shard: \(error)") }
        }
        if !merge.isEmpty {
            let others = [(selection.features != nil, "--with"), (list, "--list"), (only != nil, "--only"), (shard != nil, "--shard"),
                          (results != nil, "--results"), (work != nil, "--work")].filter(\.0).map(\.1)
            if !others.isEmpty { throw ValidationError("--merge reads results folders only; leave out \(others.joined(separator: ", "))") }
        }
        if list && (results != nil || work != nil) {
            throw ValidationError("--list runs nothing; leave out --results and --work")
        }
    }

    func run() async throws {
        if !merge.isEmpty { return try mergeResults() }
        let clock = ContinuousClock()
        let started = clock.now
        let reporter = common.progress()
        let whole = try await selection.load(common, command: "matrix")
        let selectionList = whole.list, requested = whole.requested, broken = whole.broken
        let chosen = try subset(of: selectionList)
        if list {
            if json {
                try printJSON(chosen.entries)
            } else {
                for name in chosen.names { print(name) }
            }
            return
        }

        let context: RecipeContext
        let library: [Scenario]
        do {
            context = try await RecipeContext.load(common, patches: whole.patches, from: common.from)
            let folder = scenarioFolder.folder(relativeTo: common.workingDirectory) { context.project.root }
            library = try ScenarioLibrary.load(directory: folder)
        } catch let error as ScenarioParseError {
            printError("qmailkit matrix: \(error)")
            throw ExitCode(ExitStatus.badInput.rawValue)
        } catch {
            throw failure(error)
        }

        let workFolder: MatrixWorkFolder
        let resultsFolder: MatrixResults
        do {
            workFolder = try MatrixWorkFolder(given: work.map(common.path))
            let manifest = MatrixResults.Manifest(selections: selectionList.names, ran: chosen.names)
            resultsFolder = try MatrixResults(folder: results.map(common.path) ?? workFolder.url.appendingPathComponent("matrix-results"),
                                              manifest: manifest)
        } catch {
            printError("qmailkit matrix: \(error)")
            throw ExitCode(ExitStatus.environment.rawValue)
        }
        defer { workFolder.removeIfTemporary() }

        var options = BuildOptions()
        options.testUsers = testUsers.map(TestUsers.init(parsing:)) ?? TestUsers.currentUser()
        options.compilerCache = CompilerCache.locate(cacheRoot: try common.sourceCache().root)
        if options.compilerCache == nil {
            reporter.note("note: ccache is not installed, so every selection compiles from scratch (apt-get install ccache)")
        }

        let runner = MatrixRunner(
            catalog: context.catalog, pristine: FileTree(context.pristine.files), sourceName: context.source.name,
            scenarios: library, workDirectory: workFolder.url, buildOptions: options, jobs: jobs)
        reporter.note("\(chosen.selections.count) of \(selectionList.selections.count) selections of "
            + "\((requested ?? context.catalog.features).joined(separator: ",")) with \(jobs) at a time; work folder \(workFolder.url.path)")
        let finished = Counter()
        let writeFailure = FirstMessage()
        let rows = runner.run(chosen.selections) { event in
            if case let .finished(row, _, total) = event {
                do { try resultsFolder.write(row) } catch {
                    writeFailure.record("\(error)")
                }
                let done = finished.increment()
                reporter.note("[\(done)/\(total)] \(row.status.rawValue) \(row.name): \(row.scenariosPassed)/\(row.scenariosRun) scenarios, "
                    + String(format: "build %.1f s, checks %.1f s", row.buildSeconds, row.verifySeconds))
            }
        }
        let records = rows.map(MatrixRecord.init)
        if json {
            try printJSON(records)
        } else {
            print(MatrixReport.table(records, total: .elapsed(clock.now - started)), terminator: "")
        }
        for (name, reason) in broken where requested == nil {
            printError("qmailkit matrix: left out recipe entry '\(name)', every selection with it fails: \(reason)")
        }
        if let problem = writeFailure.message {
            workFolder.keep()
            printError("qmailkit matrix: \(problem)")
            throw ExitCode(ExitStatus.environment.rawValue)
        }
        if rows.contains(where: { $0.status != .passed }) || (requested == nil && !broken.isEmpty) {
            if work == nil {
                workFolder.keep()
                printError("qmailkit matrix: kept the work folder for inspection: \(workFolder.url.path)")
            }
            throw ExitCode(ExitStatus.differs.rawValue)
        }
    }

    /// --only, then --shard, of the list.
    private func subset(of whole: SelectionList) throws -> SelectionList {
        var chosen = whole
        if let only {
            do {
                chosen = try whole.only(only.split(separator: ",").map(String.init))
            } catch {
                printError("qmailkit matrix: --only: \(error)")
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
        }
        if let shard {
            let picked = try Shard(parsing: shard)
            chosen = chosen.shard(picked)
        }
        return chosen
    }

    private func mergeResults() throws {
        let records: [MatrixRecord]
        do {
            records = try MatrixMerge.merge(merge.map(common.path))
        } catch {
            printError("qmailkit matrix: --merge: \(error)")
            throw ExitCode(ExitStatus.badInput.rawValue)
        }
        if json {
            try printJSON(records)
        } else {
            print(MatrixReport.table(records, total: .summed), terminator: "")
        }
        if records.contains(where: { $0.status != .passed }) { throw ExitCode(ExitStatus.differs.rawValue) }
    }
}

/// Counts finished selections across the matrix's worker threads.
private final class Counter: Sendable {
    private let value = Mutex(0)

    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}

/// The first of the problems reported from the matrix's worker threads.
private final class FirstMessage: Sendable {
    private let value = Mutex<String?>(nil)

    func record(_ message: String) { value.withLock { $0 = $0 ?? message } }

    var message: String? { value.withLock { $0 } }
}
