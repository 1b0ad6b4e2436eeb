import Foundation

/// A verified source file in the cache and where it came from.
public struct FetchedSource: Sendable, Equatable {
    /// Where a verified copy came from.
    public enum Origin: Sendable, Equatable {
        /// Already in the cache; no network was used.
        case cache
        /// Downloaded from this mirror.
        case mirror(URL)
        /// Imported from a local file (`--from FILE`).
        case localFile(URL)
    }

    /// Path of the verified file inside the cache.
    public var path: URL
    public var origin: Origin
    /// SHA-256 of the file, lowercase hex.
    public var sha256: String

    public init(path: URL, origin: Origin, sha256: String) {
        self.path = path
        self.origin = origin
        self.sha256 = sha256
    }
}
