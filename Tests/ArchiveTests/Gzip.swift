import CZlib

/// Compresses `data` into one gzip member with zlib's deflate (test helper).
func gzip(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
    var stream = z_stream()
    return withUnsafeMutablePointer(to: &stream) { stream in
        precondition(CZlib_deflateInit2(stream, level, 15 + 16) == Z_OK, "deflateInit2 failed")
        defer { deflateEnd(stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, UInt(data.count))) + 64)
        var input = data
        let written = input.withUnsafeMutableBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_in = input.baseAddress
                stream.pointee.avail_in = UInt32(input.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = UInt32(out.count)
                precondition(deflate(stream, Z_FINISH) == Z_STREAM_END, "deflate did not finish")
                return out.count - Int(stream.pointee.avail_out)
            }
        }
        return Array(output.prefix(written))
    }
}

/// Splits `bytes` into chunks of `size` (the last may be shorter).
func chunks(_ bytes: [UInt8], of size: Int) -> [[UInt8]] {
    let size = max(1, min(size, bytes.count))
    return stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
}
