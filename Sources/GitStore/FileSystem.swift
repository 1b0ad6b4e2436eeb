#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX calls checkout and directory reading need, each checked and
/// turned into a `GitError` naming the path and `strerror(errno)`.
///
/// POSIX rather than FileManager so that symlinks are never followed by
/// accident and modes are exactly what git records.
enum FileSystem {
    enum Kind {
        case directory, regular(executable: Bool), symlink, other(String)
    }

    /// The kind of thing at `path`, without following a final symlink; nil when
    /// nothing is there.
    static func kind(at path: String, operation: String) throws(GitError) -> Kind? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw failure(operation, "inspect", path)
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular(executable: info.st_mode & S_IXUSR != 0)
        case S_IFLNK: return .symlink
        case S_IFIFO: return .other("a FIFO")
        case S_IFSOCK: return .other("a socket")
        default: return .other("a device")
        }
    }

    /// Entry names of a directory except "." and "..", in no particular order.
    static func entries(of path: String, operation: String) throws(GitError) -> [String] {
        guard let directory = opendir(path) else { throw failure(operation, "open directory", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else { break }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(validatingCString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard let name else {
                throw GitError(operation: operation, message: "a name in \(path) is not valid UTF-8; rename it")
            }
            if name != "." && name != ".." { names.append(name) }
        }
        if errno != 0 { throw failure(operation, "read directory", path) }
        return names
    }

    static func readFile(_ path: String, operation: String) throws(GitError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(operation, "open", path) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(operation, "inspect", path) }
        var contents = [UInt8]()
        contents.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return contents }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(operation, "read", path)
            }
            contents.append(contentsOf: chunk[0..<count])
        }
    }

    static func readLink(_ path: String, operation: String) throws(GitError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        guard count >= 0 else { throw failure(operation, "read symlink", path) }
        return Array(buffer[0..<count])
    }

    /// Creates a new file (failing if anything is already there) with exactly
    /// `mode`, regardless of the umask.
    static func createFile(_ path: String, contents: [UInt8], mode: mode_t, operation: String) throws(GitError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure(operation, "create", path) }
        defer { close(descriptor) }
        var written = 0
        while written < contents.count {
            let count = contents.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(operation, "write", path)
            }
            written += count
        }
        guard fchmod(descriptor, mode) == 0 else { throw failure(operation, "set the mode of", path) }
    }

    static func createSymlink(_ path: String, target: [UInt8], operation: String) throws(GitError) {
        guard !target.contains(0), let text = String(validating: target, as: UTF8.self) else {
            throw GitError(operation: operation, message: "the symlink target for \(path) is not a valid path")
        }
        guard symlink(text, path) == 0 else { throw failure(operation, "create symlink", path) }
    }

    /// Creates a directory; an existing directory at `path` is fine.
    static func makeDirectory(_ path: String, operation: String) throws(GitError) {
        if mkdir(path, 0o755) == 0 { return }
        if errno == EEXIST, case .directory? = try kind(at: path, operation: operation) { return }
        throw failure(operation, "create directory", path)
    }

    /// Creates `path` and any missing parents, like `mkdir -p`.
    static func makeDirectories(_ path: String, operation: String) throws(GitError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for name in path.split(separator: "/") {
            prefix += "/" + name
            try makeDirectory(prefix, operation: operation)
        }
    }

    private static func failure(_ operation: String, _ action: String, _ path: String) -> GitError {
        let reason = String(cString: strerror(errno))
        return GitError(operation: operation, message: "cannot \(action) \(path): \(reason)")
    }
}
