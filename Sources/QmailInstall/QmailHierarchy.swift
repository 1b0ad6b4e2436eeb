import QmailBuild

/// What netqmail-1.06's `make setup` puts in the qmail home: every directory,
/// program, document and manual page with its mode and owner, as its hier.c
/// lists them (the facts, in hier.c's order; the code is ours). Sans-IO.
///
/// All entries belong to the qmail group (auto_gidq); the owner is one of the
/// accounts of conf-users.
public enum QmailHierarchy {
    /// The entries for a home with `split` queue subdirectories and the accounts of a build.
    public static func entries(split: Int, users: QmailUsers, groups: QmailGroups) -> [InstallEntry] {
        let group = groups.qmail
        func directory(_ path: String, _ owner: String, _ mode: UInt32) -> InstallEntry {
            InstallEntry(path: path, kind: .directory, mode: mode, owner: owner, group: group)
        }
        func splitDirectories(_ base: String, _ owner: String, _ mode: UInt32) -> [InstallEntry] {
            [directory(base, owner, mode)] + (0..<split).map { directory("\(base)/\($0)", owner, mode) }
        }
        var entries = [directory("", users.owner, 0o755)]
        entries += ownerDirectories.map { directory($0, users.owner, 0o755) }
        entries.append(directory("alias", users.alias, 0o2755))
        entries += [
            directory("queue", users.queue, 0o750),
            directory("queue/pid", users.queue, 0o700),
            directory("queue/intd", users.queue, 0o700),
            directory("queue/todo", users.queue, 0o750),
            directory("queue/bounce", users.send, 0o700),
        ]
        entries += splitDirectories("queue/mess", users.queue, 0o750)
        entries += splitDirectories("queue/info", users.send, 0o700)
        entries += splitDirectories("queue/local", users.send, 0o700)
        entries += splitDirectories("queue/remote", users.send, 0o700)
        entries += [
            directory("queue/lock", users.queue, 0o750),
            InstallEntry(path: "queue/lock/tcpto", kind: .zeroes(count: 1024), mode: 0o644, owner: users.remote, group: group),
            InstallEntry(path: "queue/lock/sendmutex", kind: .zeroes(count: 0), mode: 0o600, owner: users.send, group: group),
            InstallEntry(path: "queue/lock/trigger", kind: .fifo, mode: 0o622, owner: users.send, group: group),
        ]
        entries += bootScripts.map { InstallEntry(path: "boot/\($0)", kind: .built($0), mode: 0o755, owner: users.owner, group: group) }
        entries += documents.map { InstallEntry(path: "doc/\($0)", kind: .built($0), mode: 0o644, owner: users.owner, group: group) }
        entries += programs.map { name, mode in
            InstallEntry(path: "bin/\(name)", kind: .built(name), mode: mode,
                         owner: name == "qmail-queue" ? users.queue : users.owner, group: group)
        }
        for (section, pages) in manualPages {
            for page in pages {
                let source = "\(page).\(section)"
                let formatted = "\(page).0"
                entries.append(InstallEntry(path: "man/man\(section)/\(source)", kind: .manualPage(source), mode: 0o644,
                                            owner: users.owner, group: group))
                entries.append(InstallEntry(path: "man/cat\(section)/\(formatted)",
                                            kind: .formattedPage(source: source, formatted: formatted), mode: 0o644,
                                            owner: users.owner, group: group))
            }
        }
        return entries
    }

    /// The files of the build folder the hierarchy copies as they are (programs, scripts, documents).
    public static func builtFiles(_ entries: [InstallEntry]) -> [String] {
        entries.compactMap { entry in
            if case let .built(name) = entry.kind { return name }
            return nil
        }
    }

    /// The manual page sources the hierarchy installs (each is in the build folder or made from its `.9` template).
    public static func manualPages(_ entries: [InstallEntry]) -> [String] {
        entries.compactMap { entry in
            if case let .manualPage(name) = entry.kind { return name }
            return nil
        }
    }

