/// The bytes are not a well-formed tar archive.
public enum TarFormatError: Error, Equatable, CustomStringConvertible {
    /// The 512-byte header block at `offset` is damaged (bad checksum, unreadable number field, ...).
    case corruptHeader(offset: Int, reason: String)
    /// The pax extended header or GNU long-name record whose header is at `offset` is malformed.
    case corruptMetadata(offset: Int, reason: String)
    /// The archive stopped at `offset` in the middle of a header or an entry's data.
    case truncated(offset: Int, reason: String)
    /// The archive stopped cleanly at `offset` but without the end-of-archive marker.
    case missingEndOfArchive(offset: Int)

    public var description: String {
        switch self {
        case let .corruptHeader(offset, reason):
            return "corrupt tar header at offset \(offset): \(reason); the archive is damaged, obtain a fresh copy"
        case let .corruptMetadata(offset, reason):
            return "corrupt tar metadata (pax or GNU long name) at offset \(offset): \(reason); "
                + "the archive is damaged, obtain a fresh copy"
        case let .truncated(offset, reason):
            return "truncated tar archive: input ended at offset \(offset) \(reason); "
                + "the download is incomplete, fetch it again"
        case let .missingEndOfArchive(offset):
            return "tar archive ends at offset \(offset) without the end-of-archive marker (two zero blocks); "
                + "it is probably truncated, fetch it again"
        }
    }
}
