import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The client end of a connected stream socket, read a reply line at a time.
/// Every read is bounded in time; the descriptor is closed on deinit.
final class LineSocket {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var sawEOF = false

    /// Takes ownership of `fd`, a blocking stream socket.
    init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Writes all bytes; stops quietly if the peer has gone.
    func send(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            sent += count
        }
    }

    /// The next line without its CR LF; a last unterminated line counts as a line.
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
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return .timedOut }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining * 1000) + 1) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(fd, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            // A reset connection ends like a closed one.
            if count <= 0 { sawEOF = true } else { buffer += chunk[..<count] }
        }
    }

    /// Shuts down the sending side (EOF for the server).
    func shutdownInput() {
        shutdown(fd, Int32(SHUT_WR))
    }
}
