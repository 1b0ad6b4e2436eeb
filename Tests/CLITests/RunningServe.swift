import Foundation
import Glibc
import TestSupport

/// `qmailkit serve` running in the background, its standard error read as it
/// comes; killed on deinit if still running.
final class RunningServe {
    let process = Process()
    private let errors = Pipe()
    private(set) var log = ""
    /// The port it reported in its `listening on` line.
    private(set) var port = 0

    /// Starts `qmailkit serve ARGUMENTS --listen 127.0.0.1:0` and waits for it to listen.
    init(_ arguments: [String]) throws {
        process.executableURL = CLI.binary
        process.arguments = ["serve"] + arguments + ["--listen", "127.0.0.1:0"]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let line = try waitForLog("listening on ", seconds: 30)
        guard let colon = line.lastIndex(of: ":"), let number = Int(line[line.index(after: colon)...]) else {
            throw LoopbackClient.Failure(description: "no port in '\(line)'")
        }
        port = number
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The first log line containing `text`, reading more for up to `seconds`.
    @discardableResult
    func waitForLog(_ text: String, seconds: Double) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let line = log.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            let remaining = deadline.timeIntervalSinceNow
            var poller = pollfd(fd: errors.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard remaining > 0, poll(&poller, 1, Int32(remaining * 1000) + 1) > 0 else {
                throw LoopbackClient.Failure(description: "no '\(text)' within \(seconds) s; log so far:\n\(log)")
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(poller.fd, &chunk, chunk.count)
            guard count > 0 else { throw LoopbackClient.Failure(description: "stderr closed before '\(text)'; log:\n\(log)") }
            log += String(decoding: chunk[..<count], as: UTF8.self)
        }
    }

    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// The exit status, or nil if still running after `seconds`. Once it has
    /// exited, `log` holds everything it wrote.
    func exitStatus(within seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard !process.isRunning else { return nil }
        log += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return process.terminationStatus
    }
}
