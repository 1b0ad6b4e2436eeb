#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The qmail accounts that do not exist on this system, and how to create them.
public struct MissingAccounts: Sendable, Equatable {
    /// Missing users, in `conf-users` order, without repeats.
    public var users: [String]
    /// Missing groups, in `conf-groups` order, without repeats.
    public var groups: [String]
    /// Commands (run as root) that create exactly the missing accounts.
    public var commands: [String]

    /// A message naming each missing account and the commands that fix it.
    public var message: String {
        var names = groups.map { "group \($0)" }
        names += users.map { "user \($0)" }
        return """
        qmail's build compiles the account ids into auto_uids.c, so these accounts must exist first: \
        \(names.joined(separator: ", ")).
        Create them as root with:
        \(commands.map { "  " + $0 }.joined(separator: "\n"))
        or, for a test build only, map every account to one existing user (testUsers).
        """
    }
}

/// Checks that the users and groups of `conf-users`/`conf-groups` exist.
public enum AccountCheck {
    /// Finds the missing accounts using the given lookups. Sans-IO.
    ///
    /// `qmailHome` is used for the home directories in the suggested commands.
    /// Returns nil when every account exists.
    public static func missing(
        users: QmailUsers, groups: QmailGroups, qmailHome: String,
        userExists: (String) -> Bool, groupExists: (String) -> Bool
    ) -> MissingAccounts? {
        let missingGroups = unique(groups.inFileOrder).filter { !groupExists($0) }
        // The user, its primary group and home, as qmail's INSTALL.ids sets them up.
        let plan: [(name: String, group: String, home: String)] = [
            (users.alias, groups.nofiles, qmailHome + "/alias"),
            (users.daemon, groups.nofiles, qmailHome),
            (users.log, groups.nofiles, qmailHome),
            (users.owner, groups.qmail, qmailHome),
            (users.passwd, groups.nofiles, qmailHome),
            (users.queue, groups.qmail, qmailHome),
            (users.remote, groups.qmail, qmailHome),
            (users.send, groups.qmail, qmailHome),
        ]
        var seen = Set<String>()
        let missingPlan = plan.filter { seen.insert($0.name).inserted && !userExists($0.name) }
        guard !missingGroups.isEmpty || !missingPlan.isEmpty else { return nil }
        let commands = missingGroups.map { "groupadd \($0)" }
            + missingPlan.map { "useradd -g \($0.group) -d \($0.home) -s /usr/sbin/nologin \($0.name)" }
        return MissingAccounts(users: missingPlan.map(\.name), groups: missingGroups, commands: commands)
    }

    /// Whether `getpwnam` knows the user. Reads the system's account database.
    public static func systemUserExists(_ name: String) -> Bool {
        getpwnam(name) != nil
    }

    /// Whether `getgrnam` knows the group. Reads the system's account database.
    public static func systemGroupExists(_ name: String) -> Bool {
        getgrnam(name) != nil
    }

    /// The name of the user's primary group, or nil when the user or its group is unknown.
    public static func systemPrimaryGroup(of user: String) -> String? {
        guard let entry = getpwnam(user), let group = getgrgid(entry.pointee.pw_gid),
              let name = group.pointee.gr_name else { return nil }
        return String(cString: name)
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
