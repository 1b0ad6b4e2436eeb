import Glibc

/// Starting and reaping child programs with posix_spawn: the helpers a
/// session runs (queue program, checkpassword program), the daemons the
/// conformance suite drives, the tests' children. One place, because every
/// one of them needs the same care.
///
/// Children start with SIGPIPE at its default action and an empty signal
/// mask, every descriptor above the ones they are given closed, and the
/// environment given. `wait` blocks: call it off the event loop.
public enum ChildProcess {
    /// Why a child could not be started.
    public enum SpawnError: Error {
        /// posix_spawn failed with this errno before the program ran;
        /// `execFailed` tells whether the program itself could not be executed.
        case failed(errno: Int32, execFailed: Bool)
        /// A step of a `MountView`'s set-up in the child failed.
        case view(step: String, errno: Int32, execFailed: Bool)
    }

    /// How a child ended.
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled
        /// waitpid did not report the child (e.g. someone else reaped it).
        case waitFailed
    }

    /// Starts `argv[0]` (searched in PATH if it has no slash) with each
    /// `descriptors` source duplicated onto its target (e.g. a pipe onto 0).
    /// The sources stay open in the parent. With a `view`, the child runs in
    /// it (`workingDirectory` must then be nil). Returns the pid.
    public static func spawn(argv: [String], environment: [String: String], workingDirectory: String?,
                      descriptors: [(source: Int32, target: Int32)], view: MountView? = nil) throws -> pid_t {
        // Move the sources above every target first, so that one dup2 cannot
        // overwrite another's source (a source may itself be 0, 1 or 3).
        var moved: [(source: Int32, target: Int32)] = []
        defer { for entry in moved { _ = close(entry.source) } }
        for entry in descriptors {
            let copy = fcntl(entry.source, F_DUPFD_CLOEXEC, 10)
            guard copy >= 0 else { throw SpawnError.failed(errno: errno, execFailed: false) }
            moved.append((copy, entry.target))
        }
        if let view {
            guard workingDirectory == nil else { throw SpawnError.failed(errno: EINVAL, execFailed: false) }
            let path = try executablePath(argv[0], environment: environment)
            return try view.spawn(path: path, argv: argv, environment: environment, descriptors: moved)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for entry in moved { posix_spawn_file_actions_adddup2(&actions, entry.source, entry.target) }
        let highest = moved.map(\.target).max() ?? 2
        if let closeFrom = GlibcExtensions.addCloseFrom { _ = closeFrom(&actions, max(highest, 2) + 1) }
        if let directory = workingDirectory {
            guard let addChdir = GlibcExtensions.addChdir else {
                throw SpawnError.failed(errno: ENOSYS, execFailed: false)
            }
            _ = addChdir(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGCHLD)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, argv[0], &actions, &attributes, arguments, variables)
        guard status == 0 else {
            let execFailed = [ENOENT, EACCES, ENOEXEC, ENOTDIR, ELOOP, ENAMETOOLONG, EPERM].contains(status)
            throw SpawnError.failed(errno: status, execFailed: execFailed)
        }
        return pid
    }

    /// `name` itself when it has a slash, else the first executable of that
    /// name in the environment's PATH (as posix_spawnp looks it up).
    static func executablePath(_ name: String, environment: [String: String]) throws -> String {
        if name.contains("/") { return name }
        let folders = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let found = folders.map({ "\($0)/\(name)" as String }).first(where: { access($0, X_OK) == 0 }) else {
            throw SpawnError.failed(errno: ENOENT, execFailed: true)
        }
        return found
    }

    /// Waits for the child to end. Blocks.
    public static func wait(_ pid: pid_t) -> Termination {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, 0)
            if result == pid { break }
            if result == -1 && errno == EINTR { continue }
            return .waitFailed
        }
        return Termination(waitStatus: status)
    }

    /// A pipe whose both ends are close-on-exec. (pipe2 is not imported; a
    /// child spawned by another thread in between does not inherit the ends
    /// either, since `spawn` closes every descriptor above its targets.)
    public static func makePipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw SpawnError.failed(errno: errno, execFailed: false) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// Writes all of `bytes`, retrying on EINTR and short writes. False on
    /// any other error (EPIPE when the reader is gone).
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }
}

extension ChildProcess.Termination {
    /// What waitpid's status word says. (WIFEXITED / WEXITSTATUS are macros
    /// Swift cannot import.)
    init(waitStatus status: Int32) {
        let signal = status & 0x7F
        self = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled
    }
}

/// glibc's posix_spawn extensions, which Swift's Glibc module does not
/// import (they sit behind `_GNU_SOURCE`). Looked up once; `nil` where the C
/// library lacks them.
enum GlibcExtensions {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np`: close every descriptor from N up in the child.
    static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")

    static func symbol<T>(_ name: String) -> T? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }
}
