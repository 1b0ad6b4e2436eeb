import Foundation
import NIOCore
import SMTPEngine
import SMTPServer
import Synchronization
import Testing
import TestSupport

/// The transport's own duties over real sockets: end of input, memory
/// bound, connection limit, AUTH through a real checkpassword program (its
/// timers are tested on virtual time, VirtualTimeTests).
@Suite("SMTPServer transport behaviour", .ownThread)
struct SessionTransportTests {
    @Test("half-closed client still gets every reply; a message cut by EOF is not delivered")
    func halfClosed() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let sink = MemorySink()
        try await withServer(home.settings(delivery: .memory(sink))) { port in
            let client = try LoopbackClient(port: port)
            _ = try client.readReply()
            try client.send("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: cut\r\n")
            client.shutdownWrite()
            #expect(try client.readUntilClosed() == "250 mx.test.example\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n")
        }
        #expect(sink.count == 0)
    }

    @Test("a 1 MB junk line is an unknown command; past the memory limit it is 421 out of memory")
    func junkLines() async throws {
        let home = try TestHome()
        defer { home.remove() }
        try await withServer(home.settings(delivery: .memory(MemorySink()))) { port in
            let client = try LoopbackClient(port: port)
            _ = try client.readReply()
            try client.send([UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) - 2) + Array("\r\nNOOP\r\n".utf8))
            #expect(try client.readReplies(2) == "502 unimplemented (#5.5.1)\r\n250 ok\r\n")

            let greedy = try LoopbackClient(port: port)
            _ = try greedy.readReply()
            try greedy.send([UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) + 1))
            #expect(try greedy.readUntilClosed() == "421 out of memory (#4.3.0)\r\n")
        }
    }

    @Test("at the connection limit further clients wait until a session ends")
    func connectionLimit() async throws {
        let home = try TestHome()
        defer { home.remove() }
        var settings = home.settings(delivery: .memory(MemorySink()))
        settings.connectionLimit = 1
        try await withServer(settings) { port in
            let first = try LoopbackClient(port: port)
            #expect(try first.readReply() == "220 mx.test.example ESMTP\r\n")
            let second = try LoopbackClient(port: port, receiveTimeout: 1)
            #expect(throws: LoopbackClient.Failure.self) { try second.readReply() }
            try first.send("QUIT\r\n")
            _ = try first.readReply()
            #expect(try second.readReply() == "220 mx.test.example ESMTP\r\n")
        }
    }

    @Test("AUTH PLAIN through a checkpassword shell script; a wrong password sleeps, then 535, in order",
          .enabled(if: hasOpenSSL, "the checkpassword script uses openssl for CRAM-MD5"))
    func authPlain() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let check = try CheckPasswordScript.write(in: home)
        let sink = MemorySink()
        let settings = home.settings(features: [.auth], delivery: .memory(sink), checkProgram: [check, "/bin/true"],
                                     environment: ["SMTPAUTH": "", "AUTHSLEEP": "1"])
        try await withServer(settings) { port in
            let client = try LoopbackClient(port: port)
            _ = try client.readReply()
            try client.send("EHLO client.example\r\n")
            #expect(try client.readReply().contains("250-AUTH LOGIN PLAIN\r\n"))

            let wrong = Data("\0alice\0wrong".utf8).base64EncodedString()
            let start = Date()
            try client.send("AUTH PLAIN \(wrong)\r\nNOOP\r\n")
            #expect(try client.readReplies(2) == "535 authentication failed (#5.7.1)\r\n250 ok\r\n")
            #expect(Date().timeIntervalSince(start) > 0.8)

            let right = Data("\0alice\0\(CheckPasswordScript.password)".utf8).base64EncodedString()
            try client.send("AUTH PLAIN \(right)\r\n")
            #expect(try client.readReply() == "235 ok, go ahead (#2.0.0)\r\n")
            try client.send("MAIL FROM:<alice@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n")
            #expect(try client.readReplies(3) == "250 ok\r\n250 ok\r\n354 go ahead\r\n")
            try client.send("hi\r\n.\r\nQUIT\r\n")
            #expect(try client.readReply().hasPrefix("250 ok "))
        }
        let message = try #require(sink.messages.first)
        let text = String(decoding: message.bytes, as: UTF8.self)
        #expect(text.hasPrefix("Received: from unknown (HELO client.example) (alice@127.0.0.1)\n  by 127.0.0.1 with ESMTPA; "))
        #expect(bodyAfterReceivedLine(message.bytes) == Array("hi\n".utf8))
    }

    @Test("a port already taken: start and startSynchronously fail with the bind error instead of waiting for ever")
    func portTaken() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let settings = home.settings(delivery: .memory(MemorySink()))
        let first = try await SMTPServer.start(host: "127.0.0.1", port: 0, settings: settings, threads: 1)
        let port = try #require(first.localAddress.port)
        await #expect(throws: IOError.self) {
            _ = try await SMTPServer.start(host: "127.0.0.1", port: port, settings: settings, threads: 1)
        }
        let error = #expect(throws: IOError.self) {
            _ = try SMTPServer.startSynchronously(host: "127.0.0.1", port: port, settings: settings, threads: 1)
        }
        #expect(error?.errnoCode == EADDRINUSE)
        try await first.shutdown()
    }

    @Test("control files are read off the event loop: one whose read blocks holds no other work of the server")
    func controlFilesOffTheLoop() async throws {
        let home = try TestHome()
        defer { home.remove() }
        // A FIFO as control/smtpgreeting: reading it blocks until a writer comes.
        let fifo = home.control.appendingPathComponent("smtpgreeting").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let server = try await SMTPServer.start(host: "127.0.0.1", port: 0, settings: home.settings(delivery: .memory(MemorySink())),
                                                threads: 1)
        let client = try LoopbackClient(port: server.localAddress.port!)
        // A writer can open the FIFO without blocking only once a reader has:
        // then the session's read is under way (and waits for our bytes).
        var writer: Int32 = -1
        let opened = Date().addingTimeInterval(10)
        while writer < 0 && Date() < opened {
            writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer < 0 { usleep(10_000) }
        }
        try #require(writer >= 0, "the session never read control/smtpgreeting")
        // The server's one event loop still answers while that read blocks.
        let answered = Mutex(false)
        let probe = OwnThread.task {
            _ = await server.waitForSessions(atMost: .milliseconds(100))
            answered.withLock { $0 = true }
        }
        let deadline = Date().addingTimeInterval(10)
        while !answered.withLock({ $0 }) && Date() < deadline { usleep(10_000) }
        #expect(answered.withLock { $0 }, "the event loop was blocked by the control file read")
        // Unblock the read: the session then starts with that greeting.
        _ = "slow.example\n".withCString { write(writer, $0, 13) }
        close(writer)
        let greeting = try client.readReply()
        #expect(greeting == "220 slow.example ESMTP\r\n")
        await probe.value
        try await server.shutdown()
    }

    @Test("a checkpassword program that runs past timeoutsmtpd is killed: 454, and the session goes on")
    func checkProgramTimeout() async throws {
        let home = try TestHome(controls: ["me": "mx.test.example\n", "timeoutsmtpd": "1\n"])
        defer { home.remove() }
        let pidFile = home.path("check.pid")
        let check = try home.script("checkpassword", """
            #!/bin/sh
            echo $$ > \(pidFile)
            exec sleep 600
            """)
        let lines = LogLines()
        let settings = home.settings(features: [.auth], delivery: .memory(MemorySink()), checkProgram: [check, "/bin/true"],
                                     environment: ["SMTPAUTH": ""], log: lines.append)
        try await withServer(settings) { port in
            let client = try LoopbackClient(port: port)
            _ = try client.readReply()
            let start = Date()
            try client.send("AUTH PLAIN \(Data("\0alice\0secret".utf8).base64EncodedString())\r\n")
            #expect(try client.readReply() == "454 oops, problem with child and I can't auth (#4.3.0)\r\n")
            #expect(Date().timeIntervalSince(start) >= 0.9)
            try client.send("NOOP\r\n")
            #expect(try client.readReply() == "250 ok\r\n")
        }
        // The program is gone (killed and reaped), not left sleeping.
        let pid = try #require(Int32(String(decoding: try Data(contentsOf: URL(fileURLWithPath: pidFile)), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
        #expect(lines.all.contains { $0.contains("checkpassword pid \(pid) killed after 1 s") }, "\(lines.all)")
    }
}

/// A checkpassword program in /bin/sh: user `alice`, password
/// `wonder land`; with a timestamp (CRAM-MD5) the password field is the
/// HMAC-MD5 hex digest, checked with openssl. On success it runs its
/// arguments, as checkpassword does.
enum CheckPasswordScript {
    static let password = "wonder land"

    static func write(in home: TestHome) throws -> String {
        try home.script("checkpassword", #"""
            #!/bin/sh
            payload=$(tr '\0' '\n' <&3)
            user=$(printf '%s\n' "$payload" | sed -n 1p)
            pass=$(printf '%s\n' "$payload" | sed -n 2p)
            stamp=$(printf '%s\n' "$payload" | sed -n 3p)
            [ "$user" = alice ] || exit 1
            if [ -n "$stamp" ]; then
              expected=$(printf '%s' "$stamp" | openssl dgst -md5 -hmac 'wonder land' | sed 's/^.*= //')
              [ "$pass" = "$expected" ] || exit 1
            else
              [ "$pass" = 'wonder land' ] || exit 1
            fi
            exec "$@"
            """#)
    }
}
