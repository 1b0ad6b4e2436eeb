import Foundation
import Spawn

/// Runs the baselines' shell commands (`tar`, `git`, `patch`) through `/bin/sh -c`.
enum Shell {
    /// The environment of baseline commands: a fixed git identity and no user or
    /// system git configuration, so hooks or signing settings cannot skew a run.
    /// Run as root, `tar` keeps the archive's owner, which git would refuse as
    /// "dubious ownership"; the one command-line setting allows it.
    static let environment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        for role in ["AUTHOR", "COMMITTER"] {
            environment["GIT_\(role)_NAME"] = "qmailkit-benchmarks"
            environment["GIT_\(role)_EMAIL"] = "benchmarks@localhost"
        }
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_CONFIG_COUNT"] = "1"
        environment["GIT_CONFIG_KEY_0"] = "safe.directory"
        environment["GIT_CONFIG_VALUE_0"] = "*"
        return environment
    }()

    /// Runs `script` in `directory`; returns its standard output. Throws when it
    /// exits non-zero.
    @discardableResult
    static func run(_ script: String, in directory: URL) throws -> String {
        let result = try Command.run("/bin/sh", ["-c", script], in: directory, environment: environment)
        guard result.status == 0 else { throw BenchmarkError.commandFailed(script, status: result.status) }
        return result.out
    }

    /// `text` quoted for the shell.
    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
