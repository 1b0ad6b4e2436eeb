import ArgumentParser
import Foundation
import Glibc
import QmailBuild
import QmailInstall

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stage a build's qmail home as 'make setup' lays it out, with run scripts and starter control files.",
        discussion: """
            Puts the build's programs, boot scripts, documents and manual pages in DESTDIR followed by \
            --prefix, with the modes and owners of netqmail's hier.c (qmail-queue setuid qmailq 4711, \
            the queue owned by qmailq and qmails, …), and the named pipe and lock files of the queue. \
            The prefix must be the qmail home the build was compiled for. The staged home must not \
            exist or be empty. As root, with the qmail accounts present, every file gets its owner and \
            group; otherwise the commands that do it are printed. The accounts the home needs are printed; \
            --create-users (root only) creates the missing ones.

            supervise/qmail-smtpd/run (daemontools or runit) runs qmail-smtpd under 'tcpserver -v -R \
            -l ME -x control/tcp.smtp.cdb -c N' with the environment of the build's features and the \
            checkpassword program; as root tcpserver also switches to the daemon user (-u, -g). \
            supervise/qmail-smtpd.service is a systemd unit running the same script (systemctl link it). \
            Starter control files: me and rcpthosts (--hostname, --rcpthosts), tcp.smtp (anyone may \
            connect, nobody relays) and, with --certificate, a self-signed servercert.pem made with openssl.

            Examples:
              qmailkit install qmail-src.build --destdir /tmp/stage
              qmailkit install qmail-src.build --destdir / --create-users --hostname mail.example.org --certificate \\
                  --checkpassword '/usr/bin/checkpassword /bin/true'
              qmailkit install sandbox.build --prefix /tmp/qmail-home --port 2525 --address 127.0.0.1

            Exit codes: 0 installed; 2 the build cannot be installed (no provenance, another compiled-in \
            home than --prefix, files missing from the build, an option that does not fit the build); \
            5 local problem (the home exists and is not empty, I/O, a tool such as nroff or openssl \
            failed, --create-users without root); 64 wrong command-line usage.
            """)

    @Argument(help: ArgumentHelp("The output folder of 'qmailkit build'.", valueName: "build"))
    var build: String

    @Option(help: ArgumentHelp("Stage under this folder (the home is DESTDIR followed by --prefix); default: install into the prefix itself.",
                               valueName: "dir"))
    var destdir: String?

    @OptionGroup var service: ServiceOptions

    @Flag(help: "Create the missing qmail users and groups (groupadd, useradd; root only).")
    var createUsers = false

    @Option(help: ArgumentHelp("control/me and tcpserver's -l (default: this host's name).", valueName: "name"))
    var hostname: String?

    @Option(help: ArgumentHelp("control/rcpthosts, comma-separated (default: the hostname).", valueName: "list"))
    var rcpthosts: String?

    @Flag(help: "Make control/servercert.pem, a self-signed certificate for the hostname, with openssl (tls builds).")
    var certificate = false

    @Flag(help: "Write no starter control files.")
    var noControl = false

    func validate() throws {
        if noControl, certificate || hostname != nil || rcpthosts != nil {
            throw ValidationError("--no-control writes no control files: leave out --hostname, --rcpthosts and --certificate")
        }
    }

    func run() throws {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let buildFolder = URL(fileURLWithPath: build, relativeTo: cwd).standardizedFileURL
        let root = URL(fileURLWithPath: destdir ?? "/", relativeTo: cwd).standardizedFileURL
        do {
            if createUsers, geteuid() != 0 { throw InstallError.needsRoot("--create-users") }
            let provenance = try readProvenance(buildFolder)
            var starter: StarterControl?
            if !noControl {
                starter = StarterControl(hostname: hostname ?? ProcessInfo.processInfo.hostName)
                starter?.rcptHosts = rcpthosts.map { $0.split(separator: ",").map(String.init) } ?? []
                starter?.certificate = certificate
            }
            let plan = try InstallPlan.make(provenance: provenance, prefix: service.prefix, service: try service.service(),
                                            switchAccounts: geteuid() == 0, starter: starter)
            let accounts = plan.accounts
            print("the qmail home needs the users \(accounts.users.joined(separator: " ")) and the groups \(accounts.groups.joined(separator: " "))")
            if let missing = AccountSetup.missing(plan) {
                if createUsers {
                    try AccountSetup.create(missing)
                    print("created: " + (missing.groups.map { "group \($0)" } + missing.users.map { "user \($0)" }).joined(separator: ", "))
                } else {
                    print("missing here; create them as root (or pass --create-users):")
                    missing.commands.forEach { print("  " + $0) }
                }
            }
            let report = try Installer.stage(plan, build: buildFolder, root: root)
            print("installed \(report.entries) entries in \(report.stagedHome.path)")
            if !report.ownersSet {
                print("owners not set (\(geteuid() == 0 ? "some qmail accounts are missing" : "not root")); as root, run:")
                report.ownershipCommands.forEach { print("  " + $0) }
            }
            let folder = report.stagedHome.appendingPathComponent(SMTPService.directory).path
            print("qmail-smtpd service: \(folder) (daemontools: ln -s it into /service; runit: into /etc/service; "
                  + "systemd: systemctl link \(service.prefix)/\(SMTPService.unitPath))")
        } catch let error as ValidationError {
            throw error
        } catch {
            throw failure(error)
        }
    }
}

/// The provenance of a build folder, as an install error when it cannot be read.
func readProvenance(_ folder: URL) throws(InstallError) -> Provenance {
    do { return try Provenance.read(buildDirectory: folder) } catch { throw .unusableBuild(error.description) }
}
