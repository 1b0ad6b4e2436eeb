import Glibc
import Foundation
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 for tests, written on POSIX sockets.
///
/// Serves a fixed table of paths, one connection per thread, one request per
/// connection. It accepts at most `maxConnections` connections and stops by
/// itself after `lifetime`, so a broken test cannot leave it running.
final class LoopbackHTTPServer: Sendable {
    /// What the server does for a path.
    enum Behavior: Sendable {
        /// 200 with an honest Content-Length.
        case body(Data)
        /// This status with a short text body.
        case status(Int)
        /// 302 to another path on this server.
        case redirect(to: String)
        /// 200 claiming `claimedLength` bytes, sends `body`, then closes.
        case truncated(Data, claimedLength: Int)
        /// 200 with no Content-Length: the body ends when the connection closes.
        case unframed(Data)
        /// 200 claiming `claimedLength` bytes (which may exceed `body`), sends it.
        case lyingLength(Data, claimedLength: Int)
        /// Reads the request and never answers.
        case stallBeforeHeaders
        /// Sends headers for `claimedLength` bytes and `prefix`, then goes silent.
        case stallAfter(Data, claimedLength: Int)
        /// Sends headers for `claimedLength` bytes, then one byte of it every `interval`.
        case drip(Data, claimedLength: Int, interval: Duration)
    }

    private struct State {
        var stopped = false
        var requests: [String] = []
        var connections = 0
    }

    let port: UInt16
    private let listener: Int32
    private let routes: [String: Behavior]
    private let maxConnections: Int
    private let deadline: ContinuousClock.Instant
    private let state = Mutex(State())
    private let acceptLoopDone = DispatchSemaphore(value: 0)

    init(routes: [String: Behavior], maxConnections: Int = 16, lifetime: Duration = .seconds(60)) throws {
        let (listener, port) = try Self.listen()
        self.listener = listener
        self.port = port
        self.routes = routes
        self.maxConnections = maxConnections
        self.deadline = .now + lifetime
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// `http://127.0.0.1:<port><path>`.
    func url(_ path: String) -> URL {
        URL(string: "http://127.0.0.1:\(port)\(path)")!
    }

    /// Request targets received so far, in arrival order.
    var requests: [String] { state.withLock { $0.requests } }

    /// Stops accepting, releases stalled connections and closes the socket.
    func stop() {
        let wasStopped = state.withLock { state in
            defer { state.stopped = true }
            return state.stopped
        }
        if !wasStopped { acceptLoopDone.wait() }
    }

    /// A port on 127.0.0.1 that nothing listens on: bound, read, released.
    static func closedPort() throws -> UInt16 {
        let (socket, port) = try listen()
        close(socket)
        return port
    }

    private var shouldStop: Bool {
        state.withLock { $0.stopped } || ContinuousClock.now >= deadline
    }

    private static func listen() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0
                    && Glibc.listen(fd, 16) == 0
                    && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    private func acceptLoop() {
        defer {
            close(listener)
            acceptLoopDone.signal()
        }
        while !shouldStop {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            let admitted = state.withLock { state in
                state.connections += 1
                return state.connections <= maxConnections
            }
            guard admitted else {
                close(connection)
                continue
            }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        guard let target = readRequestTarget(connection) else { return }
        state.withLock { $0.requests.append(target) }
        switch routes[target] ?? .status(404) {
        case .body(let body):
            send(connection, header(200, length: body.count) + body)
        case .status(let code):
            let text = Data("status \(code)\n".utf8)
            send(connection, header(code, length: text.count) + text)
        case .redirect(let path):
            send(connection, Data("HTTP/1.1 302 Found\r\nLocation: \(url(path).absoluteString)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".utf8))
        case .truncated(let body, let claimed), .lyingLength(let body, let claimed):
            send(connection, header(200, length: claimed) + body)
        case .unframed(let body):
            send(connection, header(200, length: nil))
            var offset = 0
            while offset < body.count, !shouldStop {
                let end = min(offset + 16 * 1024, body.count)
                guard send(connection, body[offset..<end]) else { return }
                offset = end
            }
        case .stallBeforeHeaders:
            waitUntilStopped()
        case .stallAfter(let prefix, let claimed):
            send(connection, header(200, length: claimed) + prefix)
            waitUntilStopped()
        case .drip(let body, let claimed, let interval):
            send(connection, header(200, length: claimed))
            let (seconds, attoseconds) = interval.components
            for index in body.indices where !shouldStop {
                guard send(connection, body[index...index]) else { return }
                usleep(useconds_t(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
            }
        }
    }

    private func waitUntilStopped() {
        while !shouldStop { usleep(20_000) }
    }

    /// Reads up to the end of the request head and returns the target path.
    private func readRequestTarget(_ connection: Int32) -> String? {
        var head = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while head.count < 16 * 1024, !shouldStop {
            var poller = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) >= 0 else { return nil }
            guard poller.revents != 0 else { continue }
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            head.append(contentsOf: buffer[0..<count])
            if head.range(of: Data("\r\n\r\n".utf8)) != nil {
                let requestLine = String(decoding: head.prefix { $0 != 13 }, as: UTF8.self)
                let parts = requestLine.split(separator: " ")
                return parts.count == 3 ? String(parts[1]) : nil
            }
        }
        return nil
    }

    private func header(_ status: Int, length: Int?) -> Data {
        var text = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Test")\r\nConnection: close\r\n"
        if let length { text += "Content-Length: \(length)\r\n" }
        text += "Content-Type: application/octet-stream\r\n\r\n"
        return Data(text.utf8)
    }

    @discardableResult
    private func send(_ connection: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = Glibc.send(connection, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += sent
            }
            return true
        }
    }
}
