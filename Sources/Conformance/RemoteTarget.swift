import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SMTPEngine

/// A running SMTP server reached over TCP (`remote:HOST:PORT`): qmail-smtpd
/// under tcpserver, `qmailkit serve`, or any other. It is live, so only
/// scenarios `LiveSafety` allows may run on it, and it is used as it is: its
/// control files and environment must already be the scenario base (control/me
/// mail.example.org, rcpthosts example.org and .example.net; under tcpserver
/// `-l mail.example.org`). Its features are what the user says; nothing can
/// be read from a live server. Exit statuses and queued messages are not seen.
public struct RemoteTarget: ConformanceTarget {
    public let name: String
    public let kind = "remote"
    public let features: Features
    /// A few sessions at once: a live server has other clients too.
    public let maxParallelism = 4
    public let isLive = true
    public let host: String
    public let port: Int
    /// Seconds a connection attempt may take.
    public let connectTimeout: Double

    /// Why the server cannot be reached.
    public struct ConnectError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads `HOST:PORT` (`[v6]:PORT` for IPv6 literals); nil if malformed.
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
              let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    public init(host: String, port: Int, features: Features, connectTimeout: Double = 5) {
        self.host = host
        self.port = port
        self.features = features
        self.connectTimeout = connectTimeout
        name = host.contains(":") ? "remote:[\(host)]:\(port)" : "remote:\(host):\(port)"
    }

    /// Connects once and hangs up at once (no SMTP is spoken): tells a wrong
    /// host or a closed port apart from failing scenarios.
    public func checkReachable() throws {
        close(try Self.connect(host: host, port: port, timeout: connectTimeout))
    }

    public func connect(_ scenario: Scenario) throws -> any TargetConnection {
        RemoteConnection(socket: LineSocket(fd: try Self.connect(host: host, port: port, timeout: connectTimeout)))
    }

    /// A blocking TCP socket connected to the first address of `host` that
    /// answers within `timeout` seconds.
    static func connect(host: String, port: Int, timeout: Double) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ConnectError(description: "cannot resolve host '\(host)': \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { lastError = String(cString: strerror(errno)); continue }
            if let error = connectWithin(fd, address.pointee.ai_addr, address.pointee.ai_addrlen, timeout: timeout) {
                lastError = error
                close(fd)
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            return fd
        }
        throw ConnectError(description: "cannot connect to \(host) port \(port): \(lastError); is an SMTP server listening there?")
    }

    /// nil on success, else the reason. The socket is left blocking.
    private static func connectWithin(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t,
                                      timeout: Double) -> String? {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if Glibc.connect(fd, address, length) == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return "no answer within \(timeout) s" }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        return error == 0 ? nil : String(cString: strerror(error))
    }
}

final class RemoteConnection: TargetConnection {
    private let socket: LineSocket

    init(socket: LineSocket) {
        self.socket = socket
    }

    func send(_ bytes: [UInt8]) { socket.send(bytes) }
    func nextLine(timeout: Double) -> LineRead { socket.nextLine(timeout: timeout) }
    func shutdownInput() { socket.shutdownInput() }
    func startTLS(offer: TLSOffer, timeout: Double) -> String? {
        socket.startTLS(offer: offer, timeout: timeout)
    }
    func finish(timeout: Double) -> Completion { Completion(exitStatus: nil, queued: []) }
}
