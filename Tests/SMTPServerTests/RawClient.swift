import Glibc

/// A blocking loopback TCP client for tests: bytes out exactly as given,
/// replies read with a receive timeout so a silent server fails the test
/// instead of hanging it.
final class RawClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect to port \(port): errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "send: errno \(errno)") }
            offset += count
        }
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// One complete reply (all its lines) as text, CRLFs included.
    func readReply() throws -> String {
        var reply = ""
        while true {
            let line = try readLine()
            reply += line
            let bytes = Array(line.utf8)
            if bytes.count < 4 || bytes[3] != UInt8(ascii: "-") { return reply }
        }
    }

    /// Reads `count` replies and returns them concatenated.
    func readReplies(_ count: Int) throws -> String {
        var text = ""
        for _ in 0..<count { text += try readReply() }
        return text
    }

    /// Everything until the server closes (nil if it did not close in time).
    func readUntilClosed() throws -> String {
        while let chunk = try receive() { pending += chunk }
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// True if the server closes without sending anything more.
    func isClosedByServer() throws -> Bool {
        pending.isEmpty ? try receive() == nil : false
    }

    private func readLine() throws -> String {
        while true {
            if let lf = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[...lf])
                pending.removeSubrange(...lf)
                return String(decoding: line, as: UTF8.self)
            }
            guard let chunk = try receive() else {
                throw Failure(description: "connection closed; unterminated: \(String(decoding: pending, as: UTF8.self))")
            }
            pending += chunk
        }
    }

    /// The next bytes, or nil at EOF. Throws on timeout.
    private func receive() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return Array(buffer[..<count]) }
            if count == 0 { return nil }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return nil }
            throw Failure(description: "recv: errno \(errno) (timeout?) after \(String(decoding: pending, as: UTF8.self))")
        }
    }
}
