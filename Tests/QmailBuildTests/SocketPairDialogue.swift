import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// Runs a program with both stdin and stdout on one end of a socketpair and
/// talks to it line by line through the other end, every read bounded in time.
final class SocketPairDialogue {
    private let process = Process()
    private let ours: Int32
    private var lines = LineBuffer()

    init(program: URL, arguments: [String] = [], environment: [String: String] = [:]) throws {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
            throw TestSetupError(description: "socketpair failed: errno \(errno)")
        }
        ours = pair[0]
        let theirs = FileHandle(fileDescriptor: pair[1], closeOnDealloc: true)
        process.executableURL = program
        process.arguments = arguments
        process.environment = environment
        process.standardInput = theirs
        process.standardOutput = theirs
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            close(ours)
            throw error
        }
        try theirs.close()
    }

    deinit {
        if process.isRunning { process.terminate() }
        close(ours)
    }

    /// The next CRLF-terminated line (without CRLF), or nil at end of stream or after `timeout` seconds.
    func readLine(timeout: Double = 10) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        return lines.nextLine {
            let remaining = deadline.timeIntervalSinceNow
            return remaining > 0 ? pollRead(ours, timeout: remaining) : nil
        }
    }

    /// Sends `line` followed by CRLF.
    func send(_ line: String) {
        let bytes = Array((line + "\r\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { write(ours, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            sent += written
        }
    }

    /// Waits up to `timeout` seconds for the program to exit; returns its status, or nil if it did not.
    func waitForExit(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }
}
