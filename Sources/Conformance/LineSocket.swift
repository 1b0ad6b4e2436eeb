import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The client end of a connected stream socket, read a reply line at a time.
/// Every read is bounded in time; the descriptor is closed on deinit. After
/// `startTLS` the suite's TLS client sits between the caller and the socket.
final class LineSocket {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var sawEOF = false
    private var tls: TLSEndpoint?

    /// Takes ownership of `fd`, a blocking stream socket.
    init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Writes all bytes (through TLS once it is on); stops quietly if the peer has gone.
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
    /// `sawEOF` is set). A reset connection ends like a closed one.
    private func readChunk(before deadline: Date) -> [UInt8]? {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining * 1000) + 1) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(fd, &chunk, chunk.count)
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
    func startTLS(offer: TLSOffer, timeout: Double) -> String? {
        guard tls == nil else { return "TLS is already on" }
        let endpoint: TLSEndpoint
        do { endpoint = try TLSEndpoint.client(offer: offer) } catch { return "TLS client: \(error)" }
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

    /// Everything the other side writes until it closes (bytes `nextLine`
    /// buffered first), or what came within `timeout` seconds.
    func readAll(timeout: Double) -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        while !sawEOF, let chunk = readChunk(before: deadline) {
            buffer += chunk
        }
        defer { buffer = [] }
        return buffer
    }

    /// Shuts down the sending side (EOF for the server).
    func shutdownInput() {
        shutdown(fd, Int32(SHUT_WR))
    }
}
