import Foundation
#if canImport(Glibc)
import Glibc
import RealBuildSupport
#endif
import TestSupport

/// A real qmail-smtpd on one end of a socketpair (its fd 0 and 1), driven from
/// the other end: plain bytes first, TLS after ``startTLS(_:)`` or for `SMTPS`.
///
/// The environment is exactly `TCPREMOTEIP=127.0.0.1`, `TCPLOCALHOST=mail.example.org`,
/// `AUTHSLEEP=0`, `QMAILQUEUE` = the capture program with its own `CAPDIR`, and
/// `PATH`, overridden by `environment` (a nil value removes a variable).
/// Open it inside ``PatchedBuild/withControl(_:_:)``: the daemon reads the control files then.
final class SMTPDConnection: @unchecked Sendable {
    let process: SpawnedChild
    let captureDirectory: URL
    /// `C: …` / `S: …` lines of everything exchanged, for failure messages.
    private(set) var transcript: [String] = []
    private let socket: Int32
    private var tls: TLSStream?
    private var lines = LineBuffer()

    static let valgrindPath = ProgramRun.which("valgrind")

    /// How long a reply may take: 10 s, a minute under valgrind (which starts
    /// slowly on a loaded machine).
    let replyTimeout: Double

    /// Starts `build.smtpd arguments…`; under valgrind when `valgrind` is true
    /// (`--error-exitcode=99 --leak-check=no`: the exit status says whether it found errors).
    init(_ build: PatchedBuild, arguments: [String] = [], environment: [String: String?] = [:],
         valgrind: Bool = false) throws {
        captureDirectory = try Scratch.directory("queue")
        replyTimeout = valgrind ? 60 : 10
        var env: [String: String] = [
            "PATH": "/usr/bin:/bin", "TCPREMOTEIP": "127.0.0.1", "TCPLOCALHOST": PatchedBuild.greeting,
            "QMAILQUEUE": TestTools.captureQueue.path, "CAPDIR": captureDirectory.path, "AUTHSLEEP": "0",
        ]
        for (name, value) in environment { env[name] = value }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw HarnessError("socketpair failed: \(String(cString: strerror(errno)))")
        }
        var argv = [build.smtpd.path] + arguments
        if valgrind {
            guard let valgrindPath = Self.valgrindPath else { throw HarnessError("valgrind is not installed") }
            argv = [valgrindPath, "-q", "--error-exitcode=99", "--leak-check=no"] + argv
        }
        do {
            let errors = open(captureDirectory.appendingPathComponent("stderr.log").path,
                              O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            defer { if errors >= 0 { close(errors) } }
            process = try SpawnedChild(argv, environment: env,
                                       descriptors: errors >= 0 ? [0: pair[1], 1: pair[1], 2: errors] : [0: pair[1], 1: pair[1]])
        } catch {
            close(pair[0])
            close(pair[1])
            throw error
        }
        close(pair[1])
        socket = pair[0]
    }

    deinit {
        close(socket)
    }

    /// True once the dialogue runs over TLS.
    var isTLS: Bool { tls != nil }

    /// Sends `text` as it is (the caller writes the CRLFs).
    func send(_ text: String) {
        send(bytes: Array(text.utf8))
    }

    func send(bytes: [UInt8]) {
        transcript.append("C: " + String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\\r\\n"))
        if let tls { tls.write(bytes) } else { writeAll(socket, bytes) }
    }

    /// The next line without its CRLF; nil at end of stream or after `timeout` seconds.
    func readLine(timeout: Double? = nil) -> String? {
        let timeout = timeout ?? replyTimeout
        let deadline = Date().addingTimeInterval(timeout)
        return lines.nextLine {
            let remaining = deadline.timeIntervalSinceNow
            return remaining > 0 ? receive(timeout: remaining) : nil
        }
    }

    /// One reply: lines up to the first whose fourth character is not `-`. Empty
    /// when nothing arrived in time; a reply cut short ends with the lines it had.
    func readReply(timeout: Double? = nil) -> [String] {
        var lines: [String] = []
        while let line = readLine(timeout: timeout) {
            lines.append(line)
            transcript.append("S: " + line)
            let bytes = Array(line.utf8)
            if bytes.count < 4 || bytes[3] != UInt8(ascii: "-") { break }
        }
        return lines
    }

    /// Sends `text`, returns the reply.
    func command(_ text: String, timeout: Double? = nil) -> [String] {
        send(text)
        return readReply(timeout: timeout)
    }

    /// TLS handshake as the client (after `220 ready for tls`, or first thing for SMTPS).
    /// Bytes already received in clear must not exist: the server sent nothing after 220.
    @discardableResult
    func startTLS(_ settings: TLSSettings = PKI.clientSettings()) throws -> TLSStream {
        guard lines.unread.isEmpty else {
            throw HarnessError("the server sent bytes in clear after its 220: \(String(decoding: lines.unread, as: UTF8.self))")
        }
        setReceiveTimeout(socket, 20)
        let stream = try TLSStream(descriptor: socket, settings: settings, server: false)
        tls = stream
        transcript.append("-- TLS \(stream.version) \(stream.cipher)")
        return stream
    }

    /// What the capture queue received so far.
    func captured() throws -> [CapturedMessage] {
        try CapturedMessage.all(in: captureDirectory)
    }

    /// Closes our end and waits for the daemon; returns its exit status.
    func finish(timeout: Double = 20) -> Int32 {
        tls?.close()
        Glibc.shutdown(socket, Int32(SHUT_RDWR))
        return process.wait(timeout: timeout)
    }

    /// The transcript as one string, for `#expect` comments, with the daemon's stderr (valgrind reports) if any.
    var log: String {
        let errors = (try? String(contentsOf: captureDirectory.appendingPathComponent("stderr.log"), encoding: .utf8)) ?? ""
        return transcript.joined(separator: "\n") + (errors.isEmpty ? "" : "\nstderr:\n" + errors)
    }

    private func receive(timeout: Double) -> [UInt8]? {
        if let tls { return tls.read(timeout: timeout) }
        return pollRead(socket, timeout: timeout)
    }
}
