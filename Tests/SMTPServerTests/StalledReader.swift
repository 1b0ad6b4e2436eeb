import Foundation
import Glibc

/// A loopback client that sends but never reads: its small receive buffer
/// fills with replies, then the server's send buffer, then the server must
/// stop reading; the client's own sends finally block.
final class StalledReader {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawClient.Failure(description: "socket: \(errno)") }
        // Before connect, so the advertised window stays small.
        var size: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw RawClient.Failure(description: "connect to port \(port): errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends `chunk` again and again until a send makes no progress for a
    /// second (the server stopped reading); returns the bytes sent, or nil
    /// if `limit` bytes went out without that happening.
    func sendUntilBlocked(_ chunk: [UInt8], limit: Int) -> Int? {
        var total = 0
        while total < limit {
            let count = chunk.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return (errno == EAGAIN || errno == EWOULDBLOCK) ? total : nil }
            total += count
        }
        return nil
    }

    /// Waits up to `seconds` for the server to end the connection (FIN or
    /// RST), without reading anything; true if it did.
    func waitForHangUp(seconds: Double) -> Bool {
        // Linux's POLLRDHUP, which Glibc only declares under _GNU_SOURCE.
        let peerClosed: Int16 = 0x2000
        var poller = pollfd(fd: fd, events: peerClosed, revents: 0)
        guard poll(&poller, 1, Int32(seconds * 1000)) == 1 else { return false }
        return poller.revents & (peerClosed | Int16(POLLHUP | POLLERR)) != 0
    }
}
