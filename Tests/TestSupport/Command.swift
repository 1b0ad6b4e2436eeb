import Foundation
@_exported import SeededRandom
@_exported import Spawn

/// The reference tools the tests compare qmailkit with (git, GNU tar, GNU
/// patch), invoked so that nothing of the machine changes their outcome: no
/// user or system git configuration, a fixed identity, any owner accepted
/// (as root, GNU tar keeps the archive's owner, which git would refuse as
/// "dubious ownership"), the archive's owner and modes not restored, C locale.
public enum Baseline {
    public static let environment: [String: String] = {
        var environment = Command.isolatedGitEnvironment(name: "qmailkit tests", email: "tests@example.org")
        environment["LC_ALL"] = "C"
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
