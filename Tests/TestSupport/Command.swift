import Foundation
@_exported import Spawn

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
