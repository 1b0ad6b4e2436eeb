import Console
import Foundation
import PatchEngine
import Recipes
import SourceFetch
import SourceImport
import Staging

/// What the patch-related commands share: the project, a recipe, its patches and
/// the verified pristine tree of its base.
struct RecipeContext {
    let project: Project
    let recipe: Recipe
    let source: SourceDefinition
    let catalog: PatchCatalog
    let pristine: ImportedTree

    static func load(_ options: CommonOptions, recipe name: String, from localFile: String?) async throws -> RecipeContext {
        try await load(options, patches: try await RecipePatches.load(options, recipe: name), from: localFile)
    }

    /// The context of recipe patches already loaded: adds the pristine tree.
    static func load(_ options: CommonOptions, patches: RecipePatches, from localFile: String?) async throws -> RecipeContext {
        let pristine = PristineSource(definition: patches.source, cache: try options.sourceCache())
        let tarball = try await pristine.obtain(localFile: localFile.map(options.path), progress: options.progress().fetchEvents())
        let tree = try pristine.unpack(tarball.path)
        return RecipeContext(project: patches.project, recipe: patches.recipe, source: patches.source, catalog: patches.catalog,
                             pristine: tree)
    }

    func applier(fuzz: Int = 0) -> SeriesApplier {
        SeriesApplier(catalog: catalog, pristine: FileTree(pristine.files), fuzz: fuzz)
    }
}

/// A recipe and its patches without the base tree: enough to know the
/// features and selections (`matrix --list`, `ci`), no tarball needed.
struct RecipePatches {
    let project: Project
    let recipe: Recipe
    let source: SourceDefinition
    let catalog: PatchCatalog

    static func load(_ options: CommonOptions, recipe name: String) async throws -> RecipePatches {
        let project = try options.loadProject()
        let recipe = try project.recipe(name, workingDirectory: options.workingDirectory)
        let source = try project.source(named: recipe.base)
        let remote = await RemotePatches.fetch(recipe, cache: try options.sourceCache(), progress: options.progress().fetchEvents())
        let catalog = try PatchCatalog(project: project, recipe: recipe, remoteFiles: remote)
        return RecipePatches(project: project, recipe: recipe, source: source, catalog: catalog)
    }
}

extension ProgressReporter {
    /// Makes SIGINT/SIGTERM delete this run's staging files and folders, and
    /// removes those that interrupted earlier runs left beside `output` and in
    /// the cache's sources directory, one note per removal.
    func cleanUpInterruptedRuns(beside output: URL?) {
        InterruptCleanup.shared.removeOnTermination()
        for leftover in output.map({ ResultRepository(destination: $0).removeLeftovers() }) ?? [] {
            noteLeftoverRemoved(leftover)
        }
    }

    private func noteLeftoverRemoved(_ leftover: URL) {
        note("removed the leftover of an interrupted run: \(leftover.path)")
    }

    /// Turns download events into a bar (terminal) or a few lines (pipe).
    func fetchEvents() -> @Sendable (FetchEvent) -> Void {
        { event in
            switch event {
            case let .bytesReceived(received, expected, url):
                self.update("downloading \(url.absoluteString)", done: received, total: expected)
            case let .cacheHit(url):
                self.note("using verified copy in the cache: \(url.path)")
            case let .leftoverRemoved(url):
                self.noteLeftoverRemoved(url)
            case let .cacheEntryDiscarded(url, reason):
                self.note("discarded a bad cached copy \(url.path): \(reason)")
            case let .tryingMirror(url, attempt, total):
                self.note("trying mirror \(attempt)/\(total): \(url.absoluteString)")
            case let .mirrorFailed(url, reason):
                self.note("mirror failed: \(url.absoluteString): \(reason)")
            case let .verified(sha256):
                self.note("verified sha256 \(sha256)")
            case let .stored(url):
                self.note("stored in the cache: \(url.path)")
            }
        }
    }
}
