import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program with both stdin and stdout on one end of a socketpair and
/// talks to it line by line through the other end, every read bounded in time.
final class SocketPairDialogue {
    private let process = Process()
    private let ours: Int32
    private var buffer: [UInt8] = []

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
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            var poller = pollfd(fd: ours, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining * 1000) + 1) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(ours, &chunk, chunk.count)
            guard count > 0 else { return nil }
            buffer += chunk[..<count]
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
