import Foundation

/// One run of a real qmail-remote: `qmail-remote host sender recipient…`
/// with the message on fd 0 and the report read from fd 1 (one socketpair,
/// see `SpawnedServer`). qmail-remote reads its control files from the qmail
/// home compiled into it; the caller writes them first.
public struct RemoteDelivery: Sendable {
    /// Exit status; nil if it did not end within the timeout (it was killed).
    public var status: Int32?
    /// Everything it wrote to fd 1.
    public var output: [UInt8]
    public var report: QmailRemoteReport { QmailRemoteReport(output: output) }

    /// Runs qmail-remote as `launch` says (its argv may put e.g. valgrind
    /// and its options in front) and waits at most `timeout` seconds for its report.
    public static func run(_ launch: Launch, host: String, sender: String, recipients: [String],
                           message: [UInt8], environment: [String: String] = ["PATH": "/usr/bin:/bin"],
                           timeout: Double = 60) throws -> RemoteDelivery {
        let process = try SpawnedServer(launch: launch.adding([host, sender] + recipients), environment: environment)
        process.send(message)
        process.shutdownInput()
        let output = process.readAll(timeout: timeout)
        let status = process.waitForExit(timeout: 5)
        return RemoteDelivery(status: status, output: output)
    }
}
