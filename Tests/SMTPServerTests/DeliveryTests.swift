import Foundation
import SMTPEngine
import SMTPServer
import Synchronization
import Testing
import TestSupport

/// A whole SMTP conversation over loopback, checked byte for byte at both
/// ends: the replies on the wire and what delivery received.
@Suite("SMTPServer delivery over loopback", .ownThread)
struct DeliveryTests {
    static let body = "Subject: hi\r\n\r\nline one\r\n..starts with a dot\r\n\r\nlast line\r\n.\r\n"
    static let stored = Array("Subject: hi\n\nline one\n.starts with a dot\n\nlast line\n".utf8)

    /// Greeting, EHLO, pipelined MAIL/RCPT/DATA, body, QUIT. Returns the 250 reply.
    static func converse(port: Int) throws -> String {
        let client = try LoopbackClient(port: port)
        #expect(try client.readReply() == "220 mx.test.example ESMTP\r\n")
        try client.send("EHLO client.example\r\n")
        #expect(try client.readReply() == "250-mx.test.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
        try client.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nRCPT TO:<e@f.example>\r\nDATA\r\n")
        #expect(try client.readReplies(4) == "250 ok\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n")
        try client.send(body)
        let accepted = try client.readReply()
        try client.send("QUIT\r\n")
        #expect(try client.readReply() == "221 mx.test.example\r\n")
        #expect(try client.isClosedByServer())
        return accepted
    }

    static func expectReceivedLine(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("Received: from unknown (HELO client.example) (127.0.0.1)\n  by 127.0.0.1 with SMTP; "))
        #expect(bodyAfterReceivedLine(bytes) == stored)
    }

    @Test("memory sink gets the message byte-exact; one log line per connection")
    func memorySink() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let sink = MemorySink()
        let lines = Mutex<[String]>([])
        let settings = home.settings(delivery: .memory(sink), log: { line in lines.withLock { $0.append(line) } })
        let (accepted, port) = try await withServer(settings) { port in (try Self.converse(port: port), port) }
        #expect(accepted.wholeMatch(of: /250 ok \d+ qp \d+\r\n/) != nil)
        let messages = sink.messages
        try #require(messages.count == 1)
        #expect(messages[0].sender == Array("a@b.example".utf8))
        #expect(messages[0].recipients == [Array("c@d.example".utf8), Array("e@f.example".utf8)])
        Self.expectReceivedLine(messages[0].bytes)
        let logged = lines.withLock { $0 }
        #expect(logged.count == 1)
        #expect(logged.first?.wholeMatch(of: /end 1 ip 127\.0\.0\.1 port \d+ status 0 messages 1 reason quit/) != nil)
        _ = port
    }

    @Test("Maildir delivery writes one file into new/ and leaves tmp/ empty")
    func maildir() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let maildir = home.path("Maildir")
        for folder in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(atPath: maildir + "/" + folder, withIntermediateDirectories: true)
        }
        let accepted = try await withServer(home.settings(delivery: .maildir(maildir))) { try Self.converse(port: $0) }
        #expect(accepted.hasPrefix("250 ok "))
        let files = try FileManager.default.contentsOfDirectory(atPath: maildir + "/new")
        try #require(files.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: maildir + "/tmp").isEmpty)
        let stored = try Data(contentsOf: URL(fileURLWithPath: maildir + "/new/" + files[0]))
        Self.expectReceivedLine(Array(stored))
    }

    @Test("queue program gets the message on fd 0 and the envelope on fd 1, in the qmail home")
    func queueProgram() async throws {
        let home = try TestHome()
        defer { home.remove() }
        // Runs with the qmail home as its working directory.
        let queue = try home.script("fake-queue", "#!/bin/sh\ncat > message && cat 0<&1 > envelope\n")
        let settings = home.settings(delivery: .queueProgram, environment: ["QMAILQUEUE": queue])
        let accepted = try await withServer(settings) { try Self.converse(port: $0) }
        let pid = try #require(accepted.firstMatch(of: /qp (\d+)\r\n/)).1
        #expect(Int(pid)! > 1)
        Self.expectReceivedLine(Array(try Data(contentsOf: URL(fileURLWithPath: home.path("message")))))
        let envelope = Array(try Data(contentsOf: URL(fileURLWithPath: home.path("envelope"))))
        #expect(envelope == Array("Fa@b.example\0Tc@d.example\0Te@f.example\0\0".utf8))
    }

    @Test("queue program exit codes: exec failure after 354, 31 permanent, crash")
    func queueProgramFailures() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let rejecting = try home.script("reject", "#!/bin/sh\ncat > /dev/null\nexit 31\n")
        let crashing = try home.script("crash", "#!/bin/sh\nkill -9 $$\n")
        let cases = [("/nonexistent/qmail-queue", "451 unable to exec qq (#4.3.0)\r\n"),
                     (rejecting, "554 mail server permanently rejected message (#5.3.0)\r\n"),
                     (crashing, "451 qq crashed (#4.3.0)\r\n")]
        for (program, expected) in cases {
            let settings = home.settings(delivery: .queueProgram, environment: ["QMAILQUEUE": program])
            try await withServer(settings) { port in
                let client = try LoopbackClient(port: port)
                _ = try client.readReply()
                try client.send("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
                #expect(try client.readReplies(4) == "250 mx.test.example\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n")
                try client.send("hello\r\n.\r\n")
                #expect(try client.readReply() == expected, "\(program)")
            }
        }
    }
    /// Backpressure: while the queue program takes nothing, the server stops
    /// reading, so the client can push only what the kernel buffers and the
    /// bounded backlog hold (some MB), not the 128 MB it offers; once the
    /// program reads, the rest flows and the message arrives whole.
    @Test("a stalled queue program stops the reads; released, the whole message arrives")
    func backpressure() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let queue = try home.script("stalled-queue", """
            #!/bin/sh
            while [ ! -e go ]; do sleep 0.05; done
            cat > message && cat 0<&1 > envelope
            """)
        let settings = home.settings(delivery: .queueProgram, environment: ["QMAILQUEUE": queue])
        let sent = try await withServer(settings) { port in
            // A debug build takes its time over the megabytes held back.
            let client = try LoopbackClient(port: port, receiveTimeout: 120, sendTimeout: 1)
            _ = try client.readReply()
            try client.send("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
            #expect(try client.readReplies(4) == "250 mx.test.example\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n")
            let offered = 128 << 20
            let sent = try #require(client.sendUntilBlocked([UInt8](repeating: UInt8(ascii: "x"), count: 1 << 16),
                                                            limit: offered), "the server read all \(offered) bytes")
            #expect(sent < 32 << 20)
            #expect(FileManager.default.createFile(atPath: home.path("go"), contents: nil))
            try client.send("\r\n.\r\n")
            #expect(try client.readReply().hasPrefix("250 ok "))
            return sent
        }
        let body = bodyAfterReceivedLine(Array(try Data(contentsOf: URL(fileURLWithPath: home.path("message")))))
        #expect(body.count == sent + 1)
        #expect(body.dropLast().allSatisfy { $0 == UInt8(ascii: "x") } && body.last == UInt8(ascii: "\n"))
    }
}
