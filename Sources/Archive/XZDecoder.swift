import CLzma

/// Whole-buffer unxz through liblzma; concatenated `.xz` streams decode as one.
enum XZDecoder {
    private static let scratchSize = 64 * 1024

    static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var stream = lzma_stream()
        let start = lzma_stream_decoder(&stream, UInt64.max, CLzma_concatenatedFlag())
        guard start == LZMA_OK else { throw DecompressionError.libraryFailure(.xz, code: Int32(start.rawValue)) }
        defer { lzma_end(&stream) }
        var output: [UInt8] = []
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchSize)
        defer { scratch.deallocate() }
        try input.withUnsafeBufferPointer { buffer in
            stream.next_in = buffer.baseAddress
            stream.avail_in = buffer.count
            while true {
                stream.next_out = scratch
                stream.avail_out = scratchSize
                let code = lzma_code(&stream, LZMA_FINISH)
                let produced = scratchSize - stream.avail_out
                guard output.count + produced <= limit else { throw DecompressionError.tooLarge(.xz, limit: limit) }
                output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: produced))
                let offset = input.count - stream.avail_in
                switch code {
                case LZMA_STREAM_END: return
                case LZMA_OK: continue
                case LZMA_BUF_ERROR: throw DecompressionError.truncated(.xz, offset: offset)
                case LZMA_DATA_ERROR, LZMA_FORMAT_ERROR, LZMA_OPTIONS_ERROR:
                    throw DecompressionError.corrupt(.xz, offset: offset, detail: "not valid xz data")
                default:
                    throw DecompressionError.libraryFailure(.xz, code: Int32(code.rawValue))
                }
            }
        }
        return output
    }
}
