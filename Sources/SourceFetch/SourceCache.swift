#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Staging

/// The directory of verified source files, one per pinned file name, at
/// `<root>/sources/<fileName>`.
///
/// The cache never trusts what is on disk: every ``lookup(_:progress:)``
/// re-hashes the file (cost: one read of the file), and anything that fails
/// is deleted. Files only enter through an atomic rename of a verified copy.
public struct SourceCache: Sendable, Equatable {
    /// The cache's top directory; sources live in its `sources` subdirectory.
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// A cache at ``defaultRoot(environment:)``.
    public init(environment: [String: String]) throws(FetchError) {
        self.init(root: try Self.defaultRoot(environment: environment))
    }

    /// `$XDG_CACHE_HOME/qmailkit` when that is an absolute path, otherwise
    /// `$HOME/.cache/qmailkit`. Pure: reads only the dictionary it is given.
    public static func defaultRoot(environment: [String: String]) throws(FetchError) -> URL {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("qmailkit", isDirectory: true)
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return URL(fileURLWithPath: home, isDirectory: true)
                .appendingPathComponent(".cache", isDirectory: true)
                .appendingPathComponent("qmailkit", isDirectory: true)
        }
        throw .cacheLocationUnknown
    }

    /// `<root>/sources`.
    public var sourcesDirectory: URL {
        root.appendingPathComponent("sources", isDirectory: true)
    }

    /// Where `source` lives once verified. Rejects a file name that could
    /// escape the cache directory or hide among staging files (which start
    /// with '.', so a staging file is never looked up as a result).
    public func path(for source: PinnedSource) throws(FetchError) -> URL {
        let name = source.fileName
        guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/"), !name.contains("\0") else {
            throw .invalidFileName(name)
        }
        return sourcesDirectory.appendingPathComponent(name, isDirectory: false)
    }

    /// The verified cached copy of `source`, or `nil` when there is none.
    ///
    /// Re-checks size and SHA-256 on every call. A file that fails is deleted
    /// and reported as ``FetchEvent/cacheEntryDiscarded(_:reason:)``, then
    /// treated as absent. Throws only when such a file cannot be deleted.
    public func lookup(
        _ source: PinnedSource,
        progress: @Sendable (FetchEvent) -> Void = { _ in }
    ) throws(FetchError) -> URL? {
        let path = try path(for: source)
        guard FileManager.default.fileExists(atPath: path.path) else { return nil }
        let reason: String
        do {
            var verifier = PayloadVerifier(expectedSize: source.size, expectedSHA256: source.sha256)
            try LocalFileReader.forEachChunk(of: path) { chunk in try verifier.consume(chunk) }
            _ = try verifier.verdict()
            return path
        } catch {
            reason = "\(error)"
        }
        do {
            try FileManager.default.removeItem(at: path)
        } catch {
            throw .cacheNotWritable(sourcesDirectory, reason: "cannot remove unverified \(path.lastPathComponent): \(error.localizedDescription)")
        }
        progress(.cacheEntryDiscarded(path, reason: reason))
        return nil
    }

    /// Deletes the staging files that interrupted runs left in the sources
    /// directory (those whose process is gone; never one of a live run) and
    /// reports each as ``FetchEvent/leftoverRemoved(_:)``. Cost: one listing.
    func removeLeftovers(progress: @Sendable (FetchEvent) -> Void) {
        for removed in Leftovers.reclaim(in: sourcesDirectory) {
            progress(.leftoverRemoved(removed))
        }
    }

    /// Creates `<root>/sources` if needed and checks that it is writable.
    func prepareSourcesDirectory() throws(FetchError) {
        let directory = sourcesDirectory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .cacheNotWritable(directory, reason: Self.reason(error))
        }
        guard access(directory.path, W_OK | X_OK) == 0 else {
            throw .cacheNotWritable(directory, reason: SystemCallError.current("access", directory.path).description)
        }
    }

    /// A new staging file for `source` in the sources directory.
    func stagingFile(for source: PinnedSource) throws(FetchError) -> StagingFile {
        let destination = try path(for: source)
        do {
            return try StagingFile(for: destination)
        } catch {
            throw .cacheNotWritable(sourcesDirectory, reason: error.description)
        }
    }

    /// Moves a finished staging file to `destination`, a path from
    /// ``path(for:)``. The staging file is gone afterwards either way.
    func commit(_ staging: StagingFile, to destination: URL) throws(FetchError) {
        do {
            try staging.commit(as: destination)
        } catch {
            throw .cacheNotWritable(sourcesDirectory, reason: error.description)
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }
}
