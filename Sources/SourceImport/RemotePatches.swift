import Foundation
import Recipes
import SourceFetch

/// The published patches a recipe pins by URL, size and SHA-256: fetched through
/// the same verified cache as sources, so a cached copy needs no network.
public enum RemotePatches {
    /// Local copies of every remote patch in `recipe`, by patch name, or why one could
    /// not be had: a failed entry fails only the selections that contain it.
    public static func fetch(_ recipe: Recipe, cache: SourceCache,
                             progress: @escaping @Sendable (FetchEvent) -> Void) async -> [String: Result<URL, any Error>] {
        var files: [String: Result<URL, any Error>] = [:]
        for reference in recipe.patches {
            guard case let .remote(urls, size, sha256) = reference.location else { continue }
            let pinned = PinnedSource(name: reference.name, fileName: "\(reference.name)-\(sha256.prefix(16)).patch",
                                      urls: urls, size: size, sha256: sha256)
            do {
                files[reference.name] = .success(try await SourceFetcher().fetch(pinned, into: cache, progress: progress).path)
            } catch {
                files[reference.name] = .failure(RemotePatchError(patch: reference.name, recipe: recipe.name, fetch: error))
            }
        }
        return files
    }
}

/// A recipe's published patch could not be had. Not a source: the remedy is the
/// recipe's pin or its URLs, never `fetch --from`.
public struct RemotePatchError: Error, CustomStringConvertible {
    public var patch: String
    public var recipe: String
    public var fetch: FetchError

    /// True when a URL delivered other bytes than the recipe pins: bad input (the pin
    /// or the URL is wrong), which no retry mends, even if other URLs were unreachable.
    public var isChecksumMismatch: Bool {
        guard case let .allMirrorsFailed(_, attempts) = fetch else { return false }
        return attempts.contains { attempt in
            if case .payload = attempt.failure { return true }
            return false
        }
    }

    public var description: String {
        guard case let .allMirrorsFailed(_, attempts) = fetch else { return "patch '\(patch)': \(fetch)" }
        let lines = attempts.map { "  \($0.url.absoluteString): \($0.failure)" }.joined(separator: "\n")
        if isChecksumMismatch {
            return """
                patch '\(patch)' of recipe \(recipe): the download does not match the size and sha256 the recipe pins:
                \(lines)
                Nothing was cached. Check the entry's urls, size and sha256 in the recipe: a patch changed \
                upstream has another digest.
                """
        }
        return """
            patch '\(patch)' of recipe \(recipe): no URL delivered it:
            \(lines)
            Nothing was cached. Check the network, or list a reachable copy in the entry's urls.
            """
    }
}
