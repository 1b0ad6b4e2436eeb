import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// One session on the process's standard input and output, as qmail-smtpd
/// runs under tcpserver or inetd: the environment (`TCPREMOTEIP`, …) is the
/// process's own, fd 0 is read and fd 1 written (one socket for both under
/// tcpserver, or two pipes).
public enum InetdSession {
    /// Speaks SMTP on fd 0/1 until the session ends; returns qmail-smtpd's
    /// exit code (0 after QUIT, else 1). The log line goes to `settings.log`.
    public static func run(settings: ServerSettings) async throws -> Int32 {
        ProcessSignals.prepare()
        let server = ServerContext(settings: settings)
        let ending = Mutex<SessionLogLine?>(nil)
        let bootstrap = NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = SMTPSessionHandler(server: server, connectionEnvironment: [:],
                                                     connection: Int(getpid())) { line in
                        ending.withLock { $0 = line }
                        settings.log(line.text)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel: any Channel
        if isSocket(0) {
            channel = try await bootstrap.takingOwnershipOfDescriptor(inputOutput: 0).get()
        } else {
            channel = try await bootstrap.takingOwnershipOfDescriptors(input: 0, output: 1).get()
        }
        try await channel.closeFuture.get()
        return ending.withLock { $0?.exitCode } ?? 1
    }

    private static func isSocket(_ fd: Int32) -> Bool {
        var status = stat()
        return fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFSOCK
    }
}
