#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Staging

/// A new, uniquely named file next to its final place in the cache, named
/// `.<file>.partial-<pid>.<uuid>` so that a later run can remove it if this
/// process dies (``Leftovers``), and deleted on SIGINT or SIGTERM when the
/// command asked for that (``InterruptCleanup``).
///
/// Bytes are written to it as they arrive; ``commit(as:)`` makes it durable
/// and renames it into place in one atomic step, ``discard()`` deletes it.
/// Exactly one of the two must be called, once.
struct StagingFile: Sendable {
    /// Where the partial file lives while it is being written.
    let path: URL
    private let descriptor: Int32
    private let tracking: InterruptCleanup.Token

    /// Creates an empty staging file beside `destination`.
    init(for destination: URL) throws(SystemCallError) {
        let path = StagingPath.sibling(of: destination, tag: UUID().uuidString)
        let tracking = InterruptCleanup.shared.track(path)
        let descriptor = open(path.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let error = SystemCallError.current("open", path.path)
            InterruptCleanup.shared.settle(tracking) {}
            throw error
        }
        self.path = path
        self.descriptor = descriptor
        self.tracking = tracking
    }

    /// Appends `chunk`, retrying partial and interrupted writes.
    func append(_ chunk: Data) throws(SystemCallError) {
        let result: SystemCallError? = chunk.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return .current("write", path.path)
                }
                offset += written
            }
            return nil
        }
        if let result { throw result }
    }

    /// Flushes the file to disk, closes it and renames it to `destination`
    /// (which must be in the same directory), then flushes the directory so
    /// the rename survives a crash. On failure the staging file is removed.
    func commit(as destination: URL) throws(SystemCallError) {
        if fsync(descriptor) != 0 {
            let error = SystemCallError.current("fsync", path.path)
            discard()
            throw error
        }
        close(descriptor)
        let renameError: SystemCallError? = InterruptCleanup.shared.settle(tracking) {
            guard rename(path.path, destination.path) != 0 else { return nil }
            let error = SystemCallError.current("rename", path.path)
            unlink(path.path)
            return error
        }
        if let renameError { throw renameError }
        let directory = destination.deletingLastPathComponent().path
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw .current("open", directory) }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw .current("fsync", directory) }
    }

    /// Closes and deletes the staging file.
    func discard() {
        close(descriptor)
        InterruptCleanup.shared.settle(tracking) { _ = unlink(path.path) }
    }
}
