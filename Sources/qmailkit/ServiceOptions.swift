import ArgumentParser
import QmailInstall

/// How the generated run scripts start qmail-smtpd: shared by install and package.
struct ServiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The qmail home the build was compiled for (conf-qmail, 'qmailkit build --prefix').", valueName: "dir"))
    var prefix = "/var/qmail"

    @Option(help: ArgumentHelp("tcpserver's address (0: every local address).", valueName: "ip"))
    var address = "0"

    @Option(help: ArgumentHelp("tcpserver's port.", valueName: "n"))
    var port = 25

    @Option(help: ArgumentHelp("tcpserver -c: the most SMTP connections at once.", valueName: "n"))
    var concurrency = 40

    @Option(help: ArgumentHelp("The checkpassword program and its arguments, given to qmail-smtpd (auth builds), e.g. '/usr/bin/checkpassword /bin/true'.",
                               valueName: "argv"))
    var checkpassword: String?

    @Option(name: .customLong("env"), help: ArgumentHelp("Export NAME=VALUE to qmail-smtpd in the run script (repeatable), e.g. SMTPAUTH='!' or FORCETLS=0.",
                                                         valueName: "name=value"))
    var environment: [String] = []

    @Option(help: ArgumentHelp("The logger of log/run: daemontools (multilog) or runit (svlogd).", valueName: "name"))
    var supervisor = "daemontools"

    func validate() throws {
        guard prefix.hasPrefix("/"), !prefix.hasSuffix("/") || prefix == "/" else {
            throw ValidationError("--prefix is an absolute path without a trailing slash, not '\(prefix)'")
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port takes 1 to 65535") }
        guard (1...10000).contains(concurrency) else { throw ValidationError("--concurrency takes 1 to 10000") }
        guard SMTPService.Supervisor(rawValue: supervisor) != nil else {
            throw ValidationError("--supervisor takes daemontools or runit, not '\(supervisor)'")
        }
        if let checkpassword, !(checkpassword.split(separator: " ").first?.hasPrefix("/") ?? false) {
            throw ValidationError("--checkpassword starts with the program's absolute path, not '\(checkpassword)'")
        }
        _ = try settings()
    }

    /// The service as the options describe it (home and features come from the build's plan).
    func service() throws -> SMTPService {
        var service = SMTPService(home: prefix, features: [])
        service.address = address
        service.port = port
        service.concurrency = concurrency
        service.checkPassword = checkpassword.map { $0.split(separator: " ").map(String.init) } ?? []
        service.environment = try settings()
        service.supervisor = SMTPService.Supervisor(rawValue: supervisor) ?? .daemontools
        return service
    }

    private func settings() throws -> [SMTPService.Setting] {
        let first = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
        let rest = first.union("0123456789")
        return try environment.map { text in
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let initial = parts[0].first, first.contains(initial), parts[0].allSatisfy(rest.contains),
                  !parts[1].contains("\n") else {
                throw ValidationError("--env takes NAME=VALUE (a shell variable name, a one-line value), not '\(text)'")
            }
            return SMTPService.Setting(name: String(parts[0]), value: String(parts[1]))
        }
    }
}
