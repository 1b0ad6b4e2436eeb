import ArgumentParser
import Foundation
import SelectionMatrix

/// `--recipe` and `--with`: which matrix list `matrix` and `ci` work on.
struct SelectionOptions: ParsableArguments {
    @Option(help: "Recipe giving the features and their order.")
    var recipe = "combined"

    @Option(name: .customLong("with"), help: ArgumentHelp("Only selections of these features (comma-separated).", valueName: "features"))
    var features: String?

    /// The recipe's patches and its selection list.
    struct Chosen {
        var patches: RecipePatches
        var list: SelectionList
        /// --with's features; nil: all of the recipe's.
        var requested: [String]?
        /// Recipe entries that cannot be used, and why.
        var broken: [(key: String, value: any Error)]
    }

    /// Loads the recipe (not its base tarball) and makes the list; an unknown
    /// or unusable --with feature ends the command with its exit code.
    func load(_ common: CommonOptions, command: String) async throws -> Chosen {
        let patches: RecipePatches
        do {
            patches = try await RecipePatches.load(common, recipe: recipe)
        } catch {
            throw failure(error)
        }
        let catalog = patches.catalog
        let requested = features.map { $0.split(separator: ",").map(String.init) }
        let broken = catalog.planner.broken.sorted { $0.key < $1.key }
        if let requested {
            if let (name, reason) = broken.first(where: { requested.contains($0.key) }) {
                printError("qmailkit \(command): recipe entry '\(name)' cannot be used: \(reason)")
                throw ExitCode(ExitStatus.classify(reason).rawValue)
            }
            let unknown = requested.filter { !catalog.features.contains($0) }
            guard unknown.isEmpty else {
                printError("qmailkit \(command): unknown feature(s) \(unknown.joined(separator: ", ")); recipe \(recipe) has \(catalog.features.joined(separator: ","))")
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
        }
        let chosen = requested.map { names in catalog.features.filter(names.contains) }
        return Chosen(patches: patches, list: MatrixRunner.selections(catalog: catalog, features: chosen),
                      requested: requested, broken: broken)
    }
}
