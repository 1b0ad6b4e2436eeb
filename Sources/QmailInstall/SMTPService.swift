import Foundation

/// qmail-smtpd as a service: tcpserver on an address and port, the
/// environment the build's patches read, and the files that start it under
/// daemontools or runit (`run`, `log/run`) and systemd (a unit running the
/// same `run`). Sans-IO: renders text.
public struct SMTPService: Sendable, Equatable {
    /// The supervisor whose logger `log/run` uses.
    public enum Supervisor: String, Sendable, CaseIterable {
        case daemontools
        case runit
    }

    /// The accounts tcpserver and the logger switch to.
    public struct Accounts: Sendable, Equatable {
        public var daemon: String
        public var log: String
        public init(daemon: String, log: String) {
            self.daemon = daemon
            self.log = log
        }
    }

    /// One exported variable.
    public struct Setting: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The qmail home the programs were compiled for (`--prefix`).
    public var home: String
    /// tcpserver's address: `0` for every local address.
    public var address = "0"
    public var port = 25
    /// tcpserver -c: the most connections at once.
    public var concurrency = 40
    /// The account qmail-smtpd runs as (tcpserver -u/-g) and the one the logger
    /// runs as; nil when the service is started by an ordinary user, who cannot switch accounts.
    public var accounts: Accounts?
    /// The features built in, for the environment comments and defaults.
    public var features: [String]
    /// qmail-smtpd's arguments: the checkpassword program and its sub-program (auth).
    public var checkPassword: [String] = []
    /// NAME=VALUE settings exported to qmail-smtpd, in order (given ones override the defaults).
    public var environment: [Setting] = []
    public var supervisor = Supervisor.daemontools

    public init(home: String, features: [String]) {
        self.home = home
        self.features = features
    }

    /// The service folder, relative to the home (daemontools: link it into /service).
    public static let directory = "supervise/qmail-smtpd"
    /// The systemd unit, relative to the home (`systemctl link` it).
    public static let unitPath = "supervise/qmail-smtpd.service"
    /// The tcprules source the run script compiles, relative to the home.
    public static let rulesFile = "control/tcp.smtp"

    /// The environment variables the project's patches read in qmail-smtpd, by feature (docs/*.md).
    public static let variables: [(feature: String, name: String, meaning: String)] = [
        ("tls", "SMTPS", "non-empty: TLS from the first byte (port 465)"),
        ("tls", "TLSCIPHERS", "OpenSSL cipher list, instead of control/tlsserverciphers"),
        ("auth", "SMTPAUTH", "unset or '-': AUTH off; '': LOGIN PLAIN; 'cram', '+cram'; a leading '!' requires AUTH"),
        ("auth", "AUTHSLEEP", "seconds to wait after a failed AUTH"),
        ("forcetls", "FORCETLS", "unset or anything but 0: AUTH only under TLS; 0: AUTH in clear too"),
        ("liberal-lf", "ALLOW_BARELF", "set: accept bare LF line ends in DATA"),
        ("empf", "POLICY_DEBUG", "set: log the messaging policy's decisions"),
    ]

    /// The exported settings: the given ones, and SMTPAUTH='' (LOGIN PLAIN) for an
    /// auth build given a checkpassword program and no SMTPAUTH of its own.
    public var effectiveEnvironment: [Setting] {
        var settings = environment
        if features.contains("auth"), !checkPassword.isEmpty, !settings.contains(where: { $0.name == "SMTPAUTH" }) {
            settings.insert(Setting(name: "SMTPAUTH", value: ""), at: 0)
        }
        return settings
    }

    /// The daemontools/runit `run` file: compiles the tcprules, then execs tcpserver.
    public var runScript: String {
        let smtpd = ([home + "/bin/qmail-smtpd"] + checkPassword).map(Self.quoted).joined(separator: " ")
        var lines = [
            "#!/bin/sh",
            "# qmail-smtpd under tcpserver, written by 'qmailkit install' for a build with: "
                + (features.isEmpty ? "no patches" : features.joined(separator: " ")),
        ]
        let read = Self.variables.filter { features.contains($0.feature) }
        if !read.isEmpty {
            lines.append("# Environment this qmail-smtpd reads (set it here or per client in \(Self.rulesFile)):")
            lines += read.map { "#   \($0.name) (\($0.feature)): \($0.meaning)" }
        }
        if features.contains("tls") {
            lines.append("# STARTTLS is offered while \(home)/control/servercert.pem (certificate and key) exists.")
        }
        if features.contains("auth"), checkPassword.isEmpty {
            lines.append("# AUTH is off: no checkpassword program is named after qmail-smtpd (qmailkit install --checkpassword).")
        }
        lines += [
            "exec 2>&1",
            "cd \(Self.quoted(home)) || exit 111",
            "tcprules \(Self.rulesFile).cdb \(Self.rulesFile).tmp < \(Self.rulesFile) || exit 111",
        ]
        lines += effectiveEnvironment.map { "\($0.name)=\(Self.quoted($0.value)); export \($0.name)" }
        var server = ["exec tcpserver -v -R -l \"`head -n 1 control/me`\" -x \(Self.rulesFile).cdb -c \(concurrency)"]
        if let accounts {
            server.append("-u \"`id -u \(accounts.daemon)`\" -g \"`id -g \(accounts.daemon)`\"")
        }
        server.append("\(Self.quoted(address)) \(port) \(smtpd)")
        lines.append(server.joined(separator: " \\\n  "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `log/run`: the supervisor's logger writing to `./main`, as the log account when there is one.
    public var logRunScript: String {
        let logger: String
        switch supervisor {
        case .daemontools:
            logger = (accounts.map { "setuidgid \($0.log) " } ?? "") + "multilog t ./main"
        case .runit:
            logger = (accounts.map { "chpst -u \($0.log) " } ?? "") + "svlogd -tt ./main"
        }
        return "#!/bin/sh\nexec \(logger)\n"
    }

    /// A systemd unit starting the same `run` file; its output goes to the journal.
    public var systemdUnit: String {
        """
        [Unit]
        Description=qmail SMTP daemon (qmail-smtpd under tcpserver on port \(port))
        After=network.target

        [Service]
        ExecStart=\(home)/\(Self.directory)/run
        Restart=always

        [Install]
        WantedBy=multi-user.target

        """
    }

    /// `word` as one sh word: bare when it holds only safe characters, else in single quotes.
    static func quoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@%")
        if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
