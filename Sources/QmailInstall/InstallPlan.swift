import QmailBuild

/// The first control files of a new home: `me`, `rcpthosts`, the tcprules
/// source and, when asked, a self-signed `servercert.pem`.
public struct StarterControl: Sendable, Equatable {
    /// control/me: this host's name (also tcpserver's -l).
    public var hostname: String
    /// control/rcpthosts: the domains this host accepts mail for; the hostname when empty.
    public var rcptHosts: [String] = []
    /// Make control/servercert.pem with openssl (tls builds only).
    public var certificate = false

    public init(hostname: String) {
        self.hostname = hostname
    }

    /// The tcprules source: everyone may connect, nobody relays; the comment says how to let a client relay.
    public static let rules = """
        # tcprules source for qmail-smtpd; the run script compiles it to tcp.smtp.cdb at start.
        # To let local clients relay, add above the last line:  127.:allow,RELAYCLIENT=""
        :allow

        """
}

/// Everything `qmailkit install` stages, in the order it is made (a directory
/// before what it holds), for one build. Sans-IO: made from the build's
/// provenance and the options, tested without files.
public struct InstallPlan: Sendable, Equatable {
    /// The qmail home (the prefix), as the programs know it.
    public var home: String
    public var users: QmailUsers
    public var groups: QmailGroups
    public var entries: [InstallEntry]

    /// The plan for the build described by `provenance`, installed at `prefix`
    /// with `service`'s run scripts and, when given, `starter` control files.
    /// With `switchAccounts` (a service started by root) tcpserver runs qmail-smtpd
    /// as the build's daemon user and the logger runs as its log user.
    public static func make(provenance: Provenance, prefix: String, service: SMTPService, switchAccounts: Bool,
                            starter: StarterControl?) throws(InstallError) -> InstallPlan {
        let conf = provenance.options.conf
        guard let compiled = conf["conf-qmail"]?.first else {
            throw .unusableBuild("its provenance names no conf-qmail; give the output folder of 'qmailkit build'")
        }
        guard compiled == prefix else { throw .homeMismatch(compiled: compiled, prefix: prefix) }
        guard let userNames = conf["conf-users"], userNames.count == 8,
              let groupNames = conf["conf-groups"], groupNames.count == 2 else {
            throw .unusableBuild("its provenance does not list the 8 users of conf-users and the 2 groups of conf-groups; "
                + "give the output folder of 'qmailkit build'")
        }
        let users = QmailUsers(alias: userNames[0], daemon: userNames[1], log: userNames[2], owner: userNames[3],
                               passwd: userNames[4], queue: userNames[5], remote: userNames[6], send: userNames[7])
        let groups = QmailGroups(qmail: groupNames[0], nofiles: groupNames[1])
        let split = conf["conf-split"]?.first.flatMap { Int($0) } ?? 23
        if let starter, starter.certificate, !provenance.features.contains("tls") {
            throw .invalidOption("a server certificate is for a build with the tls feature; this build has "
                + (provenance.features.isEmpty ? "no patches" : provenance.features.joined(separator: ", ")))
        }
        var service = service
        service.home = prefix
        service.features = provenance.features
        service.accounts = switchAccounts ? SMTPService.Accounts(daemon: users.daemon, log: users.log) : nil
        var entries = QmailHierarchy.entries(split: split, users: users, groups: groups)
        entries += serviceEntries(service, users: users, groups: groups)
        if let starter { entries += starterEntries(starter, users: users, groups: groups) }
        return InstallPlan(home: prefix, users: users, groups: groups, entries: entries)
    }

    /// The accounts the installed home needs: users with their group, and the groups.
    public var accounts: (users: [String], groups: [String]) {
        var seenUsers = Set<String>(), seenGroups = Set<String>()
        return (users.inFileOrder.filter { seenUsers.insert($0).inserted },
                groups.inFileOrder.filter { seenGroups.insert($0).inserted })
    }

    private static func serviceEntries(_ service: SMTPService, users: QmailUsers, groups: QmailGroups) -> [InstallEntry] {
        let folder = SMTPService.directory
        func entry(_ path: String, _ kind: InstallEntry.Kind, _ mode: UInt32, owner: String? = nil) -> InstallEntry {
            InstallEntry(path: path, kind: kind, mode: mode, owner: owner ?? users.owner, group: groups.qmail)
        }
        return [
            entry("supervise", .directory, 0o755),
            entry(folder, .directory, 0o755),
            entry(folder + "/run", .text(service.runScript), 0o755),
            entry(folder + "/log", .directory, 0o755),
            entry(folder + "/log/run", .text(service.logRunScript), 0o755),
            InstallEntry(path: folder + "/log/main", kind: .directory, mode: 0o755, owner: users.log, group: groups.nofiles),
            entry(SMTPService.unitPath, .text(service.systemdUnit), 0o644),
        ]
    }

    private static func starterEntries(_ starter: StarterControl, users: QmailUsers, groups: QmailGroups) -> [InstallEntry] {
        func control(_ name: String, _ kind: InstallEntry.Kind, _ mode: UInt32 = 0o644, group: String? = nil) -> InstallEntry {
            InstallEntry(path: "control/" + name, kind: kind, mode: mode, owner: users.owner, group: group ?? groups.qmail)
        }
        let rcptHosts = starter.rcptHosts.isEmpty ? [starter.hostname] : starter.rcptHosts
        var entries = [
            control("me", .text(starter.hostname + "\n")),
            control("rcpthosts", .text(rcptHosts.map { $0 + "\n" }.joined())),
            control("tcp.smtp", .text(StarterControl.rules)),
        ]
        if starter.certificate {
            // Readable by qmail-smtpd, which tcpserver runs in the daemon user's group (nofiles).
            entries.append(control("servercert.pem", .selfSignedCertificate(commonName: starter.hostname), 0o640,
                                   group: groups.nofiles))
        }
        return entries
    }
}
