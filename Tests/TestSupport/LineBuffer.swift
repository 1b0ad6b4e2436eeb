import Glibc

/// Bytes received from a peer, handed out a line at a time.
public struct LineBuffer {
    /// What has arrived but is not yet part of a returned line.
    public private(set) var unread: [UInt8] = []

    public init() {}

    /// The next line without its LF or CRLF, calling `receive` for more bytes
    /// until one is complete; nil once `receive` returns nil.
    public mutating func nextLine(receive: () -> [UInt8]?) -> String? {
        while true {
            if let end = unread.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(unread[..<end])
                unread.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard let chunk = receive() else { return nil }
            unread += chunk
        }
    }
}

/// The bytes `descriptor` has ready within `timeout` seconds; nil when none
/// arrive in time or the peer has closed.
public func pollRead(_ descriptor: Int32, timeout: Double) -> [UInt8]? {
    var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    guard poll(&poller, 1, Int32(max(timeout, 0) * 1000) + 1) > 0 else { return nil }
    var chunk = [UInt8](repeating: 0, count: 16384)
    let count = read(descriptor, &chunk, chunk.count)
    return count > 0 ? Array(chunk[..<count]) : nil
}
