import Foundation
import Glibc

/// Everything that decides how a netqmail tree is configured and built.
///
/// Defaults are the stock netqmail-1.06 values from its `conf-*` files, so
/// `BuildOptions()` builds exactly what an unmodified `make` would build.
public struct BuildOptions: Sendable, Equatable {
    /// First line of `conf-qmail`: the qmail home directory. Ignored when `sandbox` is set.
    public var qmailHome: String
    /// First line of `conf-cc`: the compile command.
    public var compile: String
    /// First line of `conf-ld`: the link command.
    public var link: String
    /// The eight qmail users written to `conf-users`.
    public var users: QmailUsers
    /// The two qmail groups written to `conf-groups`.
    public var groups: QmailGroups
    /// First line of `conf-split`: the queue subdirectory split.
    public var split: Int
    /// First line of `conf-spawn`: the delivery concurrency limit (qmail refuses more than 255).
    public var spawn: Int
    /// Maps every qmail user and group to one existing account.
    /// For test builds only: a qmail built this way must never run in production.
    public var testUsers: TestUsers?
    /// A scratch directory used as the qmail home instead of `qmailHome`, so the
    /// built daemons read their own `control/` files without root and without /var/qmail.
    public var sandbox: URL?
    /// Sanitizers compiled and linked in (`-fsanitize=… -fno-omit-frame-pointer -g`), for
    /// test builds. With any sanitizer, `-s` is dropped from the link command so reports keep symbols.
    public var sanitizers: [Sanitizer]
    /// Parallel make jobs (`make -j N`). Does not change the result, so it is not part of the cache key.
    public var jobs: Int
    /// Make targets; empty means the Makefile's default target `it`.
    public var targets: [String]
    /// Compiles through ccache. Gives the same objects, so it is not part of the
    /// cache key or the provenance.
    public var compilerCache: CompilerCache?

    public init(
        qmailHome: String = "/var/qmail",
        compile: String = "cc -O2",
        link: String = "cc -s",
        users: QmailUsers = QmailUsers(),
        groups: QmailGroups = QmailGroups(),
        split: Int = 23,
        spawn: Int = 120,
        testUsers: TestUsers? = nil,
        sandbox: URL? = nil,
        sanitizers: [Sanitizer] = [],
        jobs: Int = 1,
        targets: [String] = []
    ) {
        self.qmailHome = qmailHome
        self.compile = compile
        self.link = link
        self.users = users
        self.groups = groups
        self.split = split
        self.spawn = spawn
        self.testUsers = testUsers
        self.sandbox = sandbox
        self.sanitizers = sanitizers
        self.jobs = jobs
        self.targets = targets
        compilerCache = nil
    }

    /// The qmail home the binaries will use: the sandbox when set, else `qmailHome`.
    public var effectiveQmailHome: String {
        sandbox?.standardizedFileURL.path ?? qmailHome
    }

    /// The make targets actually run.
    public var effectiveTargets: [String] {
        targets.isEmpty ? ["it"] : targets
    }
}

/// The eight users of `conf-users`, in the file's order.
public struct QmailUsers: Sendable, Equatable {
    public var alias: String
    public var daemon: String
    public var log: String
    /// Owner of binaries and other miscellaneous files.
    public var owner: String
    public var passwd: String
    public var queue: String
    public var remote: String
    public var send: String

    public init(
        alias: String = "alias", daemon: String = "qmaild", log: String = "qmaill",
        owner: String = "root", passwd: String = "qmailp", queue: String = "qmailq",
        remote: String = "qmailr", send: String = "qmails"
    ) {
        self.alias = alias
        self.daemon = daemon
        self.log = log
        self.owner = owner
        self.passwd = passwd
        self.queue = queue
        self.remote = remote
        self.send = send
    }

    /// All eight names in `conf-users` order.
    public var inFileOrder: [String] {
        [alias, daemon, log, owner, passwd, queue, remote, send]
    }

    /// Every user set to the same account.
    public static func all(_ name: String) -> QmailUsers {
        QmailUsers(alias: name, daemon: name, log: name, owner: name,
                   passwd: name, queue: name, remote: name, send: name)
    }
}

/// The two groups of `conf-groups`, in the file's order.
public struct QmailGroups: Sendable, Equatable {
    /// The qmail group (queue, remote and send users).
    public var qmail: String
    /// The group with access to no files (alias, daemon, log and passwd users).
    public var nofiles: String

    public init(qmail: String = "qmail", nofiles: String = "nofiles") {
        self.qmail = qmail
        self.nofiles = nofiles
    }

    /// Both names in `conf-groups` order.
    public var inFileOrder: [String] { [qmail, nofiles] }
}

/// One existing account standing in for all qmail users and groups in a test build.
public struct TestUsers: Sendable, Equatable {
    public var user: String
    /// The group; nil means the user's primary group.
    public var group: String?

    public init(user: String, group: String? = nil) {
        self.user = user
        self.group = group
    }

    /// `user` or `user:group`, as the command line takes it.
    public init(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        self.init(user: parts.first ?? text, group: parts.count > 1 ? parts[1] : nil)
    }

    /// The account this process runs as, or nil if the account database does not know it.
    public static func currentUser() -> TestUsers? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return TestUsers(user: String(cString: name))
    }
}

/// A compiler sanitizer (`-fsanitize=<rawValue>`).
public enum Sanitizer: String, Sendable, Equatable, CaseIterable {
    case address
    case undefined
}
