import ArgumentParser
import Console
import Foundation
import PatchEngine
import Staging

struct Patch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a selection of features to netqmail-1.06: one commit per patch.",
        discussion: """
            Resolves 'Requires' (adding what is needed and saying so), refuses declared \
            'Conflicts', orders the features as the recipe does, applies each patch to its \
            declared base and folds it into the result with a three-way merge. Collisions are \
            found and explained before anything is written: first a summary of the places the \
            merge cannot reconcile (the two patches, the file, the C function holding the place, \
            the base lines each side changes), then their text. The output repository appears \
            only on success, or with --keep-failed, which says what it kept: the patches \
            committed and the files left with conflict markers. Hunks are tried at their recorded position, then \
            at the nearest offset (every offset is reported); fuzz only with --fuzz.

            Example:
              qmailkit patch --with tls,auth,forcetls -o qmail-src

            \(ExitStatus.helpText)
            """)

    @Option(name: .customLong("with"), help: ArgumentHelp("Features to apply, comma-separated.", valueName: "features"))
    var features: String

    @Option(help: ArgumentHelp("Recipe giving the order and the base.", valueName: "recipe"))
    var recipe = "combined"

    @Option(name: .shortAndLong, help: ArgumentHelp("Repository to create (default: ./netqmail-<features>).", valueName: "dir"))
    var output: String?

    @Option(help: ArgumentHelp("Allow hunks to apply with up to N context lines ignored.", valueName: "n"))
    var fuzz = 0

    @Flag(help: "On failure keep the partial repository for inspection.")
    var keepFailed = false


    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard fuzz >= 0, fuzz <= 3 else { throw ValidationError("--fuzz takes 0 to 3") }
    }

    func run() async throws {
        do {
            if let output {
                try ResultRepository(destination: common.path(output)).requireFreeDestination()
            }
            InterruptCleanup.shared.removeOnTermination()
            let context = try await RecipeContext.load(common, recipe: recipe, from: common.from)
            let requested = features.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let plan = try context.catalog.planner.plan(selecting: requested)
            for added in plan.addedByRequirement {
                print("adding \(added.feature): required by \(added.requiredBy)")
            }
            let destination = common.path(output ?? "netqmail-1.06-" + plan.features.joined(separator: "-"))
            let repository = ResultRepository(destination: destination, keepFailed: keepFailed)
            try repository.requireFreeDestination()
            common.progress().cleanUpInterruptedRuns(beside: destination)
            let result: SeriesResult
            do {
                result = try context.applier(fuzz: fuzz).run(plan)
            } catch let PatchEngineError.conflicts(report) where keepFailed {
                let kept = try repository.writeFailed(report, sourceName: context.source.name, commitTime: 0)
                printError("qmailkit: \(report)\n\(kept)")
                throw ExitCode(ExitStatus.conflict.rawValue)
            }
            try repository.write(result, sourceName: context.source.name, commitTime: 0)
            for step in result.steps {
                print(Self.summary(step.report))
            }
            print("wrote \(destination.path): pristine \(context.source.name) + \(plan.features.joined(separator: ", "))")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw failure(error)
        }
    }

    static func summary(_ report: StepReport) -> String {
        var line = "\(report.feature): \(report.patchFile), \(report.files.count) files, \(report.hunkCount) hunks"
        if !report.resolves.isEmpty { line += ", resolution for \(report.resolves.joined(separator: "+")) used" }
        if !report.mergedFiles.isEmpty { line += ", merged \(report.mergedFiles.joined(separator: " "))" }
        for note in report.displacedHunks {
            line += "\n  \(note.file) hunk \(note.hunk) applied at offset \(note.offset)" + (note.fuzz > 0 ? " with fuzz \(note.fuzz)" : "")
        }
        return line
    }
}
