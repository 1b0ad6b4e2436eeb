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
///
/// To stop cleanly: `stopAccepting()`, `waitForSessions(atMost:)` for the
/// sessions in progress, then `shutdown()` (once) for the rest.
public final class SMTPServer: Sendable {
    /// The address the server listens on (with the real port if 0 was asked).
    public let localAddress: SocketAddress
    private let channel: any Channel
    private let gate: NIOLoopBound<ConnectionGate>
    private let group: MultiThreadedEventLoopGroup
    private let pool: NIOThreadPool

    private init(channel: any Channel, gate: NIOLoopBound<ConnectionGate>, group: MultiThreadedEventLoopGroup,
                 pool: NIOThreadPool) throws {
        guard let address = channel.localAddress else { throw ChannelError.unknownLocalAddress }
        self.channel = channel
        self.gate = gate
        self.group = group
        self.pool = pool
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
        let threadsOfServer = ServerThreads(eventLoops: threads)
        do {
            return try await bind(host: host, port: port, settings: settings, on: threadsOfServer,
                                  prepareConnection: prepareConnection).get()
        } catch {
            try? await threadsOfServer.pool.shutdownGracefully()
            try? await threadsOfServer.group.shutdownGracefully()
            throw error
        }
    }

    /// `start` for callers outside Swift concurrency (a synchronous test
    /// runner); must not be called on an event loop.
    public static func startSynchronously(host: String, port: Int, settings: ServerSettings,
                                          threads: Int = System.coreCount,
                                          prepareConnection: (@Sendable (any Channel) throws -> Void)? = nil) throws -> SMTPServer {
        let threadsOfServer = ServerThreads(eventLoops: threads)
        do {
            return try bind(host: host, port: port, settings: settings, on: threadsOfServer,
                            prepareConnection: prepareConnection).wait()
        } catch {
            try? threadsOfServer.pool.syncShutdownGracefully()
            try? threadsOfServer.group.syncShutdownGracefully()
            throw error
        }
    }

    /// Binds the listening socket on `threads`. A failure is reported on
    /// one of those event loops, so the caller shuts them down only once it
    /// has seen the failure (shutting them down first would leave the
    /// failure undelivered and the caller waiting for ever).
    private static func bind(host: String, port: Int, settings: ServerSettings, on threads: ServerThreads,
                             prepareConnection: (@Sendable (any Channel) throws -> Void)?) -> EventLoopFuture<SMTPServer> {
        ProcessSignals.prepare()
        let pool = threads.pool, group = threads.group
        let server = ServerContext(settings: settings, blockingPool: pool)
        let limit = max(1, settings.connectionLimit)
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.maxMessagesPerRead, value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionGate(limit: limit, pool: pool))
                }
            }
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try prepareConnection?(channel)
                    let variables = ConnectionEnvironment.variables(remote: channel.remoteAddress,
                                                                    local: channel.localAddress)
                    let handler = SMTPSessionHandler(server: server, connectionEnvironment: variables,
                                                     connection: server.nextConnectionNumber()) { line in
                        settings.log(line.text)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: host, port: port)
            .flatMapThrowing { channel in
                let gate = NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ConnectionGate.self),
                                        eventLoop: channel.eventLoop)
                return try SMTPServer(channel: channel, gate: gate, group: group, pool: pool)
            }
    }

    /// Closes the listening socket, so that new clients are refused, and
    /// leaves the sessions in progress running. Returns how many are open.
    public func stopAccepting() async -> Int {
        try? await channel.close()
        return (try? await channel.eventLoop.submit { self.gate.value.openCount }.get()) ?? 0
    }

    /// Waits until every open session has ended, at most `limit`; returns
    /// how many are still open then.
    public func waitForSessions(atMost limit: TimeAmount) async -> Int {
        let loop = channel.eventLoop
        let done = loop.makePromise(of: Void.self)
        loop.execute {
            self.gate.value.whenAllClosed { done.succeed() }
            // Whichever comes second completes nothing: NIO ignores it.
            let timer = loop.scheduleTask(in: limit) { done.succeed() }
            done.futureResult.whenComplete { _ in timer.cancel() }
        }
        try? await done.futureResult.get()
        return (try? await loop.submit { self.gate.value.openCount }.get()) ?? 0
    }

    /// Closes every open connection (a message not yet acknowledged is
    /// abandoned, so its queue program aborts, as when a client disconnects)
    /// and returns once they are closed.
    public func closeSessions() async {
        try? await closeAll().get()
    }

    private func closeAll() -> EventLoopFuture<Void> {
        let loop = channel.eventLoop
        let done = loop.makePromise(of: Void.self)
        loop.execute {
            self.gate.value.closeAll()
            self.gate.value.whenAllClosed { done.succeed() }
        }
        return done.futureResult
    }

    /// Stops accepting, closes every open connection as `closeSessions()`
    /// does and stops the threads.
    public func shutdown() async throws {
        try? await channel.close()
        await closeSessions()
        try await group.shutdownGracefully()
        try await pool.shutdownGracefully()
    }

    /// `shutdown` for callers outside Swift concurrency; must not be called
    /// on one of the server's event loops.
    public func shutdownSynchronously() throws {
        try? channel.close().wait()
        try closeAll().wait()
        try group.syncShutdownGracefully()
        try pool.syncShutdownGracefully()
    }
}

