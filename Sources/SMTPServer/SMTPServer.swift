import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// A long-running SMTP server: one `SMTPSession` per TCP connection, all in
/// this process, on a SwiftNIO event loop group (one thread per core).
///
/// Each connection gets qmail-smtpd's environment as tcpserver would set it
/// (`TCPREMOTEIP`, `TCPREMOTEPORT`, `TCPLOCALIP`, `TCPLOCALPORT`, `PROTO`, on
/// top of `settings.environment`) and reads the control files when it
/// starts. At `settings.connectionLimit` open connections the server stops
/// accepting until one ends (tcpserver `-c`).
public final class SMTPServer: Sendable {
    /// The address the server listens on (with the real port if 0 was asked).
    public let localAddress: SocketAddress
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    private init(channel: any Channel, group: MultiThreadedEventLoopGroup) throws {
        guard let address = channel.localAddress else { throw ChannelError.unknownLocalAddress }
        self.channel = channel
        self.group = group
        localAddress = address
    }

    /// Binds `host:port` (port 0: any free port) and starts accepting.
    /// Ignores SIGPIPE and resets SIGCHLD to its default for the process, so
    /// that write errors are errors and children can be reaped.
    /// `prepareConnection` runs on each new connection's event loop before the
    /// session handler is added; a test peer uses it to put its own handlers
    /// (a recorder, scripted answers) in front of the session.
    public static func start(host: String, port: Int, settings: ServerSettings,
                             threads: Int = System.coreCount,
                             prepareConnection: (@Sendable (any Channel) throws -> Void)? = nil) async throws -> SMTPServer {
        ProcessSignals.prepare()
        let server = ServerContext(settings: settings)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let limit = max(1, settings.connectionLimit)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 512)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.maxMessagesPerRead, value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ConnectionGate(limit: limit))
                    }
                }
                .childChannelOption(.autoRead, value: false)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try prepareConnection?(channel)
                        let environment = ConnectionEnvironment.variables(
                            base: settings.environment, remote: channel.remoteAddress, local: channel.localAddress)
                        let handler = SMTPSessionHandler(server: server, environment: environment,
                                                         connection: server.nextConnectionNumber()) { line in
                            settings.log(line.text)
                        }
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .bind(host: host, port: port).get()
            return try SMTPServer(channel: channel, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Stops accepting, closes every open connection (a message not yet
    /// acknowledged is abandoned, so its queue program aborts, as when a
    /// client disconnects) and stops the threads.
    public func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }
}

/// Stops the server channel from accepting while `limit` connections are
/// open. Runs on the server channel's event loop, so its count needs no lock.
final class ConnectionGate: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let limit: Int
    private var open = 0
    private var paused = false

    init(limit: Int) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        open += 1
        if open >= limit && !paused {
            paused = true
            try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        }
        child.closeFuture.hop(to: context.eventLoop).assumeIsolated().whenComplete { _ in
            self.open -= 1
            if self.paused && self.open < self.limit {
                self.paused = false
                try? context.channel.syncOptions?.setOption(.autoRead, value: true)
                context.read()
            }
        }
        context.fireChannelRead(data)
    }
}

/// Process-wide signal dispositions every mode needs.
enum ProcessSignals {
    static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        // A child of a process that ignores SIGCHLD is reaped by the kernel
        // and waitpid fails ("qq waitpid surprise").
        signal(SIGCHLD, SIG_DFL)
    }
}

/// tcpserver's variables for one connection.
enum ConnectionEnvironment {
    static func variables(base: [String: String], remote: SocketAddress?, local: SocketAddress?) -> [String: String] {
        var environment = base
        environment["PROTO"] = "TCP"
        if let ip = remote?.ipAddress { environment["TCPREMOTEIP"] = ip }
        if let port = remote?.port { environment["TCPREMOTEPORT"] = String(port) }
        if let ip = local?.ipAddress { environment["TCPLOCALIP"] = ip }
        if let port = local?.port { environment["TCPLOCALPORT"] = String(port) }
        return environment
    }
}
