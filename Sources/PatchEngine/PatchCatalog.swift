import Foundation
import Recipes

/// Every patch a recipe can use, loaded from the project: the recipe's own entries
/// plus the resolution variants in `patches/resolutions/` for those features.
public struct PatchCatalog: Sendable {
    public let recipe: Recipe
    /// By patch name (`tls`, `resolutions/tls-on-auth`).
    public let patches: [String: LoadedPatch]
    public let planner: SeriesPlanner

    /// Loads the recipe's local patches and the matching resolutions. Remote patch
    /// entries must already be fetched: `remoteFiles` maps their names to local copies
    /// (or to why the download failed). An entry that cannot be loaded is kept in
    /// `planner.broken` and fails only the selections that contain it.
    public init(project: Project, recipe: Recipe, remoteFiles: [String: Result<URL, any Error>] = [:]) throws {
        var loaded: [String: LoadedPatch] = [:]
        var order: [String] = []
        var variants: [String: [(name: String, metadata: PatchMetadata)]] = [:]
        var broken: [String: any Error] = [:]
        for reference in recipe.patches {
            do {
                let url: URL
                switch reference.location {
                case let .local(path): url = project.root.appendingPathComponent(path)
                case .remote:
                    guard let fetched = remoteFiles[reference.name] else {
                        throw PatchEngineError.io("patch '\(reference.name)' is remote and was not fetched")
                    }
                    url = try fetched.get()
                }
                let patch = try Self.load(name: reference.name, url: url, project: project, entry: reference.metadata,
                                          defaultFeature: reference.name, defaultBase: recipe.base)
                guard patch.metadata.resolves.isEmpty else {
                    throw PatchEngineError.badMetadata(file: patch.file, field: "Resolves",
                                                       problem: "a recipe lists main patches; resolutions are found in patches/resolutions/")
                }
                if let other = variants[patch.metadata.feature]?.first {
                    throw PatchEngineError.duplicateFeature(patch.metadata.feature, files: [other.name, patch.name])
                }
                loaded[patch.name] = patch
                order.append(patch.metadata.feature)
                variants[patch.metadata.feature] = [(patch.name, patch.metadata)]
            } catch {
                broken[reference.name] = error
            }
        }
        let resolutions = project.patchesDirectory.appendingPathComponent("resolutions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: resolutions.path)) ?? []
        for file in names.sorted() where file.hasSuffix(".patch") {
            let patch = try Self.load(name: "resolutions/" + file.dropLast(6),
                                      url: resolutions.appendingPathComponent(file), project: project)
            guard !patch.metadata.resolves.isEmpty else {
                throw PatchEngineError.badMetadata(file: patch.file, field: "Resolves",
                                                   problem: "missing; a resolution names the features it was rebased onto")
            }
            guard variants[patch.metadata.feature] != nil,
                  patch.metadata.resolves.allSatisfy(order.contains) else { continue }
            loaded[patch.name] = patch
            variants[patch.metadata.feature, default: []].append((patch.name, patch.metadata))
        }
        self.recipe = recipe
        self.patches = loaded
        self.planner = SeriesPlanner(order: order, variants: variants, broken: broken)
    }

    /// Features in recipe order.
    public var features: [String] { planner.order }

    /// What `combine` and `compare` select: every feature and every broken entry,
    /// so a broken entry fails them instead of being left out.
    public var wholeRecipe: [String] {
        features + recipe.patches.map(\.name).filter { planner.broken[$0] != nil }
    }

    private static func load(name: String, url: URL, project: Project, entry: EntryMetadata = EntryMetadata(),
                             defaultFeature: String? = nil, defaultBase: String? = nil) throws -> LoadedPatch {
        let file = project.relativePath(url)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            guard FileManager.default.fileExists(atPath: url.path) else { throw PatchEngineError.missingPatchFile(file) }
            throw PatchEngineError.io("cannot read \(file): not readable")
        }
        return try LoadedPatch(name: name, file: file, bytes: [UInt8](data), entry: entry,
                               defaultFeature: defaultFeature, defaultBase: defaultBase)
    }
}
