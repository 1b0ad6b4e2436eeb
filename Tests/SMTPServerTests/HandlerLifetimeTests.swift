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
    /// Holds the handler weakly: the test's only way to see it afterwards.
    final class Watch {
        weak var handler: SMTPSessionHandler?
    }

    /// A connected channel running one session (greeting read) and a weak
    /// watch on its handler; no strong reference to the handler survives
    /// this function but the pipeline's.
    static func session(_ home: TestHome, features: Features = [], environment: [String: String] = [:],
                        log: @escaping @Sendable (String) -> Void = { _ in }) throws -> (EmbeddedChannel, Watch) {
        let settings = home.settings(features: features, delivery: .memory(MemorySink()), log: log)
        let watch = Watch()
        let channel = EmbeddedChannel()
        do {
            let handler = SMTPSessionHandler(
                server: ServerContext(settings: settings),
                environment: ["TCPREMOTEIP": "127.0.0.1", "TCPLOCALIP": "127.0.0.1"].merging(environment) { $1 },
                connection: 1) { settings.log($0.text) }
            watch.handler = handler
            try channel.pipeline.syncOperations.addHandler(handler)
        }
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 25)).wait()
        _ = try VirtualTimeTests.replies(channel)
        return (channel, watch)
    }

    /// Lets the channel finish closing (the pipeline is taken down on a
    /// later loop turn) and drops it.
    static func tearDown(_ channel: EmbeddedChannel) {
        channel.embeddedEventLoop.run()
        _ = try? channel.finish(acceptAlreadyClosed: true)
        channel.embeddedEventLoop.run()
    }

    @Test("after QUIT, and after a megabyte-long line, the handler and its session are freed")
    func quitFreesHandler() throws {
        let home = try TestHome()
        defer { home.remove() }
        let (channel, watch) = try Self.session(home)
        try channel.writeInbound(ByteBuffer(string: "HELO " + String(repeating: "x", count: (1 << 20) - 10) + "\r\n"))
        #expect(try VirtualTimeTests.replies(channel) == "250 mx.test.example\r\n")
        try channel.writeInbound(ByteBuffer(string: "EHLO x\r\nQUIT\r\n"))
        #expect(try VirtualTimeTests.replies(channel).hasSuffix("221 mx.test.example\r\n"))
        #expect(!channel.isActive)
        #expect(watch.handler != nil)
        Self.tearDown(channel)
        #expect(watch.handler == nil, "the handler outlived its channel")
    }

    @Test("a client that hangs up mid-command with the idle timer armed leaves nothing behind")
    func hangUpFreesHandler() throws {
        let home = try TestHome(controls: ["me": "mx.test.example\n", "timeoutsmtpd": "30\n"])
        defer { home.remove() }
        let lines = LogLines()
        let (channel, watch) = try Self.session(home, log: lines.append)
        try channel.writeInbound(ByteBuffer(string: "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d"))
        #expect(try VirtualTimeTests.replies(channel) == "250 ok\r\n")
        try channel.close().wait()
        Self.tearDown(channel)
        #expect(watch.handler == nil, "the handler outlived its channel")
        // The timer went with it: nothing fires later.
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.hasSuffix(" status 1 messages 0 reason eof") == true, "\(lines.all)")
    }

    @Test("a client that stops taking replies (write timer armed) and hangs up leaves nothing behind")
    func writeTimerFreesHandler() throws {
        let home = try TestHome()
        defer { home.remove() }
        let (channel, watch) = try Self.session(home)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        try channel.close().wait()
        Self.tearDown(channel)
        #expect(watch.handler == nil, "the handler outlived its channel")
    }

    @Test("after STARTTLS (TLS handlers in the pipeline) the handler is freed too",
          .enabled(if: hasOpenSSL, "needs openssl for the test certificate"))
    func startTLSFreesHandler() throws {
        let home = try TestHome()
        defer { home.remove() }
        try home.makeServerCertificate()
        let (channel, watch) = try Self.session(home, features: [.tls])
        try channel.writeInbound(ByteBuffer(string: "STARTTLS\r\n"))
        #expect(try VirtualTimeTests.replies(channel) == "220 ready for tls\r\n")
        try channel.close().wait()
        Self.tearDown(channel)
        #expect(watch.handler == nil, "the handler outlived its channel")
    }
}
