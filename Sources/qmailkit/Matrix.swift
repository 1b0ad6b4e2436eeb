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

            Examples:
              qmailkit matrix -j2
              qmailkit matrix --with maxrcpt,liberal-lf --json > matrix.json
              qmailkit matrix --recipe tls-auth --work /tmp/matrix

            Exit codes: 0 every selection passed; 1 a selection conflicted, failed to build \
            or failed a scenario; 2 bad input (recipe, patch, scenario file, unknown feature); \
            5 local problem (work folder, accounts, tools); 64 wrong usage.
            """)

    @Option(help: "Recipe giving the features and their order.")
    var recipe = "combined"

    @Option(name: .customLong("with"), help: ArgumentHelp("Only selections of these features (comma-separated).", valueName: "features"))
    var features: String?

    @Option(name: [.customShort("j", allowingJoined: true), .customLong("jobs")], help: ArgumentHelp("Selections built and checked at once.", valueName: "n"))
    var jobs = 1

    @Option(help: ArgumentHelp("Keep every selection's tree and build here (reused by the next run).", valueName: "dir"))
    var work: String?

    @Option(help: ArgumentHelp("The one account every qmail user and group maps to in these test builds (default: the current user).",
                               valueName: "user[:group]"))
    var testUsers: String?

    @OptionGroup var scenarioFolder: ScenarioFolderOption

    @Flag(help: "Print the rows as JSON instead of the table.")
    var json = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard (1...16).contains(jobs) else { throw ValidationError("-j takes 1 to 16") }
    }

    func run() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let reporter = common.progress()
        let context: RecipeContext
        let library: [Scenario]
        do {
            context = try await RecipeContext.load(common, recipe: recipe, from: common.from)
            let folder = scenarioFolder.folder(relativeTo: common.workingDirectory) { context.project.root }
            library = try ScenarioLibrary.load(directory: folder)
        } catch let error as ScenarioParseError {
            printError("qmailkit matrix: \(error)")
            throw ExitCode(ExitStatus.badInput.rawValue)
        } catch {
            throw failure(error)
        }
        let requested = features.map { $0.split(separator: ",").map(String.init) }
        let chosen = requested.map { names in context.catalog.features.filter(names.contains) }
        let broken = context.catalog.planner.broken.sorted { $0.key < $1.key }
        if let requested {
            if let (name, reason) = broken.first(where: { requested.contains($0.key) }) {
                printError("qmailkit matrix: recipe entry '\(name)' cannot be used: \(reason)")
                throw ExitCode(ExitStatus.classify(reason).rawValue)
            }
            let unknown = requested.filter { !context.catalog.features.contains($0) }
            guard unknown.isEmpty else {
                printError("qmailkit matrix: unknown feature(s) \(unknown.joined(separator: ", ")); recipe \(recipe) has \(context.catalog.features.joined(separator: ","))")
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
        }

        let workFolder: MatrixWorkFolder
        do {
            workFolder = try MatrixWorkFolder(given: work.map(common.path))
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
        let selections = runner.selections(of: chosen)
        reporter.note("\(selections.count) selections of \((chosen ?? context.catalog.features).joined(separator: ",")) with \(jobs) at a time; work folder \(workFolder.url.path)")
        let finished = Counter()
        let rows = runner.run(selections) { event in
            if case let .finished(row, _, total) = event {
                let done = finished.increment()
                reporter.note("[\(done)/\(total)] \(row.status.rawValue) \(row.name): \(row.scenariosPassed)/\(row.scenariosRun) scenarios, "
                    + String(format: "build %.1f s, checks %.1f s", row.buildSeconds, row.verifySeconds))
            }
        }
        if json {
            try printJSON(MatrixReport.json(rows))
        } else {
            print(MatrixReport.table(rows, total: clock.now - started), terminator: "")
        }
        for (name, reason) in broken where requested == nil {
            printError("qmailkit matrix: left out recipe entry '\(name)', every selection with it fails: \(reason)")
        }
        if rows.contains(where: { $0.status != .passed }) || (requested == nil && !broken.isEmpty) {
            if work == nil {
                workFolder.keep()
                printError("qmailkit matrix: kept the work folder for inspection: \(workFolder.url.path)")
            }
            throw ExitCode(ExitStatus.differs.rawValue)
        }
    }
}

/// Counts finished selections across the matrix's worker threads.
private final class Counter: Sendable {
    private let value = Mutex(0)

    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}
