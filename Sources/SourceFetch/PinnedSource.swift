import Foundation

/// One upstream artefact pinned by name, size and SHA-256, with the mirrors
/// that may serve it, in the order they should be tried.
///
/// A plain value: building one does no I/O and checks nothing. The cache
/// rejects a `fileName` that is not a single path component when it is used.
public struct PinnedSource: Sendable, Equatable {
    /// Human-readable name used in messages, e.g. `netqmail-1.06`.
    public var name: String
    /// The file's name inside the cache, e.g. `netqmail-1.06.tar.gz`.
    public var fileName: String
    /// Mirrors to try in order: `http`, `https` or `file` URLs.
    public var urls: [URL]
    /// Exact size in bytes.
    public var size: Int64
    /// SHA-256 of the file as 64 lowercase hexadecimal digits.
    public var sha256: String

    public init(name: String, fileName: String, urls: [URL], size: Int64, sha256: String) {
        self.name = name
        self.fileName = fileName
        self.urls = urls
        self.size = size
        self.sha256 = sha256
    }
}
