import NIOCore
import NIOEmbedded
import SMTPEngine
@testable import SMTPServer
import Testing

/// One session handler on an EmbeddedChannel: no socket, and an event loop
/// whose clock moves only when a test advances it.
struct EmbeddedSession {
    /// Holds the handler weakly: the test's only way to see it once the
    /// channel is gone.
    final class Watch {
        weak var handler: SMTPSessionHandler?
    }

    let channel: EmbeddedChannel
    let watch = Watch()
    /// What the session wrote before the first input (the greeting).
    let greeting: String

    /// A connected session of `server`; no strong reference to the handler
    /// survives but the pipeline's.
    init(_ server: ServerContext, environment: [String: String] = [:]) throws {
        channel = EmbeddedChannel()
        do {
            let handler = SMTPSessionHandler(
                server: server,
                connectionEnvironment: ["TCPREMOTEIP": "127.0.0.1", "TCPLOCALIP": "127.0.0.1"].merging(environment) { $1 },
                connection: 1) { server.settings.log($0.text) }
            watch.handler = handler
            try channel.pipeline.syncOperations.addHandler(handler)
        }
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 25)).wait()
        greeting = try Self.replies(channel)
    }

    /// A session of a server on `home`.
    init(_ home: TestHome, features: Features = [], environment: [String: String] = [:],
         log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        try self.init(ServerContext(settings: home.settings(features: features, delivery: .memory(MemorySink()), log: log)),
                      environment: environment)
    }

    /// Sends `text` as the client.
    func send(_ text: String) throws { try channel.writeInbound(ByteBuffer(string: text)) }

    /// Everything the session has written since the last call.
    func replies() throws -> String { try Self.replies(channel) }

    static func replies(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    /// Advances the clock to one second before `seconds` (nothing may happen,
    /// the connection stays open), then the last second, after which it must
    /// be closed; returns what the session wrote in that last second.
    func expectClosed(after seconds: Int64, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        channel.embeddedEventLoop.advanceTime(by: .seconds(seconds - 1))
        #expect(try replies() == "", sourceLocation: sourceLocation)
        #expect(channel.isActive, "closed before \(seconds) s", sourceLocation: sourceLocation)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive, "still open after \(seconds) s", sourceLocation: sourceLocation)
        return try replies()
    }

    /// Lets the channel finish closing (the pipeline is taken down on a
    /// later loop turn) and drops it.
    func tearDown() {
        channel.embeddedEventLoop.run()
        _ = try? channel.finish(acceptAlreadyClosed: true)
        channel.embeddedEventLoop.run()
    }
}
