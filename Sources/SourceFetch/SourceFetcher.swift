import Foundation

/// Gets a pinned source into the cache: from the cache itself, from the first
/// mirror that delivers a verified copy, or from a local file.
///
/// Nothing unverified is ever left in the cache: each download streams into a
/// staging file that is renamed into place only after size and SHA-256 match,
/// and deleted on any failure.
public struct SourceFetcher: Sendable {
    /// Per-mirror timeouts for `http` and `https` mirrors.
    public var timeouts: FetchTimeouts

    public init(timeouts: FetchTimeouts = .standard) {
        self.timeouts = timeouts
    }

    /// Returns a verified copy of `source` from `cache`, downloading it first
    /// if needed.
    ///
    /// A verified cache hit uses no network. Otherwise mirrors are tried in
    /// order until one delivers the pinned bytes; each failure is reported as
    /// ``FetchEvent/mirrorFailed(_:reason:)`` and collected into
    /// ``FetchError/allMirrorsFailed(source:attempts:)`` if none succeeds.
    /// Cost: one read of the cached file, or one download plus one write.
    public func fetch(
        _ source: PinnedSource,
        into cache: SourceCache,
        progress: @escaping @Sendable (FetchEvent) -> Void = { _ in }
    ) async throws(FetchError) -> FetchedSource {
        cache.removeLeftovers(progress: progress)
        if let cached = try cache.lookup(source, progress: progress) {
            progress(.cacheHit(cached))
            return FetchedSource(path: cached, origin: .cache, sha256: source.sha256.lowercased())
        }
        let destination = try cache.path(for: source)
        try cache.prepareSourcesDirectory()

        var attempts: [MirrorAttempt] = []
        for (index, mirror) in source.urls.enumerated() {
            if Task.isCancelled { throw .cancelled }
            progress(.tryingMirror(mirror, attempt: index + 1, of: source.urls.count))
            let staging = try cache.stagingFile(for: source)
            let sink = DownloadSink(source: source, staging: staging, from: mirror, progress: progress)
            let digest: String
            do {
                try await transfer(from: mirror, limit: source.size, into: sink)
                digest = try sink.verdict()
            } catch {
                staging.discard()
                if Task.isCancelled { throw .cancelled }
                let failure = try Self.mirrorFailure(for: error, cache: cache)
                attempts.append(MirrorAttempt(url: mirror, failure: failure))
                progress(.mirrorFailed(mirror, reason: failure))
                continue
            }
            progress(.verified(sha256: digest))
            try cache.commit(staging, to: destination)
            progress(.stored(destination))
            return FetchedSource(path: destination, origin: .mirror(mirror), sha256: digest)
        }
        throw .allMirrorsFailed(source: source.name, attempts: attempts)
    }

    /// Verifies the local file at `file` against `source` and copies it into
    /// `cache` (`qmailkit fetch --from FILE`). The file itself is left alone.
    ///
    /// Fails without touching the cache when the file is unreadable or does
    /// not match the pinned size and SHA-256. Cost: one read, one write.
    public func importLocalFile(
        _ file: URL,
        as source: PinnedSource,
        into cache: SourceCache,
        progress: @escaping @Sendable (FetchEvent) -> Void = { _ in }
    ) throws(FetchError) -> FetchedSource {
        cache.removeLeftovers(progress: progress)
        let destination = try cache.path(for: source)
        try cache.prepareSourcesDirectory()
        let staging = try cache.stagingFile(for: source)
        let sink = DownloadSink(source: source, staging: staging, from: file, progress: progress)
        let digest: String
        do {
            try LocalFileReader.forEachChunk(of: file, sink.receive)
            digest = try sink.verdict()
        } catch {
            staging.discard()
            throw Self.importFailure(for: error, file: file, source: source, cache: cache)
        }
        progress(.verified(sha256: digest))
        try cache.commit(staging, to: destination)
        progress(.stored(destination))
        return FetchedSource(path: destination, origin: .localFile(file), sha256: digest)
    }

    private func transfer(from mirror: URL, limit: Int64, into sink: DownloadSink) async throws {
        switch mirror.scheme?.lowercased() {
        case "http", "https":
            try await URLSessionTransport(timeouts: timeouts)
                .download(from: mirror, sizeLimit: limit, receive: sink.receive)
        case "file":
            do {
                try LocalFileReader.forEachChunk(of: mirror, sink.receive)
            } catch let error as SystemCallError {
                throw MirrorFailure.unreadable(error.description)
            }
        case let scheme:
            throw MirrorFailure.unsupportedScheme(scheme ?? "")
        }
    }

    /// Sorts a failed attempt: the mirror's fault is returned so the next
    /// mirror can be tried; the cache's fault ends the fetch.
    private static func mirrorFailure(for error: any Error, cache: SourceCache) throws(FetchError) -> MirrorFailure {
        switch error {
        case let failure as MirrorFailure:
            return failure
        case let problem as PayloadProblem:
            return .payload(problem)
        case let write as DownloadSink.CacheWriteFailure:
            throw .cacheNotWritable(cache.sourcesDirectory, reason: write.underlying.description)
        default:
            return .network("\(error)")
        }
    }

    private static func importFailure(for error: any Error, file: URL, source: PinnedSource, cache: SourceCache) -> FetchError {
        switch error {
        case let read as SystemCallError:
            return .unreadableLocalFile(file, reason: read.description)
        case PayloadProblem.checksumMismatch(let expected, let actual):
            return .checksumMismatch(source: source.name, file: file, expected: expected, actual: actual)
        case PayloadProblem.sizeMismatch(let expected, let actual):
            return .sizeMismatch(source: source.name, file: file, expected: expected, actual: actual)
        case PayloadProblem.tooLarge(let limit):
            let actual = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64) ?? nil
            return .sizeMismatch(source: source.name, file: file, expected: limit, actual: actual ?? limit + 1)
        case let write as DownloadSink.CacheWriteFailure:
            return .cacheNotWritable(cache.sourcesDirectory, reason: write.underlying.description)
        default:
            return .unreadableLocalFile(file, reason: "\(error)")
        }
    }
}
