#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads a local file front to back in fixed-size chunks.
///
/// Memory use is one chunk; the file is opened and closed within the call.
enum LocalFileReader {
    static let chunkSize = 64 * 1024

    /// Calls `body` with each chunk of the file at `path`, in order.
    ///
    /// Throws ``SystemCallError`` when the file cannot be opened or read, and
    /// rethrows whatever `body` throws, after closing the file.
    static func forEachChunk(of path: URL, _ body: (Data) throws -> Void) throws {
        let descriptor = open(path.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemCallError.current("open", path.path) }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunkSize) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemCallError.current("read", path.path)
            }
            if count == 0 { return }
            try body(Data(buffer[0..<count]))
        }
    }
}
