import Foundation
import Glibc

/// What a finished command printed and how it ended.
public struct CommandOutput: Sendable {
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]

    public init(status: Int32, stdout: [UInt8], stderr: [UInt8]) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    public var out: String { String(decoding: stdout, as: UTF8.self) }
    public var err: String { String(decoding: stderr, as: UTF8.self) }
}

/// A command that exited with a status other than the one expected.
public struct CommandFailure: Error, CustomStringConvertible {
    public var command: [String]
    public var output: CommandOutput
    public init(command: [String], output: CommandOutput) {
        self.command = command
        self.output = output
    }
    public var description: String {
        "\(command.joined(separator: " ")) exited \(output.status): \(output.err)\(output.out)"
    }
}

/// Runs short programs to completion (reference tools, openssl, a test's
/// client). Standard output and standard error are read at the same time (a
/// child that fills one pipe while we wait on the other would otherwise
/// hang), standard input gets `input` or nothing. Blocks the calling thread:
/// never call it on an event loop or the cooperative pool.
public enum Command {
    /// Runs `executable` (an absolute path, or a name looked up in PATH) and
    /// returns its output whatever its exit status.
    ///
    /// posix_spawn and poll(2), not Foundation's Process: Process.run is not
    /// safe to call from many threads at once on Linux, and FileHandle traps
    /// on an interrupted read (EINTR).
    public static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                           environment: [String: String] = ProcessInfo.processInfo.environment,
                           input: [UInt8] = [], view: MountView? = nil) throws -> CommandOutput {
        let standardInput = try ChildProcess.makePipe()
        let output = try ChildProcess.makePipe()
        let errors = try ChildProcess.makePipe()
        let pid: pid_t
        do {
            pid = try ChildProcess.spawn(argv: [executable] + arguments, environment: environment,
                                         workingDirectory: directory?.path,
                                         descriptors: [(standardInput.read, 0), (output.write, 1), (errors.write, 2)],
                                         view: view)
        } catch {
            for fd in [standardInput.read, standardInput.write, output.read, output.write, errors.read, errors.write] {
                close(fd)
            }
            throw error
        }
        close(standardInput.read)
        close(output.write)
        close(errors.write)
        let (stdout, stderr) = exchange(input, into: standardInput.write, from: output.read, errors.read)
        let status: Int32 = switch ChildProcess.wait(pid) {
        case .exited(let code): code
        case .signalled, .waitFailed: 128
        }
        return CommandOutput(status: status, stdout: stdout, stderr: stderr)
    }

    /// Runs the command and returns its standard output; throws unless it exits 0.
    @discardableResult
    public static func output(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                              environment: [String: String] = ProcessInfo.processInfo.environment,
                              input: [UInt8] = []) throws -> String {
        let result = try run(executable, arguments, in: directory, environment: environment, input: input)
        guard result.status == 0 else { throw CommandFailure(command: [executable] + arguments, output: result) }
        return result.out
    }

    /// A child that exits without reading its input must give us EPIPE, not
    /// end this process.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN); () }()

    /// Writes `input` to `inputFD` while reading `outputFD` and `errorFD` to
    /// their ends, all in one poll loop; closes the three descriptors.
    private static func exchange(_ input: [UInt8], into inputFD: Int32, from outputFD: Int32, _ errorFD: Int32)
        -> ([UInt8], [UInt8]) {
        var writer: Int32 = inputFD
        var written = 0
        if input.isEmpty {
            close(writer)
            writer = -1
        } else {
            ignoreBrokenPipes
        }
        var readers = [outputFD, errorFD]
        var collected: [[UInt8]] = [[], []]
        var chunk = [UInt8](repeating: 0, count: 65536)
        while writer >= 0 || readers.contains(where: { $0 >= 0 }) {
            var polls = [pollfd(fd: writer, events: Int16(POLLOUT), revents: 0)]
                + readers.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&polls, nfds_t(polls.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            if writer >= 0, polls[0].revents != 0 {
                let count = input[written...].withUnsafeBytes { write(writer, $0.baseAddress, min($0.count, 65536)) }
                if count > 0 { written += count }
                if (count < 0 && errno != EINTR && errno != EAGAIN) || written == input.count {
                    close(writer)
                    writer = -1
                }
            }
            for index in 0..<2 where readers[index] >= 0 && polls[index + 1].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(readers[index], $0.baseAddress, $0.count) }
                if count > 0 {
                    collected[index] += chunk[..<count]
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(readers[index])
                    readers[index] = -1
                }
            }
        }
        return (collected[0], collected[1])
    }
}
