import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file into a work tree without ever following a symlink: every folder
/// on the way is opened (or made) with O_NOFOLLOW relative to its parent, the bytes go to a
/// new file beside the target, and rename(2) replaces the target's directory entry
/// itself (a symlink there is replaced, its target is never opened).
enum WorkTreeFile {
    /// Replaces `relativePath` below `root` with `bytes` (mode 0644).
    static func replace(_ relativePath: String, in root: URL, with bytes: [UInt8]) throws {
        let components = relativePath.split(separator: "/").map(String.init)
        guard let name = components.last, !components.contains(".."), !components.contains(".") else {
            throw PatchEngineError.io("refusing to write '\(relativePath)' in \(root.path): not a plain tree path")
        }
        func failure(_ what: String) -> PatchEngineError {
            .io("cannot write \(root.path)/\(relativePath): \(what): \(String(cString: strerror(errno)))")
        }
        var directory = open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw failure("cannot open \(root.path)") }
        defer { close(directory) }
        for component in components.dropLast() {
            var next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, errno == ENOENT, mkdirat(directory, component, 0o755) == 0 {
                next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            guard next >= 0 else { throw failure("'\(component)' is not a plain folder (a symlink is never followed)") }
            close(directory)
            directory = next
        }
        let scratch = ".\(name).qmailkit-\(getpid())"
        let file = openat(directory, scratch, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard file >= 0 else { throw failure("cannot create a scratch file") }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
            guard count > 0 else {
                let error = failure("write")
                close(file)
                unlinkat(directory, scratch, 0)
                throw error
            }
            written += count
        }
        close(file)
        guard renameat(directory, scratch, directory, name) == 0 else {
            let error = failure("cannot replace '\(name)'")
            unlinkat(directory, scratch, 0)
            throw error
        }
    }
}
