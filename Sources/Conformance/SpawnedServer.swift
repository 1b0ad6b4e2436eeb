import Foundation
import Spawn
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program run with fd 0 and fd 1 on one end of a socketpair (as tcpserver
/// runs qmail-smtpd), SIGCHLD and SIGPIPE at their default disposition and
/// stderr to a file or /dev/null. Every read is bounded in time. After `startTLS` the
/// suite's TLS client sits between the caller and the socket.
final class SpawnedServer {
    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    private let socket: LineSocket
    private let pid: pid_t
    private var status: Int32?

    /// `stderr`: a file that gets descriptor 2 (created or truncated); nil: /dev/null.
    init(launch: Launch, environment: [String: String], stderr: URL? = nil) throws {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
            throw SpawnError(description: "socketpair failed: \(String(cString: strerror(errno)))")
        }
        for fd in pair {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        defer { close(pair[1]) }
        socket = LineSocket(fd: pair[0])

        // stderr to its file or /dev/null, and nothing else of ours: with
        // selections checked in parallel (matrix -j), a descriptor another
        // thread has open for writing a script would keep that script busy
        // (ETXTBSY) for as long as this child lives.
        let errorOutput = open(stderr?.path ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { if errorOutput >= 0 { close(errorOutput) } }
        let child: pid_t
        do {
            guard errorOutput >= 0 else { throw ChildProcess.SpawnError.failed(errno: errno, execFailed: false) }
            child = try ChildProcess.spawn(argv: launch.argv, environment: environment, workingDirectory: nil,
                                           descriptors: [(pair[1], 0), (pair[1], 1), (errorOutput, 2)], view: launch.view)
        } catch ChildProcess.SpawnError.failed(let code, _) {
            throw SpawnError(description: "cannot start \(launch.argv[0]): \(String(cString: strerror(code)))")
        } catch ChildProcess.SpawnError.view(let step, let code, _) {
            throw SpawnError(description: "cannot start \(launch.argv[0]) in its private view: \(step) failed: \(String(cString: strerror(code)))")
        }
        pid = child
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
    }

    func send(_ bytes: [UInt8]) { socket.send(bytes) }
    func nextLine(timeout: Double) -> LineRead { socket.nextLine(timeout: timeout) }
    func shutdownInput() { socket.shutdownInput() }
    func startTLS(offer: TLSOffer, timeout: Double) -> String? {
        socket.startTLS(offer: offer, timeout: timeout)
    }
    func readAll(timeout: Double) -> [UInt8] { socket.readAll(timeout: timeout) }

    /// The exit status, waiting up to `timeout` seconds; kills the process
    /// and returns nil if it is still running then.
    func waitForExit(timeout: Double) -> Int32? {
        if let status { return status }
        let deadline = Date().addingTimeInterval(timeout)
        var raw: Int32 = 0
        while true {
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid {
                // WIFEXITED / WEXITSTATUS; a signal death is reported as 128 + signal.
                let signal = raw & 0x7F
                status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
                return status
            }
            if result < 0 && errno != EINTR { return nil }
            if Date() >= deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &raw, 0)
                status = -1
                return nil
            }
            usleep(5_000)
        }
    }
}
