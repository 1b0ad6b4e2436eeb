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
    /// A connected channel running one session on `home`, the greeting read.
    static func session(_ home: TestHome, log: @escaping @Sendable (String) -> Void = { _ in })
        throws -> (EmbeddedChannel, String) {
        let settings = home.settings(delivery: .memory(MemorySink()), log: log)
        let handler = SMTPSessionHandler(server: ServerContext(settings: settings),
                                         environment: ["TCPREMOTEIP": "127.0.0.1", "TCPLOCALIP": "127.0.0.1"],
                                         connection: 1) { settings.log($0.text) }
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 25)).wait()
        return (channel, try replies(channel))
    }

    /// Everything the session has written so far.
    static func replies(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    @Test("idle: 451 timeout exactly when timeoutsmtpd has passed since the last input")
    func idleTimeout() throws {
        let home = try TestHome(controls: ["me": "mx.test.example\n", "timeoutsmtpd": "30\n"])
        defer { home.remove() }
        let (channel, greeting) = try Self.session(home)
        #expect(greeting == "220 mx.test.example ESMTP\r\n")
        channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        try channel.writeInbound(ByteBuffer(string: "HELO x\r\n"))
        #expect(try Self.replies(channel) == "250 mx.test.example\r\n")
        // The clock restarts at every input: 29 s after HELO nothing, at 30 s the timeout.
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(try Self.replies(channel) == "")
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try Self.replies(channel) == "451 timeout (#4.4.2)\r\n")
        #expect(!channel.isActive)
    }

    @Test("idle without control/timeoutsmtpd: qmail-smtpd's 1200 s")
    func defaultIdleTimeout() throws {
        let home = try TestHome()
        defer { home.remove() }
        let (channel, _) = try Self.session(home)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1199))
        #expect(try Self.replies(channel) == "")
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try Self.replies(channel) == "451 timeout (#4.4.2)\r\n")
    }

    @Test("write: a client that takes no replies for timeoutsmtpd is dropped silently, status 1")
    func writeTimeout() throws {
        let home = try TestHome(controls: ["me": "mx.test.example\n", "timeoutsmtpd": "30\n"])
        defer { home.remove() }
        let lines = LogLines()
        let (channel, _) = try Self.session(home, log: lines.append)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        // Writable again for a moment: the clock starts afresh when it next blocks.
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(try Self.replies(channel) == "")
        let line = try #require(lines.all.first)
        #expect(line.contains(" status 1 ") && line.hasSuffix(" reason timeout"), "\(line)")
    }
}
