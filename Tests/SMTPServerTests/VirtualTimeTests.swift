import Foundation
import NIOCore
import NIOEmbedded
import SMTPEngine
@testable import SMTPServer
import Testing

/// The transport's timers on virtual time: the session handler on an
/// EmbeddedChannel, whose event loop moves only when the test advances it.
/// Nothing here waits real seconds, so the figures are exact on a busy
/// machine as on an idle one.
@Suite("SMTPServer timers on virtual time")
struct VirtualTimeTests {
    @Test("idle: 451 timeout exactly when timeoutsmtpd has passed since the last input")
    func idleTimeout() throws {
        let home = try TestHome(controls: ["me": "mx.test.example\n", "timeoutsmtpd": "30\n"])
        defer { home.remove() }
        let session = try EmbeddedSession(home)
        #expect(session.greeting == "220 mx.test.example ESMTP\r\n")
        session.channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        try session.send("HELO x\r\n")
        #expect(try session.replies() == "250 mx.test.example\r\n")
        // The clock restarts at every input: 29 s after HELO nothing, at 30 s the timeout.
        #expect(try session.expectClosed(after: 30) == "451 timeout (#4.4.2)\r\n")
    }

    @Test("idle without control/timeoutsmtpd: qmail-smtpd's 1200 s")
    func defaultIdleTimeout() throws {
        let home = try TestHome()
        defer { home.remove() }
        #expect(try EmbeddedSession(home).expectClosed(after: 1200) == "451 timeout (#4.4.2)\r\n")
    }

    @Test("write: a client that takes no replies for timeoutsmtpd is dropped silently, status 1")
    func writeTimeout() throws {
        let home = try TestHome(controls: ["me": "mx.test.example\n", "timeoutsmtpd": "30\n"])
        defer { home.remove() }
        let lines = LogLines()
        let session = try EmbeddedSession(home, log: lines.append)
        let channel = session.channel
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        // Writable again for a moment: the clock starts afresh when it next blocks.
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(try session.expectClosed(after: 30) == "")
        let line = try #require(lines.all.first)
        #expect(line.contains(" status 1 ") && line.hasSuffix(" reason timeout"), "\(line)")
    }
}
