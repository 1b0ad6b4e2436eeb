import Conformance
import Foundation
#if canImport(Glibc)
import Glibc
import RealBuildSupport
#endif
import TestSupport

/// A scripted SMTP server on 127.0.0.1 for qmail-remote: accepts one connection
/// (waiting at most 20 s), answers EHLO/HELO, STARTTLS (real OpenSSL server side),
/// AUTH PLAIN/LOGIN/CRAM-MD5 against `users`, MAIL/RCPT/DATA/QUIT, and records
/// every command line it received.
final class FakeSMTPServer: @unchecked Sendable {
    struct Script: Sendable {
        /// EHLO keywords after the greeting line (STARTTLS is added when `tls` is set).
        var capabilities = ["PIPELINING"]
        /// The AUTH line's mechanisms, e.g. `LOGIN PLAIN CRAM-MD5`; nil = no AUTH line.
        var auth: String?
        var users = ["joe": "secret"]
        /// false: EHLO gets `502 no`.
        var ehloAccepted = true
        /// Server TLS configuration; nil = no STARTTLS.
        var tls: TLSSettings?
        /// TLS from the first byte (port 465 style).
        var smtps = false
        /// Reply to STARTTLS; `garbage` = `220 ready` followed by bytes that are not TLS.
        var startTLSReply = "220 ready"
    }

    /// The CRAM-MD5 challenge of RFC 2195's example.
    static let cramChallenge = "<1896.697170952@postoffice.reston.mci.net>"

    let port: UInt16
    private let script: Script
    private var listener: Int32
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var received: [String] = []
    private var usedTLS = false
    private var clientCertificate = false

    /// Listens on 127.0.0.1:`port` (0 = any free port) and serves one connection on a thread.
    init(_ script: Script, port: UInt16 = 0) throws {
        self.script = script
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw HarnessError("cannot listen on 127.0.0.1:\(port): \(reason)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = UInt16(bigEndian: address.sin_port)
        listener = fd
        Thread { [self] in
            serve()
            done.signal()
        }.start()
    }

    deinit {
        closeListener()
    }

    /// Frees the port as soon as the one connection is accepted (or waiting gave up).
    private func closeListener() {
        lock.withLock {
            if listener >= 0 { Glibc.close(listener) }
            listener = -1
        }
    }

    /// Waits (at most `timeout` s) for the connection to end; then the results below are final.
    func finish(timeout: Double = 25) {
        _ = done.wait(timeout: .now() + timeout)
    }

    var commands: [String] { lock.withLock { received } }
    var tlsUsed: Bool { lock.withLock { usedTLS } }
    var clientPresentedCertificate: Bool { lock.withLock { clientCertificate } }

    private func record(_ line: String) { lock.withLock { received.append(line) } }

    private func serve() {
        let socket = lock.withLock { listener }
        var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = Glibc.poll(&poller, 1, 20_000) > 0
        let connection = ready ? accept(socket, nil, nil) : -1
        if connection >= 0 { markCloseOnExec(connection) }
        closeListener()
        guard connection >= 0 else { return }
        defer { Glibc.close(connection) }
        setReceiveTimeout(connection, 20)
        let channel = LineChannel(descriptor: connection)
        do {
            if script.smtps {
                try channel.upgrade(script.tls ?? TLSSettings(), server: true)
                lock.withLock { usedTLS = true; clientCertificate = channel.tls?.peerPresentedCertificate ?? false }
            }
            channel.send("220 fake ESMTP")
            try dialogue(channel)
        } catch {
            record("EXC \(error)")
        }
        channel.tls?.close()
    }

    private func dialogue(_ channel: LineChannel) throws {
        func authenticated(_ good: Bool) {
            channel.send(good ? "235 ok" : "535 no")
        }
        while let line = channel.readLine() {
            record(line)
            let upper = line.uppercased()
            if upper.hasPrefix("EHLO") {
                guard script.ehloAccepted else { channel.send("502 no"); continue }
                var lines = ["fake"]
                if script.tls != nil, !tlsUsed, !script.smtps { lines.append("STARTTLS") }
                lines += script.capabilities
                if let auth = script.auth { lines.append("AUTH " + auth) }
                for (index, text) in lines.enumerated() {
                    channel.send((index == lines.count - 1 ? "250 " : "250-") + text)
                }
            } else if upper.hasPrefix("HELO") {
                channel.send("250 fake")
            } else if upper == "STARTTLS" {
                if script.startTLSReply == "garbage" {
                    channel.send("220 ready")
                    channel.sendRaw(Array(String(repeating: "this is not TLS\r\n", count: 8).utf8))
                    return
                }
                channel.send(script.startTLSReply)
                guard script.startTLSReply.hasPrefix("220") else { continue }
                try channel.upgrade(script.tls ?? TLSSettings(), server: true)
                lock.withLock { usedTLS = true; clientCertificate = channel.tls?.peerPresentedCertificate ?? false }
            } else if upper.hasPrefix("AUTH PLAIN") {
                let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
                var answer = parts.count > 2 ? parts[2] : nil
                if answer == nil {
                    channel.send("334 ")
                    answer = channel.readLine().map { record($0); return $0 }
                }
                let fields = decode(answer).split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
                authenticated(fields.count == 3 && script.users[fields[1]] == fields[2])
            } else if upper.hasPrefix("AUTH LOGIN") {
                channel.send("334 VXNlcm5hbWU6")
                let user = String(decoding: decode(channel.readLine().map { record($0); return $0 }), as: UTF8.self)
                channel.send("334 UGFzc3dvcmQ6")
                let password = String(decoding: decode(channel.readLine().map { record($0); return $0 }), as: UTF8.self)
                authenticated(script.users[user] == password)
            } else if upper.hasPrefix("AUTH CRAM-MD5") {
                channel.send("334 " + AuthText.base64(Self.cramChallenge))
                let answer = String(decoding: decode(channel.readLine().map { record($0); return $0 }), as: UTF8.self)
                let parts = answer.split(separator: " ").map(String.init)
                let good = parts.count == 2 && script.users[parts[0]].map {
                    CheckPasswordStandIn.cramDigest(challenge: Array(Self.cramChallenge.utf8), password: $0)
                } == parts[1]
                authenticated(good)
            } else if upper.hasPrefix("MAIL") || upper.hasPrefix("RCPT") {
                channel.send("250 ok")
            } else if upper == "DATA" {
                channel.send("354 go")
                while let body = channel.readLine(), body != "." {}
                channel.send("250 ok queued")
            } else if upper == "QUIT" {
                channel.send("221 bye")
                return
            } else {
                channel.send("502 unimplemented")
            }
        }
    }

    private func decode(_ text: String?) -> [UInt8] {
        text.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } ?? []
    }
}

/// CRLF lines over a descriptor, in clear or (after ``upgrade(_:server:)``) TLS.
final class LineChannel {
    let descriptor: Int32
    private(set) var tls: TLSStream?
    private var lines = LineBuffer()

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func upgrade(_ settings: TLSSettings, server: Bool) throws {
        tls = try TLSStream(descriptor: descriptor, settings: settings, server: server)
    }

    func send(_ line: String) { sendRaw(Array((line + "\r\n").utf8)) }

    func sendRaw(_ bytes: [UInt8]) {
        if let tls { tls.write(bytes) } else { writeAll(descriptor, bytes) }
    }

    /// The next line without CRLF; nil at end of stream or after 20 s of silence.
    func readLine() -> String? {
        lines.nextLine { tls.map { $0.read(timeout: 20) } ?? pollRead(descriptor, timeout: 20) }
    }
}
