import Foundation
import Glibc
import Testing
import TestSupport

/// `qmailkit serve` as a process: clean shutdown on SIGTERM and SIGINT.
@Suite(.ownThread, .serialized) struct ServeCommandTests {
    private static func controlDirectory() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-serve-cli-\(UUID().uuidString)")
        let control = root.appendingPathComponent("control")
        try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
        try Data("mx.test.example\n".utf8).write(to: control.appendingPathComponent("me"))
        return control
    }

    /// `serve --discard --grace SECONDS` on a scratch control folder with one
    /// client connected and greeted; `body` gets both. Removes the folder.
    private static func withGreetedClient(grace: Int, _ body: (RunningServe, LoopbackClient) throws -> Void) throws {
        let control = try controlDirectory()
        defer { try? FileManager.default.removeItem(at: control.deletingLastPathComponent()) }
        let serve = try RunningServe(["--control", control.path, "--discard", "--grace", String(grace)])
        let client = try LoopbackClient(port: serve.port)
        #expect(try client.readLine() == "220 mx.test.example ESMTP\r\n")
        try body(serve, client)
    }

    @Test("SIGTERM with no session: the port closes and the process exits 0 at once")
    func idleServerStops() throws {
        let control = try Self.controlDirectory()
        defer { try? FileManager.default.removeItem(at: control.deletingLastPathComponent()) }
        let serve = try RunningServe(["--control", control.path, "--discard"])
        #expect(LoopbackClient.isListening(serve.port))
        let start = Date()
        serve.send(SIGTERM)
        #expect(serve.exitStatus(within: 10) == 0, "\(serve.log)")
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(!LoopbackClient.isListening(serve.port))
        // The probe connection above may still count as open.
        #expect(serve.log.contains("SIGTERM, no longer accepting; "), "\(serve.log)")
        #expect(serve.log.hasSuffix("qmailkit serve: stopped\n"), "\(serve.log)")
    }

    @Test("a session in progress finishes its message after SIGTERM while new clients are refused")
    func sessionInProgressFinishes() throws {
        try Self.withGreetedClient(grace: 30) { serve, client throws in
            try client.send("MAIL FROM:<a@b.example>\r\n")
            #expect(try client.readLine() == "250 ok\r\n")

            serve.send(SIGTERM)
            try serve.waitForLog("1 session(s) open", seconds: 10)
            #expect(!LoopbackClient.isListening(serve.port))
            #expect(serve.exitStatus(within: 0.5) == nil, "exited with a session in progress")

            try client.send("RCPT TO:<c@d.example>\r\nDATA\r\n")
            #expect(try client.readLine() == "250 ok\r\n")
            #expect(try client.readLine() == "354 go ahead\r\n")
            try client.send("Subject: late\r\n\r\nstill delivered\r\n.\r\nQUIT\r\n")
            #expect(try client.readLine()?.hasPrefix("250 ok ") == true)
            #expect(try client.readLine() == "221 mx.test.example\r\n")
            let start = Date()
            #expect(serve.exitStatus(within: 10) == 0, "\(serve.log)")
            #expect(Date().timeIntervalSince(start) < 5, "waited for the grace period although the session had ended")
            #expect(serve.log.contains("messages 1 reason quit"), "\(serve.log)")
            #expect(!serve.log.contains("still open"))
        }
    }

    @Test("after the grace period an idle session is closed and the process exits 0")
    func gracePeriodEnds() throws {
        try Self.withGreetedClient(grace: 1) { serve, client throws in
            let start = Date()
            serve.send(SIGINT)
            #expect(try client.readLine() == nil, "the session was not closed")
            #expect(Date().timeIntervalSince(start) > 0.8)
            #expect(serve.exitStatus(within: 10) == 0, "\(serve.log)")
            #expect(serve.log.contains("SIGINT, no longer accepting; 1 session(s) open"), "\(serve.log)")
            #expect(serve.log.contains("closing 1 session(s) still open"), "\(serve.log)")
        }
    }

    @Test("a second signal closes the open sessions without waiting for the grace period")
    func secondSignalEndsTheWait() throws {
        try Self.withGreetedClient(grace: 600) { serve, client throws in
            serve.send(SIGTERM)
            try serve.waitForLog("1 session(s) open", seconds: 10)
            let start = Date()
            serve.send(SIGTERM)
            #expect(try client.readLine() == nil, "the session was not closed")
            #expect(serve.exitStatus(within: 10) == 0, "\(serve.log)")
            #expect(Date().timeIntervalSince(start) < 5)
            #expect(serve.log.contains("SIGTERM again, closing the open sessions now"), "\(serve.log)")
        }
    }

    /// The Received line of the one message a session delivers through
    /// `qmailkit serve ARGUMENTS --maildir`.
    private static func receivedLine(_ arguments: [String]) throws -> String {
        let control = try Self.controlDirectory()
        let root = control.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: root) }
        let maildir = root.appendingPathComponent("Maildir")
        let serve = try RunningServe(["--control", control.path, "--maildir", maildir.path] + arguments)
        let client = try LoopbackClient(port: serve.port)
        _ = try client.readReply()
        try client.send("HELO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n")
        #expect(try client.readReplies(4) == "250 mx.test.example\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n")
        try client.send("hi\r\n.\r\nQUIT\r\n")
        #expect(try client.readReplies(2).hasSuffix("221 mx.test.example\r\n"))
        try serve.waitForLog("end 1 ", seconds: 10)
        serve.send(SIGTERM)
        #expect(serve.exitStatus(within: 10) == 0, "\(serve.log)")
        let new = maildir.appendingPathComponent("new")
        let files = try FileManager.default.contentsOfDirectory(atPath: new.path)
        let file = try #require(files.first, "no message in \(new.path)")
        let text = try String(contentsOf: new.appendingPathComponent(file), encoding: .utf8)
        return text.components(separatedBy: "\n").prefix(2).joined(separator: "\n")
    }

    @Test("--local-name names the server in the Received line's by, as tcpserver -l does")
    func localName() throws {
        let named = try Self.receivedLine(["--local-name", "mx.local.example"])
        #expect(named.hasPrefix("Received: from unknown (HELO client.example) (127.0.0.1)\n  by mx.local.example with SMTP; "),
                "\(named)")
        let unnamed = try Self.receivedLine([])
        #expect(unnamed.contains("\n  by 127.0.0.1 with SMTP; "), "\(unnamed)")
    }

    @Test("a port already in use: exit 5 at once with the reason, not a wait")
    func portInUse() throws {
        let control = try Self.controlDirectory()
        defer { try? FileManager.default.removeItem(at: control.deletingLastPathComponent()) }
        let first = try RunningServe(["--control", control.path, "--discard"])
        let second = try CLI.run(["serve", "--control", control.path, "--listen", "127.0.0.1:\(first.port)", "--discard"],
                                 in: FileManager.default.temporaryDirectory)
        #expect(second.status == 5)
        #expect(second.stderr == "qmailkit: cannot listen on 127.0.0.1:\(first.port): Address already in use\n")
        first.send(SIGTERM)
        #expect(first.exitStatus(within: 10) == 0)
    }

    @Test func helpDescribesShutdownAndTimeouts() throws {
        let help = try CLI.run(["serve", "--help"], in: FileManager.default.temporaryDirectory)
        #expect(help.status == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("--grace <seconds>"))
        #expect(text.contains("SIGTERM or SIGINT stops the server cleanly"))
        #expect(text.contains("one that stops reading its replies is disconnected"))
        #expect(text.contains("The same figure bounds a TLS handshake"))
    }
}
