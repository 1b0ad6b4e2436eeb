/// Why a gzip stream could not be decompressed.
public enum GzipError: Error, Equatable, CustomStringConvertible {
    /// zlib rejected the data at or before compressed byte `offset`; `zlibMessage` is zlib's own explanation.
    case corruptStream(offset: Int, zlibMessage: String)
    /// The input ended after `offset` compressed bytes, before the gzip trailer of the last member.
    case truncatedStream(offset: Int)
    /// zlib itself failed (out of memory or a version mismatch), not the data.
    case zlibFailure(operation: String, code: Int32)

    public var description: String {
        switch self {
        case let .corruptStream(offset, zlibMessage):
            return "corrupt gzip stream near compressed byte \(offset): \(zlibMessage); "
                + "the file is damaged or not gzip, download it again"
        case let .truncatedStream(offset):
            return "truncated gzip stream: input ended after \(offset) compressed bytes, "
                + "before the gzip trailer; the download is incomplete, fetch it again"
        case let .zlibFailure(operation, code):
            return "zlib \(operation) failed with code \(code); this is a zlib or memory problem, not the data"
        }
    }
}
