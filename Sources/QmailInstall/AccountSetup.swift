import QmailBuild

/// The qmail accounts an installed home needs, and creating the missing ones.
public enum AccountSetup {
    /// The accounts of `plan` this system lacks, with the commands that create them; nil when all exist.
    public static func missing(_ plan: InstallPlan) -> MissingAccounts? {
        AccountCheck.missing(users: plan.users, groups: plan.groups, qmailHome: plan.home,
                             userExists: AccountCheck.systemUserExists, groupExists: AccountCheck.systemGroupExists)
    }

    /// Every account of `plan` with the command creating it, each guarded so it runs only
    /// when the account is absent: the lines of a maintainer script. Sans-IO.
    public static func guardedCommands(_ plan: InstallPlan) -> [String] {
        guard let all = AccountCheck.missing(users: plan.users, groups: plan.groups, qmailHome: plan.home,
                                             userExists: { _ in false }, groupExists: { _ in false }) else { return [] }
        let lookups = all.groups.map { "getent group \($0)" } + all.users.map { "getent passwd \($0)" }
        return zip(lookups, all.commands).map { "\($0) >/dev/null || \($1)" }
    }

    /// Runs the commands of `missing` (as root). Blocking.
    public static func create(_ missing: MissingAccounts) throws(InstallError) {
        for command in missing.commands {
            let words = command.split(separator: " ").map(String.init)
            _ = try Installer.run(words[0], Array(words.dropFirst()), in: nil)
        }
    }
}
