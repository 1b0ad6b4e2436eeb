import Foundation
import Recipes
import SourceFetch

/// The published patches a recipe pins by URL, size and SHA-256: fetched through
/// the same verified cache as sources, so a cached copy needs no network.
public enum RemotePatches {
    /// Local copies of every remote patch in `recipe`, by patch name.
    public static func fetch(_ recipe: Recipe, cache: SourceCache,
                             progress: @escaping @Sendable (FetchEvent) -> Void) async throws -> [String: URL] {
        var files: [String: URL] = [:]
        for reference in recipe.patches {
            guard case let .remote(urls, size, sha256) = reference.location else { continue }
            let pinned = PinnedSource(name: reference.name, fileName: "\(reference.name)-\(sha256.prefix(16)).patch",
                                      urls: urls, size: size, sha256: sha256)
            files[reference.name] = try await SourceFetcher().fetch(pinned, into: cache, progress: progress).path
        }
        return files
    }
}
