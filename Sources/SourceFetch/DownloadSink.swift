import Foundation
import Synchronization

/// Receives one mirror's (or local file's) body: checks each chunk against the pin, appends it
/// to a staging file and reports progress.
///
/// Safe to call from a transport's callback thread.
final class DownloadSink: Sendable {
    /// Writing to the staging file failed; this is the cache's fault, not the
    /// mirror's, so the fetch stops instead of trying the next mirror.
    struct CacheWriteFailure: Error {
        let underlying: SystemCallError
    }

    private let verifier: Mutex<PayloadVerifier>
    private let staging: StagingFile
    private let origin: URL
    private let progress: @Sendable (FetchEvent) -> Void

    init(source: PinnedSource, staging: StagingFile, from origin: URL, progress: @escaping @Sendable (FetchEvent) -> Void) {
        self.verifier = Mutex(PayloadVerifier(expectedSize: source.size, expectedSHA256: source.sha256))
        self.staging = staging
        self.origin = origin
        self.progress = progress
    }

    /// Verifies and stores `chunk`. Throws ``PayloadProblem/tooLarge(limit:)``
    /// before writing a chunk that would pass the pinned size.
    func receive(_ chunk: Data) throws {
        let (received, expected) = try verifier.withLock { verifier throws in
            try verifier.consume(chunk)
            do throws(SystemCallError) {
                try staging.append(chunk)
            } catch {
                throw CacheWriteFailure(underlying: error)
            }
            return (verifier.receivedBytes, verifier.expectedSize)
        }
        progress(.bytesReceived(received, expected: expected, from: origin))
    }

    /// The digest when everything received matches the pin.
    func verdict() throws(PayloadProblem) -> String {
        let verifier = verifier.withLock { $0 }
        return try verifier.verdict()
    }
}
