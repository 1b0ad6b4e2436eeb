import DiffFormat
import Foundation
import GitStore

/// The single "combined patch" of a recipe (pristine → result) and the proof that a
/// published combined patch yields exactly the recipe's tree.
public enum CombinedPatch {
    /// The combined patch: a header naming the recipe, its base and each patch's
    /// canonical SHA-256, then a git-format diff of pristine → result. The same
    /// recipe and patches give the same bytes on every run and machine.
    public static func render(recipeName: String, sourceName: String, sourceSHA256: String,
                              result: SeriesResult) throws -> [UInt8] {
        let repository = try GitRepository.inMemory()
        let before = try repository.writeTree(result.pristine.sortedFiles)
        let after = try repository.writeTree(result.final.sortedFiles)
        var header = "qmailkit combined patch for recipe \(recipeName)\n"
        header += "Base: \(sourceName) (sha256 \(sourceSHA256))\n"
        for step in result.steps {
            header += "Patch: \(step.report.patchFile) canonical-sha256 \(step.report.canonicalSHA256)\n"
        }
        header += "Result-Tree: \(try repository.writeTree(result.final.sortedFiles))\n"
        header += "Apply inside a pristine \(sourceName) tree with: patch -p1 < THIS-FILE\n---\n"
        return Array(header.utf8) + (try repository.diff(from: before, to: after))
    }

    /// What `compare` found.
    public enum Comparison: Sendable {
        case identical(tree: String)
        case different(recipeTree: String, publishedTree: String, onlyInRecipe: [String],
                       onlyInPublished: [String], differing: [String], diff: [UInt8])
    }

    /// Applies `published` (any dialect, compressed or not, strip level guessed)
    /// to the pristine tree and compares the resulting tree id with the recipe's.
    public static func compare(published bytes: [UInt8], fileName: String, result: SeriesResult) throws -> Comparison {
        let document = try PatchDocument(patchFile: bytes, named: fileName)
        let strip: Int
        do {
            strip = try document.guessStripLevel(existingPaths: result.pristine.paths)
        } catch {
            throw PatchEngineError.badPath(file: fileName, detail: "\(error)", hint: nil)
        }
        let tree = try PatchApplication(document, strip: strip, patchFile: fileName, to: result.pristine, fuzz: 0) { _ in nil }.tree
        let repository = try GitRepository.inMemory()
        let mine = try repository.writeTree(result.final.sortedFiles)
        let theirs = try repository.writeTree(tree.sortedFiles)
        if mine == theirs { return .identical(tree: mine.description) }
        let recipePaths = result.final.paths, publishedPaths = tree.paths
        let differing = recipePaths.intersection(publishedPaths).filter { result.final[$0] != tree[$0] }
        return .different(recipeTree: mine.description, publishedTree: theirs.description,
                          onlyInRecipe: recipePaths.subtracting(publishedPaths).sorted(),
                          onlyInPublished: publishedPaths.subtracting(recipePaths).sorted(),
                          differing: differing.sorted(),
                          diff: try repository.diff(from: mine, to: theirs))
    }
}
