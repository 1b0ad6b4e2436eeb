import Foundation

/// Runs the external commands of a build (compiler, pkg-config, make).
enum ToolRunner {
    /// The environment for child processes: English messages for the error parser,
    /// and no make variables inherited from a surrounding make.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        for name in ["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "GNUMAKEFLAGS"] { environment[name] = nil }
        return environment
    }

    /// The executable `name` resolves to on PATH (or `name` itself when it contains a slash).
    static func locate(_ name: String) -> URL? {
        let manager = FileManager.default
        if name.contains("/") {
            return manager.isExecutableFile(atPath: name) ? URL(fileURLWithPath: name) : nil
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if manager.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return nil
    }

    /// Runs a short command to completion and returns its exit status and combined output.
    static func capture(_ executable: URL, _ arguments: [String]) throws(BuildError) -> (status: Int32, output: String) {
        var output = Data()
        let status = try stream(executable, arguments, directory: nil) { output.append($0) }
        return (status, String(decoding: output, as: UTF8.self))
    }

    /// Runs a command, handing each chunk of its combined stdout/stderr to `onOutput`
    /// as it arrives. Blocks until the command exits; returns its exit status.
    static func stream(
        _ executable: URL, _ arguments: [String], directory: URL?, onOutput: (Data) -> Void
    ) throws(BuildError) -> Int32 {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .missingTool(executable.path, hint: PackageHint.forTool(executable.lastPathComponent))
        }
        // Our copy of the write end must go, or reading would never see end of file.
        try? pipe.fileHandleForWriting.close()
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            onOutput(chunk)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
