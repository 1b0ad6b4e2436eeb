import Foundation

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
    public static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                           environment: [String: String] = ProcessInfo.processInfo.environment,
                           input: [UInt8] = []) throws -> CommandOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        process.arguments = executable.contains("/") ? arguments : [executable] + arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = environment
        let output = Pipe(), errors = Pipe(), standardInput = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = standardInput
        try process.run()
        let errorReader = BackgroundRead(errors.fileHandleForReading)
        let inputWriter = Thread {
            if !input.isEmpty { try? standardInput.fileHandleForWriting.write(contentsOf: input) }
            try? standardInput.fileHandleForWriting.close()
        }
        inputWriter.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errorReader.result()
        process.waitUntilExit()
        return CommandOutput(status: process.terminationStatus, stdout: Array(outputData), stderr: Array(errorData))
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
}

/// Reads a pipe to its end on a thread of its own.
private final class BackgroundRead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    func result() -> Data {
        done.wait()
        return data
    }
}
