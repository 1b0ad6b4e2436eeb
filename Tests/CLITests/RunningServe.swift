import Foundation
import Glibc

/// `qmailkit serve` running in the background, its standard error read as it
/// comes; killed on deinit if still running.
final class RunningServe {
    let process = Process()
    private let errors = Pipe()
    private(set) var log = ""
    /// The port it reported in its `listening on` line.
    private(set) var port = 0

    /// Starts `qmailkit serve ARGUMENTS --listen 127.0.0.1:0` and waits for it to listen.
    init(_ arguments: [String]) throws {
        process.executableURL = CLI.binary
        process.arguments = ["serve"] + arguments + ["--listen", "127.0.0.1:0"]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let line = try waitForLog("listening on ", seconds: 30)
        guard let colon = line.lastIndex(of: ":"), let number = Int(line[line.index(after: colon)...]) else {
            throw LineClient.Failure(description: "no port in '\(line)'")
        }
        port = number
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The first log line containing `text`, reading more for up to `seconds`.
    @discardableResult
    func waitForLog(_ text: String, seconds: Double) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let line = log.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            let remaining = deadline.timeIntervalSinceNow
            var poller = pollfd(fd: errors.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard remaining > 0, poll(&poller, 1, Int32(remaining * 1000) + 1) > 0 else {
                throw LineClient.Failure(description: "no '\(text)' within \(seconds) s; log so far:\n\(log)")
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(poller.fd, &chunk, chunk.count)
            guard count > 0 else { throw LineClient.Failure(description: "stderr closed before '\(text)'; log:\n\(log)") }
            log += String(decoding: chunk[..<count], as: UTF8.self)
        }
    }

    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// The exit status, or nil if still running after `seconds`. Once it has
    /// exited, `log` holds everything it wrote.
    func exitStatus(within seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard !process.isRunning else { return nil }
        log += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return process.terminationStatus
    }
}

/// A blocking loopback TCP client reading reply lines, with a receive timeout.
final class LineClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let fd: Int32
    private var pending: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; throws with the errno if refused.
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let error = errno
            close(fd)
            throw Failure(description: "connect to port \(port): \(String(cString: strerror(error)))")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// The next line with its CR LF; nil once the server has closed.
    func readLine() throws -> String? {
        while true {
            if let end = pending.firstIndex(of: 10) {
                defer { pending.removeSubrange(...end) }
                return String(decoding: pending[...end], as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &chunk, chunk.count, 0)
            if count == 0 || (count < 0 && errno == ECONNRESET) { return nil }
            guard count > 0 else { throw Failure(description: "no reply within 10 s") }
            pending += chunk[..<count]
        }
    }
}

/// Whether something accepts connections on 127.0.0.1:`port`.
func isListening(_ port: Int) -> Bool {
    (try? LineClient(port: port)) != nil
}
