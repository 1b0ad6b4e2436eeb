import Foundation

/// Runs a program to completion, with its output captured.
struct FinishedProcess {
    var status: Int32
    var output: String
    var errors: String

    static func run(_ arguments: [String], environment: [String: String] = [:],
                    input: String? = nil) throws -> FinishedProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), errors = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a chatty child cannot block.
        let errorData = StreamCapture()
        let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.done { usleep(1000) }
        return FinishedProcess(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                               errors: String(decoding: errorData.value, as: UTF8.self))
    }
}

/// A write-once box for the stderr reader thread.
private final class StreamCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    var done: Bool { lock.withLock { finished } }
    var value: Data { lock.withLock { data } }
    func set(_ value: Data) { lock.withLock { data = value; finished = true } }
}
