/// Everything that can stop the patch engine, each with a message that says what
/// went wrong and what to do about it.
public enum PatchEngineError: Error, CustomStringConvertible {
    case badMetadata(file: String, field: String, problem: String)
    /// A recipe entry and the patch's own header say different things about one field.
    case metadataDisagrees(field: String, recipePlace: String, recipeValue: String, patchPlace: String, patchValue: String)
    /// A path of the patch cannot be used; `hint` says which strip level would work, when one does.
    case badPath(file: String, detail: String, hint: String?)
    case malformedPatch(file: String, detail: String)
    case unknownFeature(String, known: [String])
    case missingRequirement(feature: String, requires: String)
    case declaredConflict(String, String)
    case duplicateFeature(String, files: [String])
    case patchDoesNotApply(patch: String, file: String, detail: String)
    case conflicts(ConflictReport)
    case outputExists(String)
    /// `edit` cannot rewrite this patch file.
    case notEditable(file: String, reason: String)
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
        case let .duplicateFeature(feature, files):
            return "feature '\(feature)' is implemented by several main patches (\(files.joined(separator: ", "))); "
                + "a second variant must name what it resolves in a 'Resolves:' field"
        case let .patchDoesNotApply(patch, file, detail):
            return "\(patch) does not apply to its declared base at \(file):\n\(detail)"
        case let .conflicts(report):
            return report.description
        case let .outputExists(path):
            return "\(path) already exists; remove it or choose another -o DIR (nothing was written)"
        case let .notEditable(file, reason):
            return "cannot edit \(file): \(reason)"
        case let .io(message):
            return message
        }
    }
}
