import Foundation
import Spawn

/// Runs the baselines' shell commands (`tar`, `git`, `patch`) through `/bin/sh -c`.
enum Shell {
    /// The environment of baseline commands: a fixed git identity and no user or
    /// system git configuration, so hooks or signing settings cannot skew a run.
    static let environment = Command.isolatedGitEnvironment(name: "qmailkit-benchmarks", email: "benchmarks@localhost")

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
