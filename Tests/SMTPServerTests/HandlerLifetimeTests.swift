import Foundation
import NIOCore
import NIOEmbedded
import SMTPEngine
@testable import SMTPServer
import Testing
import TestSupport

/// What a connection leaves behind once it is gone: nothing. The session
/// handler on an EmbeddedChannel, watched through a weak reference after
/// the channel has closed and its pipeline has been taken down.
@Suite("SMTPServer session handler lifetime", .ownThread)
struct HandlerLifetimeTests {
    @Test("after QUIT, and after a megabyte-long line, the handler and its session are freed")
    func quitFreesHandler() throws {
        let home = try TestHome()
        defer { home.remove() }
        let session = try EmbeddedSession(home)
        try session.channel.writeInbound(ByteBuffer(string: "HELO " + String(repeating: "x", count: (1 << 20) - 10) + "\r\n"))
        #expect(try session.replies() == "250 mx.test.example\r\n")
        try session.channel.writeInbound(ByteBuffer(string: "EHLO x\r\nQUIT\r\n"))
        #expect(try session.replies().hasSuffix("221 mx.test.example\r\n"))
        #expect(!session.channel.isActive)
        #expect(session.watch.handler != nil)
        session.tearDown()
        #expect(session.watch.handler == nil, "the handler outlived its channel")
    }

    @Test("a client that hangs up mid-command with the idle timer armed leaves nothing behind")
    func hangUpFreesHandler() throws {
        let home = try TestHome(controls: ["me": "mx.test.example\n", "timeoutsmtpd": "30\n"])
        defer { home.remove() }
        let lines = LogLines()
        let session = try EmbeddedSession(home, log: lines.append)
        try session.channel.writeInbound(ByteBuffer(string: "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d"))
        #expect(try session.replies() == "250 ok\r\n")
        try session.channel.close().wait()
        session.tearDown()
        #expect(session.watch.handler == nil, "the handler outlived its channel")
        // The timer went with it: nothing fires later.
        session.channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.hasSuffix(" status 1 messages 0 reason eof") == true, "\(lines.all)")
    }

    @Test("a client that stops taking replies (write timer armed) and hangs up leaves nothing behind")
    func writeTimerFreesHandler() throws {
        let home = try TestHome()
        defer { home.remove() }
        let session = try EmbeddedSession(home)
        session.channel.isWritable = false
        session.channel.pipeline.fireChannelWritabilityChanged()
        try session.channel.close().wait()
        session.tearDown()
        #expect(session.watch.handler == nil, "the handler outlived its channel")
    }

    @Test("after STARTTLS (TLS handlers in the pipeline) the handler is freed too",
          .enabled(if: hasOpenSSL, "needs openssl for the test certificate"))
    func startTLSFreesHandler() throws {
        let home = try TestHome.withCertificate()
        defer { home.remove() }
        let session = try EmbeddedSession(home, features: [.tls])
        try session.channel.writeInbound(ByteBuffer(string: "STARTTLS\r\n"))
        #expect(try session.replies() == "220 ready for tls\r\n")
        try session.channel.close().wait()
        session.tearDown()
        #expect(session.watch.handler == nil, "the handler outlived its channel")
    }
}