/// Stops the server channel from accepting while `limit` connections are
/// open, and knows when none is. Runs on the server channel's event loop, so
/// its state needs no lock.
///
/// Once most of a crowd of connections has gone (at most a quarter of the
/// most open since the last time), the memory they freed is handed back to
/// the system (malloc_trim, on the thread pool): glibc keeps freed chunks
/// that are not at the top of a heap, so 10,000 closed connections otherwise
/// leave their 40 MB resident for good.
final class ConnectionGate: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let limit: Int
    private let pool: NIOThreadPool
    private var open: [ObjectIdentifier: any Channel] = [:]
    private var paused = false
    private var onAllClosed: [() -> Void] = []
    private var crowd = 0
    /// Fewer connections than this are not worth a trim.
    private static let trimmedCrowd = 256
    /// glibc's malloc_trim, which Swift's Glibc module does not import.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim").map { unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self) }

    init(limit: Int, pool: NIOThreadPool) {
        self.limit = limit
        self.pool = pool
    }

    var openCount: Int { open.count }

    /// Calls `body` on this loop once no connection is open (at once if none is).
    func whenAllClosed(_ body: @escaping () -> Void) {
        if open.isEmpty { body() } else { onAllClosed.append(body) }
    }

    func closeAll() {
        for child in open.values { child.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        let key = ObjectIdentifier(child)
        open[key] = child
        crowd = max(crowd, open.count)
        if openCount >= limit && !paused {
            paused = true
            try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        }
        child.closeFuture.hop(to: context.eventLoop).assumeIsolated().whenComplete { _ in
            self.open[key] = nil
            if self.crowd >= Self.trimmedCrowd && self.open.count * 4 <= self.crowd {
                self.crowd = self.open.count
                self.pool.submit { _ in _ = Self.mallocTrim?(0) }
            }
            if self.paused && self.openCount < self.limit && context.channel.isActive {
                self.paused = false
                try? context.channel.syncOptions?.setOption(.autoRead, value: true)
                context.read()
            }
            if self.open.isEmpty {
                let waiting = self.onAllClosed
                self.onAllClosed = []
                waiting.forEach { $0() }
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
    static func variables(remote: SocketAddress?, local: SocketAddress?) -> [String: String] {
        var environment = ["PROTO": "TCP"]
        if let ip = remote?.ipAddress { environment["TCPREMOTEIP"] = ip }
        if let port = remote?.port { environment["TCPREMOTEPORT"] = String(port) }
        if let ip = local?.ipAddress { environment["TCPLOCALIP"] = ip }
        if let port = local?.port { environment["TCPLOCALPORT"] = String(port) }
        return environment
    }
}

/// The threads of one server: its event loops, and a small pool for the
/// blocking reads of control and PEM files, one connection at a time per
/// thread, so that a slow read holds no event loop.
private struct ServerThreads {
    let group: MultiThreadedEventLoopGroup
    let pool: NIOThreadPool

    init(eventLoops: Int) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: eventLoops)
        pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
    }
}
