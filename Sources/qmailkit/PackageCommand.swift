import ArgumentParser
import Foundation
import QmailInstall

struct PackageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package",
        abstract: "Make a Debian package (.deb) of a build's qmail home with dpkg-deb.",
        discussion: """
            Stages the home as 'qmailkit install' does (without starter control files), adds \
            /usr/share/doc/NAME/copyright and the build's qmailkit-provenance.json, and runs \
            'dpkg-deb --root-owner-group --build'. The control file records what was built, as \
            pkgsrc records a package's options: X-Qmailkit-Features, X-Qmailkit-Base and \
            X-Qmailkit-Patches (each patch with its feature and SHA-256). Depends lists the packages \
            owning the libraries the programs link (ldd, dpkg -S), ucspi-tcp and passwd. Files ship \
            as root:root with setuid/setgid bits off; the postinst creates the missing qmail accounts, \
            gives every file its owner, then sets those bits (qmail-queue 4711 only once owned by \
            qmailq), and writes control/me, rcpthosts and tcp.smtp when they do not exist. The run \
            scripts switch to the daemon user (tcpserver -u/-g).

            Examples:
              qmailkit package --deb qmail-src.build -o netqmail_1.06-1_amd64.deb
              qmailkit package --deb qmail-src.build -o q.deb --name netqmail-tls --package-version 1.06-2 \\
                  --checkpassword '/usr/bin/checkpassword /bin/true'
              dpkg-deb -I netqmail_1.06-1_amd64.deb      # the metadata

            Exit codes: 0 the package was written; 2 the build cannot be packaged (no provenance, \
            another compiled-in home than --prefix, files missing from the build, a bad name or \
            version); 5 local problem (the output exists, I/O, dpkg-deb, ldd or nroff failed); \
            64 wrong command-line usage.
            """)

    @Flag(help: "Make a Debian package (the only format so far).")
    var deb = false

    @Argument(help: ArgumentHelp("The output folder of 'qmailkit build'.", valueName: "build"))
    var build: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The .deb to write (must not exist).", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("The package name.", valueName: "name"))
    var name = "netqmail"

    @Option(help: ArgumentHelp("The package version.", valueName: "version"))
    var packageVersion = "1.06-1"

    @Option(help: ArgumentHelp("The Maintainer field: 'Name <address>'.", valueName: "who"))
    var maintainer = "qmailkit <root@localhost>"

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        guard deb else { throw ValidationError("say which package to make: --deb") }
    }

    func run() throws {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let buildFolder = URL(fileURLWithPath: build, relativeTo: cwd).standardizedFileURL
        let file = URL(fileURLWithPath: output, relativeTo: cwd).standardizedFileURL
        do {
            let provenance = try readProvenance(buildFolder)
            let plan = try InstallPlan.make(provenance: provenance, prefix: service.prefix, service: try service.service(),
                                            switchAccounts: true, starter: nil)
            let control = try DebianPackager.package(plan, build: buildFolder, provenance: provenance, output: file) { control in
                control.package = name
                control.version = packageVersion
                control.maintainer = maintainer
            }
            print("wrote \(file.path): \(control.package) \(control.version) \(control.architecture), "
                  + "features: \(provenance.features.isEmpty ? "none" : provenance.features.joined(separator: " "))")
            print("depends: \(control.depends.joined(separator: ", "))")
        } catch let error as ValidationError {
            throw error
        } catch {
            throw failure(error)
        }
    }
}
