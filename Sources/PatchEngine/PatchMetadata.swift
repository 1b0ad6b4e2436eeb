/// What a patch says about itself in its DEP-3 header: the feature it implements,
/// how it relates to other features, and the tree it was written against.
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
    public var requires: [String]
    public var conflicts: [String]
    /// Source name the patch was written against (`netqmail-1.06`).
    public var baseSource: String
    /// Features applied to the source before this patch was written.
    public var baseFeatures: [String]
    /// Non-empty for a resolution variant: the features this variant was rebased onto
    /// so that it folds in without colliding with them.
    public var resolves: [String]

    public init(feature: String, description: String, requires: [String], conflicts: [String],
                baseSource: String, baseFeatures: [String], resolves: [String]) {
        self.feature = feature
        self.description = description
        self.requires = requires
        self.conflicts = conflicts
        self.baseSource = baseSource
        self.baseFeatures = baseFeatures
        self.resolves = resolves
    }

    /// Reads the metadata from header fields (`name` → value, names case-insensitive).
    /// `file` and `lineOf` only serve error messages.
    public static func parse(fields: [(name: String, value: String)], file: String) throws -> PatchMetadata {
        func value(_ name: String) -> String? {
            fields.first { $0.name.lowercased() == name.lowercased() }?.value
        }
        func list(_ name: String) -> [String] {
            (value(name) ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" })
                .map(String.init)
        }
        guard let feature = value("Feature")?.trimmingWhitespace(), !feature.isEmpty else {
            throw PatchEngineError.badMetadata(file: file, field: "Feature", problem: "missing; every patch names the feature it implements")
        }
        guard let base = value("Base")?.trimmingWhitespace(), !base.isEmpty else {
            throw PatchEngineError.badMetadata(file: file, field: "Base",
                                               problem: "missing; say which tree the patch was written against, e.g. 'netqmail-1.06' or 'netqmail-1.06 + auth'")
        }
        let parts = base.split(separator: "+").map { $0.trimmingWhitespace() }
        guard parts.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw PatchEngineError.badMetadata(file: file, field: "Base", problem: "'\(base)' is not of the form 'source + feature + feature'")
        }
        let metadata = PatchMetadata(
            feature: feature,
            description: value("Description")?.split(separator: "\n").first.map(String.init) ?? "",
            requires: list("Requires"), conflicts: list("Conflicts"),
            baseSource: parts[0], baseFeatures: Array(parts.dropFirst()), resolves: list("Resolves"))
        if metadata.requires.contains(feature) || metadata.baseFeatures.contains(feature) {
            throw PatchEngineError.badMetadata(file: file, field: "Requires", problem: "a feature cannot require or be based on itself")
        }
        return metadata
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
