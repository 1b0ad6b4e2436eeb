#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Unpacks an in-memory `.tar.gz` into a ``SourceTree``.
///
/// Throws ``GzipError``, ``TarFormatError``, ``UnsafeEntryError`` or ``ArchiveLimitError``;
/// on any error no tree is returned. `progress` receives the compressed bytes consumed so far
/// after each 64 KiB chunk.
public func unpack(
    tarGz bytes: [UInt8], limits: ArchiveLimits = .default, progress: (Int) -> Void = { _ in }
) throws -> SourceTree {
    let unpacker = try TarGzUnpacker(limits: limits)
    try bytes.withUnsafeBytes { all in
        var start = 0
        while start < all.count {
            let end = min(start + unpackChunkSize, all.count)
            try unpacker.feed(UnsafeRawBufferPointer(rebasing: all[start..<end]))
            progress(end)
            start = end
        }
    }
    return try unpacker.finish()
}

/// Unpacks the `.tar.gz` file at `path` into a ``SourceTree``, streaming it in 64 KiB chunks.
///
/// Throws ``UnpackError`` if the file cannot be read, and otherwise as ``unpack(tarGz:limits:progress:)``.
/// `progress` receives the bytes read from the file so far after each chunk.
public func unpack(
    tarGzAtPath path: String, limits: ArchiveLimits = .default, progress: (Int) -> Void = { _ in }
) throws -> SourceTree {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw UnpackError.cannotRead(path: path, reason: systemErrorMessage()) }
    defer { close(descriptor) }

    let unpacker = try TarGzUnpacker(limits: limits)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: unpackChunkSize, alignment: 1)
    defer { buffer.deallocate() }
    var total = 0
    while true {
        let count = read(descriptor, buffer.baseAddress, buffer.count)
        if count < 0 {
            if errno == EINTR { continue }
            throw UnpackError.cannotRead(path: path, reason: systemErrorMessage())
        }
        if count == 0 { break }
        try unpacker.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        total += count
        progress(total)
    }
    return try unpacker.finish()
}

private let unpackChunkSize = 64 * 1024

private func systemErrorMessage() -> String {
    String(cString: strerror(errno))
}
