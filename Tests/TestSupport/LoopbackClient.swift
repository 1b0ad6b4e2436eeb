import Foundation
import Glibc

/// A blocking TCP client of 127.0.0.1 for tests: bytes out exactly as given,
/// replies read with a receive timeout, so a silent server fails the test
/// instead of hanging it. The socket is closed exactly once, in `deinit`
/// (a failed connect included), so it can never close a descriptor that
/// another thread has been given since.
public final class LoopbackClient {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    private let fd: Int32
    private var pending: [UInt8] = []

    /// Connects to 127.0.0.1:`port`. `receiveBuffer` (set before connecting,
    /// so the advertised window stays small) and `sendTimeout` are for
    /// clients that stop reading on purpose.
    public init(port: Int, receiveTimeout: Int = 10, receiveBuffer: Int32? = nil, sendTimeout: Int? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        Self.setTime(fd, SO_RCVTIMEO, seconds: receiveTimeout)
        if let sendTimeout { Self.setTime(fd, SO_SNDTIMEO, seconds: sendTimeout) }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            throw Failure(description: "connect to port \(port): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    public static func isListening(_ port: Int) -> Bool {
        (try? LoopbackClient(port: port)) != nil
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            offset += count
        }
    }

    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// The next line with its LF (and CR), or nil once the server has closed.
    public func readLine() throws -> String? {
        while true {
            if let lf = pending.firstIndex(of: UInt8(ascii: "\n")) {
                defer { pending.removeSubrange(...lf) }
                return String(decoding: pending[...lf], as: UTF8.self)
            }
            guard let chunk = try receive() else { return nil }
            pending += chunk
        }
    }

    /// One complete reply (all its lines) as text, CRLFs included.
    public func readReply() throws -> String {
        var reply = ""
        while true {
            guard let line = try readLine() else {
                throw Failure(description: "connection closed; unterminated: \(String(decoding: pending, as: UTF8.self))")
            }
            reply += line
            let bytes = Array(line.utf8)
            if bytes.count < 4 || bytes[3] != UInt8(ascii: "-") { return reply }
        }
    }

    /// `count` replies, concatenated.
    public func readReplies(_ count: Int) throws -> String {
        var text = ""
        for _ in 0..<count { text += try readReply() }
        return text
    }

    /// Everything until the server closes.
    public func readUntilClosed() throws -> String {
        while let chunk = try receive() { pending += chunk }
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// True if the server closes without sending anything more.
    public func isClosedByServer() throws -> Bool {
        pending.isEmpty ? try receive() == nil : false
    }

    /// Sends `chunk` again and again until a send makes no progress within
    /// the send timeout (the server stopped reading); returns the bytes sent,
    /// or nil if `limit` bytes went out without that happening.
    public func sendUntilBlocked(_ chunk: [UInt8], limit: Int) -> Int? {
        var total = 0
        while total < limit {
            let count = chunk.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return (errno == EAGAIN || errno == EWOULDBLOCK) ? total : nil }
            total += count
        }
        return nil
    }

    /// Waits up to `seconds` for the server to end the connection (FIN or
    /// RST), without reading anything; true if it did.
    public func waitForHangUp(seconds: Double) -> Bool {
        // Linux's POLLRDHUP, which Glibc only declares under _GNU_SOURCE.
        let peerClosed: Int16 = 0x2000
        var poller = pollfd(fd: fd, events: peerClosed, revents: 0)
        guard poll(&poller, 1, Int32(seconds * 1000)) == 1 else { return false }
        return poller.revents & (peerClosed | Int16(POLLHUP | POLLERR)) != 0
    }

    /// The next bytes, or nil at end of stream. Throws on timeout.
    private func receive() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return Array(buffer[..<count]) }
            if count == 0 { return nil }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return nil }
            throw Failure(description: "no reply (\(String(cString: strerror(errno)))) after: \(String(decoding: pending, as: UTF8.self))")
        }
    }

    private static func setTime(_ fd: Int32, _ option: Int32, seconds: Int) {
        var time = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, option, &time, socklen_t(MemoryLayout<timeval>.size))
    }
}
