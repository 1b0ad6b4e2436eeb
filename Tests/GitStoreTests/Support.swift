import Foundation
import GitStore
import TestSupport

/// A fresh directory under the system temporary directory, removed on deinit.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("gitstore-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func subdirectory(_ name: String) -> URL {
        url.appendingPathComponent(name, isDirectory: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Runs the real git command line in `directory` as the tests' baseline
/// (`Baseline.environment`: no user or system configuration, a fixed
/// identity, plus `environment`), and returns its standard output.
@discardableResult
func git(
    _ arguments: [String], in directory: URL, input: [UInt8]? = nil, environment: [String: String] = [:]
) throws -> [UInt8] {
    let result = try gitStatus(arguments, in: directory, input: input, environment: environment)
    guard result.status == 0 else {
        throw CommandFailure(command: ["git"] + arguments,
                             output: CommandOutput(status: result.status, stdout: result.output, stderr: result.errors))
    }
    return result.output
}

/// Like `git`, but returns the exit status (and standard error) instead of
/// throwing on a non-zero status.
func gitStatus(
    _ arguments: [String], in directory: URL, input: [UInt8]? = nil, environment extra: [String: String] = [:]
) throws -> (status: Int32, output: [UInt8], errors: [UInt8]) {
    let result = try Command.run("git", arguments, in: directory,
                                 environment: Baseline.environment.merging(extra) { _, new in new }, input: input ?? [])
    return (result.status, result.stdout, result.stderr)
}

/// git's output as a string with the final newline removed.
func gitLine(
    _ arguments: [String], in directory: URL, input: [UInt8]? = nil, environment: [String: String] = [:]
) throws -> String {
    var text = String(decoding: try git(arguments, in: directory, input: input, environment: environment), as: UTF8.self)
    while text.hasSuffix("\n") { text.removeLast() }
    return text
}

/// Writes `files` into `directory` with plain file-system calls (not GitStore),
/// so the git CLI can be pointed at the same content.
func writeWithFileManager(_ files: [TreeFile], into directory: URL) throws {
    let manager = FileManager.default
    for file in files {
        let url = directory.appendingPathComponent(file.path)
        try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        switch file.mode {
        case .symlink:
            try manager.createSymbolicLink(
                atPath: url.path, withDestinationPath: String(decoding: file.contents, as: UTF8.self))
        case .regular, .executable:
            try Data(file.contents).write(to: url)
            try manager.setAttributes(
                [.posixPermissions: file.mode == .executable ? 0o755 : 0o644], ofItemAtPath: url.path)
        }
    }
}

/// A small set of files exercising nesting, both file modes, a symlink, an
/// empty file, a file without a final newline and binary bytes.
let sampleFiles: [TreeFile] = [
    TreeFile(path: "README", contents: Array("netqmail sample\n".utf8)),
    TreeFile(path: "configure", contents: Array("#!/bin/sh\necho ok\n".utf8), mode: .executable),
    TreeFile(path: "src/qmail-smtpd.c", contents: Array("int main(void)\n{\n  return 0;\n}\n".utf8)),
    TreeFile(path: "src/lib/str.h", contents: Array("#ifndef STR_H\n#define STR_H\n#endif".utf8)),
    TreeFile(path: "src/empty", contents: []),
    TreeFile(path: "link-to-readme", contents: Array("README".utf8), mode: .symlink),
    TreeFile(path: "data/blob.bin", contents: [0, 1, 2, 255, 0, 10, 13, 0x7f]),
    TreeFile(path: "a-b", contents: Array("sorts before the a/ directory\n".utf8)),
    TreeFile(path: "a/c", contents: Array("inside a\n".utf8)),
]
