import Foundation

/// Why a source could not be fetched, imported or cached.
///
/// Every message says what happened, that nothing unverified was cached, and
/// what to try next.
public enum FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A local file's SHA-256 does not match the pin.
    case checksumMismatch(source: String, file: URL, expected: String, actual: String)
    /// A local file's size does not match the pin.
    case sizeMismatch(source: String, file: URL, expected: Int64, actual: Int64)
    /// Every mirror was tried and none delivered a verified file.
    case allMirrorsFailed(source: String, attempts: [MirrorAttempt])
    /// The file given with `--from` cannot be read.
    case unreadableLocalFile(URL, reason: String)
    /// The cache directory cannot be created or written.
    case cacheNotWritable(URL, reason: String)
    /// Neither `XDG_CACHE_HOME` nor `HOME` names an absolute directory.
    case cacheLocationUnknown
    /// The pinned file name is not a plain file name.
    case invalidFileName(String)
    /// The surrounding task was cancelled; nothing was cached.
    case cancelled

    public var description: String {
        switch self {
        case .checksumMismatch(let source, let file, let expected, let actual):
            return """
                \(source): SHA-256 of \(file.path) does not match the pinned value.
                  expected: \(expected)
                  actual:   \(actual)
                The file was not cached. Make sure it is the original upstream file; \
                a re-packed or altered archive has a different digest.
                """
        case .sizeMismatch(let source, let file, let expected, let actual):
            return """
                \(source): \(file.path) is \(actual) bytes, the pinned size is \(expected) bytes.
                The file was not cached. It is probably incomplete or a different file; \
                download it again or use another copy.
                """
        case .allMirrorsFailed(let source, let attempts):
            let lines = attempts.isEmpty
                ? ["  (no mirrors are listed for this source)"]
                : attempts.map { "  \($0.url.absoluteString): \($0.failure)" }
            return """
                \(source): could not download a verified copy from any mirror:
                \(lines.joined(separator: "\n"))
                Nothing was cached. If you have the file, run `qmailkit fetch --from FILE` \
                to verify it and put it in the cache.
                """
        case .unreadableLocalFile(let file, let reason):
            return """
                cannot read \(file.path): \(reason)
                Check the path given with --from and that the file is readable.
                """
        case .cacheNotWritable(let directory, let reason):
            return """
                cannot write to the source cache \(directory.path): \(reason)
                Make the directory writable, or point XDG_CACHE_HOME at a writable directory.
                """
        case .cacheLocationUnknown:
            return """
                cannot place the source cache: neither XDG_CACHE_HOME nor HOME is set \
                to an absolute path. Set one of them.
                """
        case .invalidFileName(let name):
            return """
                the pinned file name '\(name)' is not a plain file name \
                (it is empty, starts with '.', or contains '/'). Fix the source definition.
                """
        case .cancelled:
            return "the fetch was cancelled; nothing was cached."
        }
    }
}
