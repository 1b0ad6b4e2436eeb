/// An archive exceeded one of the configured ``ArchiveLimits``.
public enum ArchiveLimitError: Error, Equatable, CustomStringConvertible {
    case entryTooLarge(path: String, offset: Int, size: Int, limit: Int)
    case totalSizeTooLarge(path: String, offset: Int, total: Int, limit: Int)
    case tooManyEntries(path: String, offset: Int, limit: Int)
    case metadataTooLarge(offset: Int, size: Int, limit: Int)
    case trailingDataTooLarge(offset: Int, limit: Int)

    public var description: String {
        let advice = "if the archive is trusted, raise the limit in ArchiveLimits"
        switch self {
        case let .entryTooLarge(path, offset, size, limit):
            return "refusing '\(path)' (tar header at offset \(offset)): it declares \(size) bytes, "
                + "more than the per-entry limit of \(limit); \(advice)"
        case let .totalSizeTooLarge(path, offset, total, limit):
            return "refusing '\(path)' (tar header at offset \(offset)): the archive would unpack to \(total) bytes, "
                + "more than the total limit of \(limit); \(advice)"
        case let .tooManyEntries(path, offset, limit):
            return "refusing '\(path)' (tar header at offset \(offset)): the archive has more than \(limit) entries; \(advice)"
        case let .metadataTooLarge(offset, size, limit):
            return "refusing the pax/GNU metadata record at offset \(offset): it declares \(size) bytes, "
                + "more than the limit of \(limit); \(advice)"
        case let .trailingDataTooLarge(offset, limit):
            return "refusing the archive: more than \(limit) bytes follow the end-of-archive marker at offset \(offset); "
                + "this looks like a decompression bomb, not tar padding; \(advice)"
        }
    }
}
