import ArgumentParser
import Foundation
import PatchEngine

struct Edit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a work tree for changing one patch (then 'qmailkit refresh').",
        discussion: """
            Creates a git repository at the patch's declared base (tag 'pristine') with the \
            patch applied on top. Edit the files, then run 'qmailkit refresh DIR' to rewrite \
            patches/FEATURE.patch from the tree, keeping its header.

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The feature whose patch to edit.")
    var feature: String

    @Option(help: "Recipe the feature belongs to.")
    var recipe = "combined"

    @Option(name: .shortAndLong, help: ArgumentHelp("Work tree to create (default: ./edit-FEATURE).", valueName: "dir"))
    var output: String?


    @OptionGroup var common: CommonOptions

    func run() async throws {
        do {
            let context = try await RecipeContext.load(common, recipe: recipe, from: common.from)
            let main = try context.catalog.planner.main(feature)
            guard let patch = context.catalog.patches.values.first(where: { $0.metadata == main }) else {
                throw PatchEngineError.unknownFeature(feature, known: context.catalog.features)
            }
            if case .remote? = context.recipe.patches.first(where: { $0.name == patch.name })?.location {
                throw PatchEngineError.notEditable(file: patch.file, reason: "it is a published patch pinned by its SHA-256; "
                    + "save a copy in patches/ and point the recipe entry at it with 'file:'")
            }
            let directory = common.path(output ?? "edit-\(feature)")
            try EditSession.start(patch: patch, applier: context.applier(),
                                  patchFileURL: context.project.root.appendingPathComponent(patch.file),
                                  directory: directory, commitTime: 0)
            print("\(directory.path): \(patch.file) applied on its base; edit, then: qmailkit refresh \(directory.path)")
        } catch {
            throw failure(error)
        }
    }
}

struct Refresh: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite a patch from a work tree made by 'qmailkit edit'.",
        discussion: "\(ExitStatus.helpText)")

    @Argument(help: "The work tree (default: the current directory).")
    var directory = "."

    func run() throws {
        do {
            let url = URL(fileURLWithPath: directory).standardizedFileURL
            let (patchFile, bytes) = try EditSession.refresh(directory: url)
            print("refreshed \(patchFile.path) (\(bytes.count) bytes)")
        } catch {
            throw failure(error)
        }
    }
}
