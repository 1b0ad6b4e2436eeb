/// Everything that can stop the patch engine, each with a message that says what
/// went wrong and what to do about it.
public enum PatchEngineError: Error, CustomStringConvertible {
    case badMetadata(file: String, field: String, problem: String)
    /// A recipe entry and the patch's own header say different things about one field.
    case metadataDisagrees(field: String, recipePlace: String, recipeValue: String, patchPlace: String, patchValue: String)
    /// A path of the patch cannot be used; `hint` says which strip level would work, when one does.
    case badPath(file: String, detail: String, hint: String?)
    case malformedPatch(file: String, detail: String)
    /// The file holds no diff: empty, a web page, prose, a header alone.
    case noDiff(file: String)
    /// The recipe names a patch file that does not exist.
    case missingPatchFile(String)
    case unknownFeature(String, known: [String])
    case missingRequirement(feature: String, requires: String)
    case declaredConflict(String, String)
    /// Features that require (or are based on) each other in a ring: `a → b → a`.
    case requirementCycle([String])
    /// The recipe lists `feature` before `base`, the tree it was written against.
    case listedBeforeBase(feature: String, base: String)
    /// A recipe entry that could not be loaded, and why; `requiredBy` when the
    /// selection reached it through Requires.
    case brokenEntry(name: String, requiredBy: String?, reason: any Error)
    case duplicateFeature(String, files: [String])
    case patchDoesNotApply(patch: String, file: String, detail: String)
    case conflicts(ConflictReport)
    /// Two patches give a path incompatible shapes (file/directory, symlink/file).
    case treeClash(TreeClash)
    /// The patch writes where no patch may: `.git`, below a symlink, a link out of the tree.
    case unsafePatch(file: String, line: Int, path: String, reason: String)
    case outputExists(String)
    /// `edit` cannot rewrite this patch file.
    case notEditable(file: String, reason: String)
    /// The output path is a symlink (dangling or not): qmailkit never writes through one.
    case outputIsSymlink(path: String, target: String)
    case io(String)

    public var description: String {
        switch self {
        case let .badMetadata(file, field, problem):
            return "\(file): header field \(field): \(problem)"
        case let .metadataDisagrees(field, recipePlace, recipeValue, patchPlace, patchValue):
            return "\(recipePlace): the recipe says \(field.lowercased()) '\(recipeValue)', but \(patchPlace): "
                + "the patch header says \(field): \(patchValue); make them agree or drop one of them"
        case let .badPath(file, detail, hint):
            return "\(file): \(detail)" + (hint.map { "; \($0)" } ?? "")
        case let .malformedPatch(file, detail):
            return "\(file): \(detail)"
        case let .unknownFeature(feature, known):
            return "unknown feature '\(feature)'; this recipe offers: \(known.joined(separator: ", "))"
        case let .missingRequirement(feature, requires):
            return "'\(feature)' needs '\(requires)', which this recipe does not provide; add it to the recipe"
        case let .declaredConflict(a, b):
            return "'\(a)' declares a conflict with '\(b)': choose one of them"
        case let .requirementCycle(cycle):
            return "Requires/Base form a cycle: \(cycle.joined(separator: " → ")); no order can apply them. "
                + "Remove one of these requirements from its patch"
        case let .listedBeforeBase(feature, base):
            return "the recipe lists '\(feature)' before '\(base)', but '\(feature)' was written against a tree "
                + "with '\(base)' applied; move '\(base)' above '\(feature)' in the recipe's patches list"
        case let .brokenEntry(name, requiredBy, reason):
            let subject = requiredBy.map { "'\($0)' requires '\(name)', but that recipe entry" } ?? "recipe entry '\(name)'"
            return "\(subject) cannot be used: \(reason)"
        case let .noDiff(file):
            return "no diff found in \(file) (an empty file, a web page or a description instead of the patch?)"
        case let .duplicateFeature(feature, files):
            return "feature '\(feature)' is implemented by several main patches (\(files.joined(separator: ", "))); "
                + "a second variant must name what it resolves in a 'Resolves:' field"
        case let .patchDoesNotApply(patch, file, detail):
            return "\(patch) does not apply to its declared base at \(file):\n\(detail)"
        case let .conflicts(report):
            return report.description + "\nNothing was written."
        case let .missingPatchFile(file):
            return "\(file) does not exist; the recipe names it: add the file or fix the entry"
        case let .treeClash(clash):
            return clash.description
        case let .unsafePatch(file, line, path, reason):
            return "\(file) line \(line): refusing '\(path)': \(reason); nothing was written"
        case let .outputExists(path):
            return "\(path) already exists; remove it or choose another -o DIR (nothing was written)"
        case let .notEditable(file, reason):
            return "cannot edit \(file): \(reason)"
        case let .outputIsSymlink(path, target):
            return "\(path) is a symlink (to '\(target)'); qmailkit never writes through a symlink: "
                + "remove it or choose another -o DIR (nothing was written)"
        case let .io(message):
            return message
        }
    }
}
