import Foundation
import TestSupport

/// Runs the built `qmailkit` binary the way a user or a CI script would.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static var binary: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("qmailkit")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return candidates[0].appendingPathComponent("qmailkit")
    }

    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> CLIResult {
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"
        for (key, value) in environment { env[key] = value }
        let result = try Command.run(binary.path, arguments, in: directory, environment: env)
        return CLIResult(status: result.status, stdout: result.out, stderr: result.err)
    }
}

/// A temporary qmailkit project whose base source is a small tarball made by the
/// system's tar from files the test chooses.
struct TinyProject {
    let root: URL
    let tarball: URL
    let sha256: String

    init(files: [String: String], executable: Set<String> = []) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-cli-\(UUID().uuidString)")
        let staging = root.appendingPathComponent("staging/tiny-1.0")
        for (path, text) in files {
            let url = staging.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            if executable.contains(path) {
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
            }
        }
        tarball = root.appendingPathComponent("tiny-1.0.tar.gz")
        try Command.output("tar", ["-czf", tarball.path, "-C", root.appendingPathComponent("staging").path, "tiny-1.0"],
                           environment: Baseline.environment)
        let data = try Data(contentsOf: tarball)
        sha256 = SHA256Hex.of(data)
        try Self.pin(data, sha256: sha256, root: root)
    }

    /// Makes `data` the pinned tiny-1.0 source (size and SHA-256), downloaded from `mirror`.
    static func pin(_ data: Data, sha256: String, root: URL, mirror: String = "http://127.0.0.1:9/tiny-1.0.tar.gz") throws {
        let url = root.appendingPathComponent("recipes/sources/tiny-1.0.yaml")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("""
            name: tiny-1.0
            file: tiny-1.0.tar.gz
            size: \(data.count)
            sha256: \(sha256)
            urls: [\(mirror)]
            """.utf8).write(to: url)
    }

    var cache: URL { root.appendingPathComponent("cache") }

    func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func qmailkit(_ arguments: [String]) throws -> CLIResult {
        try CLI.run(arguments + ["--project", root.path, "--cache", cache.path], in: root)
    }

    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}
