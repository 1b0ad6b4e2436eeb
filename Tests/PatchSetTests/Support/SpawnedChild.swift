import Foundation
import Glibc
import Spawn
import RealBuildSupport

/// A child process started with posix_spawn: SIGCHLD and SIGPIPE at their default
/// disposition and no signal blocked (qmail-smtpd and qmail-remote reap their own
/// children and must never inherit an ignored SIGCHLD), and no descriptor of ours
/// but the ones mapped explicitly.
final class SpawnedChild: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    /// Starts `argv[0]` (an absolute path) with exactly `environment`; `descriptors`
    /// maps child descriptor numbers to ours (dup2'd in the child). Descriptors 0–2
    /// not mapped are /dev/null, so the child never reuses them for its own files.
    init(_ argv: [String], environment: [String: String], descriptors: [Int32: Int32]) throws {
        SpawnedChild.ignoreSIGPIPEOnce
        var mapped = descriptors
        for standard in Int32(0)...2 where mapped[standard] == nil {
            guard SpawnedChild.devNull >= 0 else { throw HarnessError("cannot open /dev/null") }
            mapped[standard] = SpawnedChild.devNull
        }
        do {
            pid = try ChildProcess.spawn(argv: argv, environment: environment, workingDirectory: nil,
                                         descriptors: mapped.sorted { $0.key < $1.key }.map { (source: $0.value, target: $0.key) })
        } catch ChildProcess.SpawnError.failed(let code, _) {
            throw HarnessError("cannot start \(argv[0]): \(String(cString: strerror(code)))")
        }
    }

    /// Waits up to `timeout` seconds; kills the child (SIGKILL) if it is still running
    /// then. Returns the exit status, or 128+signal for a killed child.
    @discardableResult
    func wait(timeout: Double = 20) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let done = poll() { return done }
            if Date() >= deadline {
                kill(pid, SIGKILL)
                return waitBlocking()
            }
            usleep(5_000)
        }
    }

    /// The exit status if the child has exited, without blocking.
    func poll() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
        status = SpawnedChild.decode(raw)
        return status
    }

    private func waitBlocking() -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1, errno == EINTR {}
        status = SpawnedChild.decode(raw)
        return status!
    }

    deinit {
        if poll() == nil {
            kill(pid, SIGKILL)
            _ = waitBlocking()
        }
    }

    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    private static let devNull: Int32 = open("/dev/null", O_RDWR | O_CLOEXEC)

    /// The test process writes to sockets whose peer may have exited: EPIPE, not death.
    private static let ignoreSIGPIPEOnce: Void = { signal(SIGPIPE, SIG_IGN); () }()
}

/// Runs a program to completion with `stdin` bytes, capturing stdout and stderr.
struct ProgramRun {
    var status: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]

    var output: String { String(decoding: stdout, as: UTF8.self) }
    var errorOutput: String { String(decoding: stderr, as: UTF8.self) }

    /// Blocks until the program exits (killed after `timeout` seconds).
    static func run(_ argv: [String], environment: [String: String] = ProgramRun.basicEnvironment,
                    stdin: [UInt8] = [], timeout: Double = 60) throws -> ProgramRun {
        let input = try Pipe2()
        let output = try Pipe2()
        let errors = try Pipe2()
        let child = try SpawnedChild(argv, environment: environment,
                                      descriptors: [0: input.read, 1: output.write, 2: errors.write])
        input.closeRead()
        output.closeWrite()
        errors.closeWrite()
        let writer = Thread {
            writeAll(input.write, stdin)
            input.closeWrite()
        }
        writer.start()
        let collected = readBoth(output.read, errors.read, timeout: timeout)
        let status = child.wait(timeout: 5)
        output.closeRead()
        errors.closeRead()
        return ProgramRun(status: status, stdout: collected.0, stderr: collected.1)
    }

    static let basicEnvironment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C"]

    /// Locates `name` on the standard PATH.
    static func which(_ name: String) -> String? {
        ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin"].map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func readBoth(_ first: Int32, _ second: Int32, timeout: Double) -> ([UInt8], [UInt8]) {
        var buffers: [[UInt8]] = [[], []]
        var open = [true, true]
        let descriptors = [first, second]
        let deadline = Date().addingTimeInterval(timeout)
        while open.contains(true) {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { break }
            var polls = descriptors.enumerated().map { pollfd(fd: open[$0.offset] ? $0.element : -1, events: Int16(POLLIN), revents: 0) }
            guard Glibc.poll(&polls, 2, Int32(remaining * 1000) + 1) > 0 else { continue }
            for index in 0..<2 where open[index] && polls[index].revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let count = read(descriptors[index], &chunk, chunk.count)
                if count > 0 { buffers[index] += chunk[..<count] } else { open[index] = false }
            }
        }
        return (buffers[0], buffers[1])
    }
}

/// A pipe whose ends are close-on-exec in this process.
final class Pipe2: @unchecked Sendable {
    private(set) var read: Int32
    private(set) var write: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw HarnessError("pipe failed: \(String(cString: strerror(errno)))") }
        markCloseOnExec(ends[0])
        markCloseOnExec(ends[1])
        read = ends[0]
        write = ends[1]
    }

    func closeRead() {
        if read >= 0 { close(read) }
        read = -1
    }

    func closeWrite() {
        if write >= 0 { close(write) }
        write = -1
    }

    deinit {
        closeRead()
        closeWrite()
    }
}

/// Sets FD_CLOEXEC (the Glibc module exports neither pipe2 nor accept4).
func markCloseOnExec(_ descriptor: Int32) {
    _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
}

/// Writes every byte, retrying short writes; stops silently at EPIPE or another error.
func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
    var sent = 0
    while sent < bytes.count {
        let written = bytes[sent...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        if written < 0, errno == EINTR { continue }
        guard written > 0 else { return }
        sent += written
    }
}
