/// Size and count ceilings applied while reading an archive.
///
/// Every limit is checked when an entry's header is read, before any of its data is buffered,
/// so a hostile archive costs at most one header's worth of work per refused entry.
public struct ArchiveLimits: Sendable, Equatable {
    /// Largest data size of a single entry, in bytes.
    public var maxEntrySize: Int
    /// Largest sum of all entry sizes (files plus pax/GNU metadata), in bytes.
    public var maxTotalSize: Int
    /// Most entries (files, directories, links) an archive may hold.
    public var maxEntryCount: Int
    /// Largest pax extended header or GNU long-name record, in bytes.
    public var maxMetadataSize: Int
    /// Most bytes accepted after the end-of-archive marker (tar pads archives to whole records;
    /// anything far beyond that is a decompression bomb, not padding).
    public var maxTrailingBytes: Int

    /// Creates limits; every value left out keeps its ``default``.
    public init(
        maxEntrySize: Int = Self.default.maxEntrySize,
        maxTotalSize: Int = Self.default.maxTotalSize,
        maxEntryCount: Int = Self.default.maxEntryCount,
        maxMetadataSize: Int = Self.default.maxMetadataSize,
        maxTrailingBytes: Int = Self.default.maxTrailingBytes
    ) {
        self.maxEntrySize = maxEntrySize
        self.maxTotalSize = maxTotalSize
        self.maxEntryCount = maxEntryCount
        self.maxMetadataSize = maxMetadataSize
        self.maxTrailingBytes = maxTrailingBytes
    }

    private init(entry: Int, total: Int, count: Int, metadata: Int, trailing: Int) {
        maxEntrySize = entry
        maxTotalSize = total
        maxEntryCount = count
        maxMetadataSize = metadata
        maxTrailingBytes = trailing
    }

    /// Generous for source tarballs (netqmail-1.06 is about 1 MiB unpacked):
    /// 256 MiB per entry, 1 GiB in total, 100 000 entries, 1 MiB of metadata per record,
    /// 1 MiB after the end marker.
    public static let `default` = ArchiveLimits(
        entry: 256 << 20, total: 1 << 30, count: 100_000, metadata: 1 << 20, trailing: 1 << 20)
}
