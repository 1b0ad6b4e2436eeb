import CBzip2

/// Whole-buffer bunzip2 through libbz2; concatenated streams (as `cat a.bz2 b.bz2`
/// or parallel compressors produce) decode as one.
enum Bzip2Decoder {
    private static let scratchSize = 64 * 1024

    static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        var consumed = 0
        let scratch = UnsafeMutablePointer<CChar>.allocate(capacity: scratchSize)
        defer { scratch.deallocate() }
        try input.withUnsafeBufferPointer { buffer in
            let base = UnsafeMutableRawPointer(mutating: buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            while consumed < input.count {
                var stream = bz_stream()
                let start = BZ2_bzDecompressInit(&stream, 0, 0)
                guard start == BZ_OK else { throw DecompressionError.libraryFailure(.bzip2, code: start) }
                defer { BZ2_bzDecompressEnd(&stream) }
                stream.next_in = base + consumed
                stream.avail_in = UInt32(min(input.count - consumed, Int(UInt32.max)))
                var code: Int32 = BZ_OK
                while code != BZ_STREAM_END {
                    stream.next_out = scratch
                    stream.avail_out = UInt32(scratchSize)
                    let before = stream.avail_in
                    code = BZ2_bzDecompress(&stream)
                    let produced = scratchSize - Int(stream.avail_out)
                    guard output.count + produced <= limit else { throw DecompressionError.tooLarge(.bzip2, limit: limit) }
                    scratch.withMemoryRebound(to: UInt8.self, capacity: produced) {
                        output.append(contentsOf: UnsafeBufferPointer(start: $0, count: produced))
                    }
                    let offset = consumed + Int(before) - Int(stream.avail_in)
                    switch code {
                    case BZ_OK, BZ_STREAM_END:
                        if code == BZ_OK, stream.avail_in == 0, produced == 0 {
                            throw DecompressionError.truncated(.bzip2, offset: offset)
                        }
                    case BZ_DATA_ERROR, BZ_DATA_ERROR_MAGIC:
                        throw DecompressionError.corrupt(.bzip2, offset: offset, detail: "not valid bzip2 data")
                    default:
                        throw DecompressionError.libraryFailure(.bzip2, code: code)
                    }
                }
                consumed = input.count - Int(stream.avail_in)
            }
        }
        return output
    }
}
