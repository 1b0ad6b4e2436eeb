import Foundation
import Glibc
import Spawn

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
        let pipe: (read: Int32, write: Int32)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        let pid: pid_t
        do {
            pipe = try ChildProcess.makePipe()
            pid = try ChildProcess.spawn(argv: [executable.path] + arguments, environment: environment,
                                         workingDirectory: directory?.path,
                                         descriptors: [(null, 0), (pipe.write, 1), (pipe.write, 2)])
        } catch {
            throw .missingTool(executable.path, hint: PackageHint.forTool(executable.lastPathComponent))
        }
        // Our copy of the write end must go, or reading would never see end of file.
        close(pipe.write)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(pipe.read, $0.baseAddress, $0.count) }
            if count > 0 {
                onOutput(Data(chunk[..<count]))
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(pipe.read)
        return switch ChildProcess.wait(pid) {
        case .exited(let status): status
        case .signalled, .waitFailed: 128
        }
    }
}
