import ArgumentParser
import DiffFormat
import Foundation
import PatchEngine

struct Combine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a recipe's single combined patch (pristine → result).",
        discussion: """
            The output is byte-identical across runs and machines for the same recipe and \
            patches. It applies with plain 'patch -p1' inside a pristine tree.

            Example:
              qmailkit combine combined -o netqmail-1.06-qmailkit.patch

            \(ExitStatus.helpText)
            """)

    @Argument(help: "Recipe name (recipes/NAME.yaml) or path.")
    var recipe: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Write here instead of standard output.", valueName: "file"))
    var output: String?


    @OptionGroup var common: CommonOptions

    func run() async throws {
        do {
            let context = try await RecipeContext.load(common, recipe: recipe, from: common.from)
            let plan = try context.catalog.planner.plan(selecting: context.catalog.wholeRecipe)
            let result = try context.applier().run(plan)
            let bytes = try CombinedPatch.render(recipeName: context.recipe.name, sourceName: context.source.name,
                                                 sourceSHA256: context.source.sha256, result: result)
            if let output {
                let url = common.path(output)
                let scratch = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
                // A leftover (or planted) scratch entry is removed, never written through.
                try? FileManager.default.removeItem(at: scratch)
                try Data(bytes).write(to: scratch, options: .withoutOverwriting)
                try replaceAtomically(url, with: scratch)
                printError("wrote \(url.path) (\(bytes.count) bytes, \(plan.features.joined(separator: ", ")))")
            } else {
                FileHandle.standardOutput.write(Data(bytes))
            }
        } catch {
            throw failure(error)
        }
    }
}

struct Compare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove whether a published combined patch equals a recipe.",
        discussion: """
            Applies FILE (any diff dialect, plain or gzip/bzip2/xz-compressed; strip level \
            guessed) to the pristine tree and compares the resulting git tree with the recipe's. \
            Exit 0 when identical, 1 when they differ: a summary of the differing files comes \
            first, then the diff recipe → published (with --stat: lines changed per file instead).

            Example:
              qmailkit compare combined netqmail-1.06-2015.patch.gz --stat

            \(ExitStatus.helpText)
            """)

    @Argument(help: "Recipe name or path.")
    var recipe: String

    @Argument(help: "The published combined patch.")
    var file: String

    @Flag(help: "After the summary, lines added and removed per file instead of the whole diff.")
    var stat = false


    @OptionGroup var common: CommonOptions

    func run() async throws {
        let comparison: CombinedPatch.Comparison
        do {
            let context = try await RecipeContext.load(common, recipe: recipe, from: common.from)
            let result = try context.applier().run(try context.catalog.planner.plan(selecting: context.catalog.wholeRecipe))
            let url = common.path(file)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw PatchEngineError.io("cannot read \(url.path)")
            }
            comparison = try CombinedPatch.compare(published: [UInt8](data), fileName: file, result: result)
        } catch {
            throw failure(error)
        }
        // One write of the whole report: summary first, then the details, on a pipe as on a terminal.
        switch comparison {
        case let .identical(tree):
            FileHandle.standardOutput.write(Data("identical: \(file) yields exactly the recipe's tree \(tree)\n".utf8))
        case let .different(recipeTree, publishedTree, onlyInRecipe, onlyInPublished, differing, diff):
            var report = "different: recipe tree \(recipeTree), \(file) gives \(publishedTree)\n"
            for path in onlyInRecipe { report += "  only in the recipe:   \(path)\n" }
            for path in onlyInPublished { report += "  only in the patch:    \(path)\n" }
            for path in differing { report += "  differs:              \(path)\n" }
            if stat {
                report += "\nlines changed recipe → published:\n"
                report += (try? PatchDocument(parsing: diff)).map { DiffStat($0, strip: 1).rendered() } ?? ""
                FileHandle.standardOutput.write(Data(report.utf8))
            } else {
                report += "\ndiff recipe → published:\n"
                FileHandle.standardOutput.write(Data(report.utf8) + Data(diff))
            }
            throw ExitCode(ExitStatus.differs.rawValue)
        }
    }
}
