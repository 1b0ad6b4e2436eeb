/// A compressed file format, recognised by its first bytes (never by its name).
public enum Compression: String, Sendable, Equatable, CaseIterable {
    /// `1f 8b` (RFC 1952).
    case gzip
    /// `BZh` and a block size digit `1`…`9`.
    case bzip2
    /// `fd 37 7a 58 5a 00`.
    case xz

    /// The format `bytes` starts with, or nil for anything else (plain text included).
    public static func detect(_ bytes: some Collection<UInt8>) -> Compression? {
        let head = Array(bytes.prefix(6))
        if head.starts(with: [0x1F, 0x8B]) { return .gzip }
        if head.count >= 4, head.starts(with: Array("BZh".utf8)), (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(head[3]) {
            return .bzip2
        }
        if head == [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00] { return .xz }
        return nil
    }

    /// `bytes` decompressed when they start with a known format's magic, else
    /// `bytes` unchanged. Concatenated members/streams decode as one.
    ///
    /// Cost: the whole output in memory, at most `limit` bytes; more is refused
    /// (a decompression bomb) before it is buffered.
    public static func decompressIfCompressed(_ bytes: [UInt8], limit: Int = 256 << 20) throws -> [UInt8] {
        switch detect(bytes) {
        case nil: return bytes
        case .gzip: return try gunzip(bytes, limit: limit)
        case .bzip2: return try Bzip2Decoder.decompress(bytes, limit: limit)
        case .xz: return try XZDecoder.decompress(bytes, limit: limit)
        }
    }

    private static func gunzip(_ bytes: [UInt8], limit: Int) throws -> [UInt8] {
        let decoder = try GzipDecoder()
        var output: [UInt8] = []
        try bytes.withUnsafeBytes { raw in
            try decoder.feed(raw) { piece in
                guard output.count + piece.count <= limit else { throw DecompressionError.tooLarge(.gzip, limit: limit) }
                output.append(contentsOf: piece)
            }
        }
        try decoder.finish()
        return output
    }
}

/// Why a bzip2 or xz file could not be decompressed, or was refused.
public enum DecompressionError: Error, Equatable, CustomStringConvertible {
    /// The library rejected the data near compressed byte `offset`.
    case corrupt(Compression, offset: Int, detail: String)
    /// The input ended inside a stream.
    case truncated(Compression, offset: Int)
    /// More than `limit` bytes would come out.
    case tooLarge(Compression, limit: Int)
    /// The library itself failed (memory, version), not the data.
    case libraryFailure(Compression, code: Int32)

    public var description: String {
        switch self {
        case let .corrupt(format, offset, detail):
            return "corrupt \(format.rawValue) data near compressed byte \(offset): \(detail); the file is damaged, download it again"
        case let .truncated(format, offset):
            return "truncated \(format.rawValue) data: input ended after \(offset) compressed bytes, inside a stream; the download is incomplete"
        case let .tooLarge(format, limit):
            return "refusing \(format.rawValue) data that decompresses to more than \(limit) bytes"
        case let .libraryFailure(format, code):
            return "the \(format.rawValue) library failed with code \(code); this is a library or memory problem, not the data"
        }
    }
}
