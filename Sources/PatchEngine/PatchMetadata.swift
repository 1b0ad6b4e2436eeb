import DiffFormat
import Recipes

/// What is known about a patch: the feature it implements, how it relates to
/// other features, and the tree it was written against. It comes from the
/// patch's DEP-3 header, from its recipe entry, or from both (which must agree):
///
/// ```
/// Feature: forcetls
/// Requires: auth, tls
/// Conflicts:
/// Base: netqmail-1.06 + auth + tls
/// Resolves:            (resolution variants only: the features it was rebased onto)
/// ```
public struct PatchMetadata: Sendable, Equatable {
    public var feature: String
    public var description: String
    /// Where the patch comes from (DEP-3 `Origin:`), empty when unknown.
    public var origin: String
    public var requires: [String]
    public var conflicts: [String]
    /// Source name the patch was written against (`netqmail-1.06`).
    public var baseSource: String
    /// Features applied to the source before this patch was written.
    public var baseFeatures: [String]
    /// Non-empty for a resolution variant: the features this variant was rebased onto
    /// so that it folds in without colliding with them.
    public var resolves: [String]

    public init(feature: String, description: String, origin: String = "", requires: [String], conflicts: [String],
                baseSource: String, baseFeatures: [String], resolves: [String]) {
        self.feature = feature
        self.description = description
        self.origin = origin
        self.requires = requires
        self.conflicts = conflicts
        self.baseSource = baseSource
        self.baseFeatures = baseFeatures
        self.resolves = resolves
    }

    /// Reads the metadata from the patch header and, for a recipe entry, the
    /// entry's fields. A field given in both places must say the same thing;
    /// otherwise the error names both places (recipe `file:line`, patch
    /// `file:line`). Without an entry (resolutions), `Feature` and `Base` are
    /// required in the header; with one, they default to `defaultFeature` (the
    /// entry's name) and `defaultBase` (the recipe's base source).
    public static func resolve(header: PatchHeader, file: String, entry: EntryMetadata = EntryMetadata(),
                               defaultFeature: String? = nil, defaultBase: String? = nil) throws -> PatchMetadata {
        func headerField(_ name: String) -> PatchHeader.Field? { header.field(name) }
        func list(_ text: String) -> [String] {
            text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init)
        }
        /// The agreed value of one fact, or an error naming both places.
        func agreed<T>(_ name: String, recipe: (value: T, place: String)?, patch: (T, Int)?,
                       same: (T, T) -> Bool, show: (T) -> String) throws -> T? {
            switch (recipe, patch) {
            case let (recipe?, (patchValue, line)?):
                guard same(recipe.value, patchValue) else {
                    throw PatchEngineError.metadataDisagrees(
                        field: name, recipePlace: recipe.place, recipeValue: show(recipe.value),
                        patchPlace: "\(file):\(line)", patchValue: show(patchValue))
                }
                return recipe.value
            case let (recipe?, nil): return recipe.value
            case let (nil, (patchValue, _)?): return patchValue
            case (nil, nil): return nil
            }
        }
        func agreedText(_ name: String, recipe: Located<String>?, patch: (String, Int)?) throws -> String? {
            try agreed(name, recipe: recipe.map { ($0.value, $0.place) }, patch: patch, same: ==, show: { $0 })
        }
        func agreedNames(_ name: String, recipe: Located<[String]>?) throws -> [String] {
            try agreed(name, recipe: recipe.map { ($0.value, $0.place) }, patch: names(name),
                       same: { Set($0) == Set($1) }, show: { $0.isEmpty ? "(none)" : $0.joined(separator: ", ") }) ?? []
        }
        func text(_ name: String) -> (String, Int)? {
            headerField(name).map { ($0.value.trimmingWhitespace(), $0.line) }.flatMap { $0.0.isEmpty ? nil : $0 }
        }
        func names(_ name: String) -> ([String], Int)? {
            headerField(name).map { (list($0.value), $0.line) }
        }
        let feature = try agreedText("Feature", recipe: entry.feature, patch: text("Feature")) ?? defaultFeature
        guard let feature, !feature.isEmpty else {
            throw PatchEngineError.badMetadata(file: file, field: "Feature", problem: "missing; every patch names the feature it implements")
        }
        let parsedBase: ((String, [String]), Int)? = try text("Base").map { value, line in
            (try parseBase(value, file: "\(file):\(line)"), line)
        }
        let base = try agreed(
            "Base", recipe: try entry.base.map { (try parseBase($0.value, file: $0.place), $0.place) },
            patch: parsedBase, same: { $0.0 == $1.0 && Set($0.1) == Set($1.1) },
            show: { ([$0.0] + $0.1).joined(separator: " + ") })
            ?? defaultBase.map { ($0, []) }
        guard let base else {
            throw PatchEngineError.badMetadata(file: file, field: "Base",
                                               problem: "missing; say which tree the patch was written against, e.g. 'netqmail-1.06' or 'netqmail-1.06 + auth'")
        }
        let descriptionLine = text("Description").map { ($0.0.split(separator: "\n").first.map(String.init) ?? "", $0.1) }
        let metadata = PatchMetadata(
            feature: feature,
            description: try agreedText("Description", recipe: entry.description, patch: descriptionLine) ?? "",
            origin: try agreedText("Origin", recipe: entry.origin, patch: text("Origin")) ?? "",
            requires: try agreedNames("Requires", recipe: entry.requires),
            conflicts: try agreedNames("Conflicts", recipe: entry.conflicts),
            baseSource: base.0, baseFeatures: base.1,
            resolves: headerField("Resolves").map { list($0.value) } ?? [])
        if metadata.requires.contains(feature) || metadata.baseFeatures.contains(feature) {
            throw PatchEngineError.badMetadata(file: file, field: "Requires", problem: "a feature cannot require or be based on itself")
        }
        return metadata
    }

    /// `netqmail-1.06 + auth + tls` → (`netqmail-1.06`, [`auth`, `tls`]); `place` names it in errors.
    private static func parseBase(_ text: String, file place: String) throws -> (String, [String]) {
        let parts = text.split(separator: "+").map { $0.trimmingWhitespace() }
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw PatchEngineError.badMetadata(file: place, field: "Base", problem: "'\(text)' is not of the form 'source + feature + feature'")
        }
        return (parts[0], Array(parts.dropFirst()))
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
