import Foundation

extension Command {
    /// This process's environment with nothing of the machine's git set-up left
    /// to change a run: no user or system configuration, commits by `name`
    /// <`email`>, and any owner accepted (run as root, `tar` keeps an archive's
    /// owner, which git would refuse as "dubious ownership").
    public static func isolatedGitEnvironment(name: String, email: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_CONFIG_COUNT"] = "1"
        environment["GIT_CONFIG_KEY_0"] = "safe.directory"
        environment["GIT_CONFIG_VALUE_0"] = "*"
        for role in ["AUTHOR", "COMMITTER"] {
            environment["GIT_\(role)_NAME"] = name
            environment["GIT_\(role)_EMAIL"] = email
        }
        return environment
    }
}
