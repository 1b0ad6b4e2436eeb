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

/// Runs programs to completion for tests. Standard output and standard error
/// are read at the same time (a child that fills one pipe while we wait on
/// the other would otherwise hang), standard input gets `input` or nothing.
/// Blocks the calling thread: call it from a test under `.ownThread`.
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

/// The reference tools the tests compare qmailkit with (git, GNU tar, GNU
/// patch), invoked so that nothing of the machine changes their outcome: no
/// user or system git configuration, a fixed identity, any owner accepted
/// (as root, GNU tar keeps the archive's owner, which git would refuse as
/// "dubious ownership"), the archive's owner and modes not restored, C locale.
public enum Baseline {
    public static let environment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_CONFIG_COUNT"] = "1"
        environment["GIT_CONFIG_KEY_0"] = "safe.directory"
        environment["GIT_CONFIG_VALUE_0"] = "*"
        for role in ["AUTHOR", "COMMITTER"] {
            environment["GIT_\(role)_NAME"] = "qmailkit tests"
            environment["GIT_\(role)_EMAIL"] = "tests@example.org"
        }
        return environment
    }()

    /// `git ARGS` in `directory`; its standard output, or a thrown failure.
    @discardableResult
    public static func git(_ arguments: [String], in directory: URL, input: [UInt8] = []) throws -> String {
        try Command.output("git", arguments, in: directory, environment: environment, input: input)
    }

    /// The tree id git computes for the files in `directory` (a scratch repository is made there).
    public static func gitTree(of directory: URL) throws -> String {
        try git(["init", "-q"], in: directory)
        try git(["add", "-A"], in: directory)
        return try git(["write-tree"], in: directory).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// GNU `tar -xf ARCHIVE -C DIRECTORY`, owner and permissions as an ordinary user would get them.
    public static func untar(_ archive: URL, into directory: URL) throws {
        try Command.output("tar", ["--no-same-owner", "--no-same-permissions", "-xf", archive.path, "-C", directory.path],
                           environment: environment)
    }

    /// GNU `patch ARGS` in `directory`; its output whatever its exit status.
    public static func patch(_ arguments: [String], in directory: URL) throws -> CommandOutput {
        try Command.run("patch", arguments, in: directory, environment: environment)
    }
}