    private static let ownerDirectories = [
        "control", "users", "bin", "boot", "doc", "man",
        "man/cat1", "man/cat5", "man/cat7", "man/cat8", "man/man1", "man/man5", "man/man7", "man/man8",
    ]

    private static let bootScripts = ["home", "home+df", "proc", "proc+df", "binm1", "binm1+df",
                                      "binm2", "binm2+df", "binm3", "binm3+df"]

    private static let documents = [
        "FAQ", "UPGRADE", "SENDMAIL", "INSTALL", "INSTALL.alias", "INSTALL.ctl", "INSTALL.ids", "INSTALL.maildir",
        "INSTALL.mbox", "INSTALL.vsm", "TEST.deliver", "TEST.receive", "REMOVE.sendmail", "REMOVE.binmail",
        "PIC.local2alias", "PIC.local2ext", "PIC.local2local", "PIC.local2rem", "PIC.local2virt", "PIC.nullclient",
        "PIC.relaybad", "PIC.relaygood", "PIC.rem2local",
    ]

    /// Program and mode; qmail-queue is owned by the queue user, the others by the owner.
    private static let programs: [(String, UInt32)] = [
        ("qmail-queue", 0o4711), ("qmail-lspawn", 0o700), ("qmail-start", 0o700), ("qmail-getpw", 0o711),
        ("qmail-local", 0o711), ("qmail-remote", 0o711), ("qmail-rspawn", 0o711), ("qmail-clean", 0o711),
        ("qmail-send", 0o711), ("splogger", 0o711), ("qmail-newu", 0o700), ("qmail-newmrh", 0o700),
        ("qmail-pw2u", 0o711), ("qmail-inject", 0o755), ("predate", 0o755), ("datemail", 0o755),
        ("mailsubj", 0o755), ("qmail-showctl", 0o755), ("qmail-qread", 0o755), ("qmail-qstat", 0o755),
        ("qmail-tcpto", 0o755), ("qmail-tcpok", 0o755), ("qmail-pop3d", 0o755), ("qmail-popup", 0o711),
        ("qmail-qmqpc", 0o755), ("qmail-qmqpd", 0o755), ("qmail-qmtpd", 0o755), ("qmail-smtpd", 0o755),
        ("sendmail", 0o755), ("tcp-env", 0o755), ("qreceipt", 0o755), ("qsmhook", 0o755), ("qbiff", 0o755),
        ("forward", 0o755), ("preline", 0o755), ("condredirect", 0o755), ("bouncesaying", 0o755),
        ("except", 0o755), ("maildirmake", 0o755), ("maildir2mbox", 0o755), ("maildirwatch", 0o755),
        ("qail", 0o755), ("elq", 0o755), ("pinq", 0o755),
    ]

    /// Manual pages by section, in hier.c's order.
    private static let manualPages: [(Int, [String])] = [
        (5, ["addresses", "envelopes", "maildir", "mbox", "dot-qmail", "qmail-control", "qmail-header", "qmail-log",
             "qmail-users", "tcp-environ"]),
        (7, ["forgeries", "qmail-limits", "qmail"]),
        (1, ["forward", "condredirect", "bouncesaying", "except", "maildirmake", "maildir2mbox", "maildirwatch",
             "mailsubj", "qreceipt", "qbiff", "preline", "tcp-env"]),
        (8, ["qmail-local", "qmail-lspawn", "qmail-getpw", "qmail-remote", "qmail-rspawn", "qmail-clean", "qmail-send",
             "qmail-start", "splogger", "qmail-queue", "qmail-inject", "qmail-showctl", "qmail-newmrh", "qmail-newu",
             "qmail-pw2u", "qmail-qread", "qmail-qstat", "qmail-tcpok", "qmail-tcpto", "qmail-pop3d", "qmail-popup",
             "qmail-qmqpc", "qmail-qmqpd", "qmail-qmtpd", "qmail-smtpd", "qmail-command"]),
    ]
}
