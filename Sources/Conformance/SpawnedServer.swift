import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program run with fd 0 and fd 1 on one end of a socketpair (as tcpserver
/// runs qmail-smtpd), SIGCHLD and SIGPIPE at their default disposition and
/// stderr to /dev/null. Every read is bounded in time. After `startTLS` the
/// suite's TLS client sits between the caller and the socket.
final class SpawnedServer {
    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    private let socket: Int32
    private let pid: pid_t
    private var buffer: [UInt8] = []
    private var sawEOF = false
    private var status: Int32?
    private var tls: TLSEndpoint?

    init(program: String, arguments: [String], environment: [String: String]) throws {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
            throw SpawnError(description: "socketpair failed: \(String(cString: strerror(errno)))")
        }
        for fd in pair {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        defer { close(pair[1]) }
        socket = pair[0]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, pair[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGCHLD)
        sigaddset(&defaults, SIGPIPE)
        var noneBlocked = sigset_t()
        sigemptyset(&noneBlocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &noneBlocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, program, &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(socket)
            throw SpawnError(description: "cannot start \(program): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
        close(socket)
    }

    /// Writes all bytes (through TLS once it is on); stops quietly if the
    /// peer has gone.
    func send(_ bytes: [UInt8]) {
        if let tls {
            tls.send(bytes)
            sendRaw(tls.outgoing())
        } else {
            sendRaw(bytes)
        }
    }

    private func sendRaw(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            sent += count
        }
    }

    func nextLine(timeout: Double) -> LineRead {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                if line.last == 13 { line.removeLast() }
                return .line(line)
            }
            if sawEOF {
                if buffer.isEmpty { return .closed }
                let rest = buffer
                buffer = []
                return .line(rest)
            }
            guard let chunk = readChunk(before: deadline) else {
                if sawEOF { continue }
                return .timedOut
            }
            if let tls {
                buffer += tls.incoming(chunk)
                sendRaw(tls.outgoing())
            } else {
                buffer += chunk
            }
        }
    }

    /// The next bytes from the socket; `nil` at the deadline or at EOF (then
    /// `sawEOF` is set).
    private func readChunk(before deadline: Date) -> [UInt8]? {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining * 1000) + 1) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(socket, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                sawEOF = true
                return nil
            }
            return Array(chunk[..<count])
        }
    }

    /// The client side of a TLS handshake over the socket; `nil` on success,
    /// else why it failed. Plaintext arriving with the last flight is kept.
    func startTLS(clientCertificate: [UInt8]?, timeout: Double) -> String? {
        guard tls == nil else { return "TLS is already on" }
        let endpoint: TLSEndpoint
        do { endpoint = try TLSEndpoint.client(certificate: clientCertificate) } catch { return "TLS client: \(error)" }
        let deadline = Date().addingTimeInterval(timeout)
        sendRaw(endpoint.outgoing())
        while !endpoint.isEstablished {
            if let failure = endpoint.failure { return failure }
            guard let chunk = readChunk(before: deadline) else {
                return sawEOF ? "the server closed the connection during the handshake"
                    : "the handshake did not complete within \(timeout) s"
            }
            let plaintext = endpoint.incoming(chunk)
            sendRaw(endpoint.outgoing())
            if let failure = endpoint.failure { return failure }
            buffer += plaintext
        }
        tls = endpoint
        return nil
    }

    /// Everything the program writes until it closes its side (bytes
    /// `nextLine` buffered first), or what came within `timeout` seconds.
    func readAll(timeout: Double) -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        while !sawEOF, let chunk = readChunk(before: deadline) {
            buffer += chunk
        }
        defer { buffer = [] }
        return buffer
    }

    func shutdownInput() {
        shutdown(socket, Int32(SHUT_WR))
    }

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
