import Foundation
import GitStore
import PatchEngine
import QmailBuild
import Recipes
import SourceFetch
import SourceImport

/// What every benchmark starts from: the project, its `combined` recipe, the
/// recipe's base source and the verified tarball from the qmailkit cache.
struct Fixture {
    static let recipeName = "combined"

    let project: Project
    let recipe: Recipe
    let source: PristineSource
    let tarball: URL

    /// Nil when the cache holds no verified tarball (the caller says how to get one).
    static func load(projectPath: String?, builtFrom: URL) throws -> Fixture? {
        let environment = ProcessInfo.processInfo.environment
        let workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let project = try Project.locate(explicit: projectPath, environment: environment,
                                         workingDirectory: workingDirectory, builtFrom: builtFrom)
        let recipe = try project.recipe(recipeName, workingDirectory: workingDirectory)
        let source = PristineSource(definition: try project.source(named: recipe.base),
                                    cache: try SourceCache(environment: environment))
        guard let tarball = try source.cachedTarball() else { return nil }
        return Fixture(project: project, recipe: recipe, source: source, tarball: tarball)
    }

    /// The recipe's patches and their resolutions, read and parsed from the project.
    func catalog() throws -> PatchCatalog {
        try PatchCatalog(project: project, recipe: recipe)
    }

    /// The plan `qmailkit patch --with <every feature>` makes.
    func fullPlan(_ catalog: PatchCatalog) throws -> SeriesPlan {
        try catalog.planner.plan(selecting: catalog.features)
    }

    /// The patch files of `plan` in order, as absolute paths.
    func patchFiles(of plan: SeriesPlan, in catalog: PatchCatalog) throws -> [URL] {
        try plan.steps.map { step in
            guard let patch = catalog.patches[step.patchName] else {
                throw BenchmarkError.unexpected("the plan chose '\(step.patchName)', which the catalogue did not load")
            }
            return project.root.appendingPathComponent(patch.file)
        }
    }

    /// The full series written into a repository at `tree`, with what a build request
    /// of it records: the tree's git identity and the applied patches.
    struct PatchedTree {
        let tree: URL
        let identity: String
        let patches: [AppliedPatch]

        func request(output: URL, options: BuildOptions) -> BuildRequest {
            BuildRequest(tree: tree, treeIdentity: identity, output: output, options: options, patches: patches)
        }
    }

    func patchedTree(at tree: URL) throws -> PatchedTree {
        let result = try patchAll(into: tree)
        return PatchedTree(
            tree: tree, identity: try GitRepository.inMemory().writeTree(result.final.sortedFiles).description,
            patches: result.steps.map { AppliedPatch(feature: $0.report.feature, name: $0.report.patchFile, sha256: $0.report.canonicalSHA256) })
    }

    /// `qmailkit patch`: unpack, load the patches, plan, apply with conflict analysis
    /// and write the result repository to `destination`.
    /// `phases`, when given, receives the time of each phase by name.
    func patchAll(into destination: URL, phases: ((String, Duration) -> Void)? = nil) throws -> SeriesResult {
        let clock = ContinuousClock()
        var start = clock.now
        func lap(_ phase: String) {
            let now = clock.now
            phases?(phase, now - start)
            start = now
        }
        let tree = try source.unpack(tarball)
        lap("unpack")
        let catalog = try catalog()
        let plan = try fullPlan(catalog)
        let result = try SeriesApplier(catalog: catalog, pristine: FileTree(tree.files)).run(plan)
        lap("load, plan, apply in memory")
        try ResultRepository(destination: destination).write(result, sourceName: source.definition.name, commitTime: 0)
        lap("write repository and check out")
        return result
    }
}
