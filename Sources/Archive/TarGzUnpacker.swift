/// The sans-IO pipeline from `.tar.gz` bytes to a ``SourceTree``: gunzip, tar parsing with the
/// safety policy and limits, then tree assembly. Feed compressed chunks of any size, then call
/// ``finish()``.
///
/// Entries are refused as soon as their header is decoded, so an oversized or hostile entry
/// costs little. Memory: the whole unpacked tree (it is the result) plus one entry being read.
public final class TarGzUnpacker {
    private let decoder: GzipDecoder
    private var reader: TarReader
    private var builder = SourceTreeBuilder()

    /// Compressed bytes consumed so far.
    public var compressedBytesConsumed: Int { decoder.compressedBytesConsumed }

    /// Creates an unpacker enforcing `limits`.
    public init(limits: ArchiveLimits = .default) throws {
        decoder = try GzipDecoder()
        reader = TarReader(limits: limits)
    }

    /// Consumes the next chunk of compressed input.
    public func feed(_ chunk: UnsafeRawBufferPointer) throws {
        try decoder.feed(chunk) { decompressed in
            try reader.feed(decompressed) { builder.add($0) }
        }
    }

    /// Consumes the next chunk of compressed input.
    public func feed(_ chunk: [UInt8]) throws {
        try chunk.withUnsafeBytes { try feed($0) }
    }

    /// Declares the end of input and returns the tree. Throws if the gzip stream or the tar
    /// archive is incomplete.
    public func finish() throws -> SourceTree {
        try decoder.finish()
        try reader.finish()
        return builder.build()
    }
}
