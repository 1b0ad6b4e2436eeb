import QmailBuild
import QmailInstall
import Testing

/// The install plan against netqmail-1.06's hier.c: modes and owners of key entries, no files.
@Suite struct PlanTests {
    @Test func keyEntriesHaveHierModesAndOwners() throws {
        let plan = try makePlan(try provenance())
        let expected: [(String, UInt32, String)] = [
            ("", 0o755, "root"), ("bin/qmail-queue", 0o4711, "qmailq"), ("bin/qmail-lspawn", 0o700, "root"),
            ("bin/qmail-start", 0o700, "root"), ("bin/qmail-remote", 0o711, "root"), ("bin/qmail-smtpd", 0o755, "root"),
            ("alias", 0o2755, "alias"), ("queue", 0o750, "qmailq"), ("queue/bounce", 0o700, "qmails"),
            ("queue/mess/22", 0o750, "qmailq"), ("queue/info/0", 0o700, "qmails"), ("queue/lock/tcpto", 0o644, "qmailr"),
            ("queue/lock/sendmutex", 0o600, "qmails"), ("queue/lock/trigger", 0o622, "qmails"),
            ("doc/FAQ", 0o644, "root"), ("man/cat8/qmail-smtpd.0", 0o644, "root"), ("boot/home", 0o755, "root"),
        ]
        for (path, mode, owner) in expected {
            let entry = try #require(plan.entry(path), "no entry \(path)")
            #expect(entry.mode == mode, "\(path) mode \(String(entry.mode, radix: 8))")
            #expect(entry.owner == owner, "\(path)")
        }
        #expect(plan.entries.filter { $0.path.hasPrefix("queue/") || $0.path == "queue" || $0.path.hasPrefix("bin/") || $0.path.hasPrefix("man/") || $0.path.hasPrefix("doc/") || $0.path.hasPrefix("boot/") }
            .allSatisfy { $0.group == "qmail" })
        #expect(plan.entry("queue/mess/23") == nil)
        #expect(plan.entry("queue/lock/trigger")?.kind == .fifo)
        #expect(plan.entry("queue/lock/tcpto")?.kind == .zeroes(count: 1024))
        #expect(plan.entry("man/cat1/forward.0")?.kind == .formattedPage(source: "forward.1", formatted: "forward.0"))
        #expect(plan.entry("man/man1/forward.1")?.kind == .manualPage("forward.1"))
        #expect(plan.entries.filter { $0.path.hasPrefix("bin/") }.count == 44)
        #expect(plan.entries.filter(\.isPrivileged).map(\.path) == ["alias", "bin/qmail-queue"])
    }

    @Test func theBuildsAccountsAndSplitAreUsed() throws {
        let plan = try makePlan(try provenance(users: Array(repeating: "dev", count: 8), groups: ["dev", "dev"]))
        #expect(plan.entries.allSatisfy { $0.owner == "dev" && $0.group == "dev" })
        #expect(plan.accounts.users == ["dev"] && plan.accounts.groups == ["dev"])
    }

    @Test func everyEntryComesAfterItsFolderAndOnce() throws {
        let plan = try makePlan(try provenance())
        var seen: Set<String> = []
        for entry in plan.entries {
            if !entry.path.isEmpty {
                let parent = entry.path.split(separator: "/").dropLast().joined(separator: "/")
                #expect(seen.contains(parent), "\(entry.path) before \(parent)")
            }
            #expect(seen.insert(entry.path).inserted, "\(entry.path) twice")
        }
    }

    @Test func aPrefixOtherThanTheCompiledHomeIsRefused() throws {
        #expect(throws: InstallError.homeMismatch(compiled: "/var/qmail", prefix: "/opt/qmail")) {
            try makePlan(try provenance(), prefix: "/opt/qmail")
        }
        let text = InstallError.homeMismatch(compiled: "/var/qmail", prefix: "/opt/qmail").description
        #expect(text.contains("--prefix /var/qmail") && text.contains("qmailkit build --prefix /opt/qmail"))
    }

    @Test func aCertificateNeedsTheTLSFeature() throws {
        var starter = StarterControl(hostname: "mail.example.org")
        starter.certificate = true
        #expect(throws: InstallError.self) { try makePlan(try provenance(features: ["auth"]), starter: starter) }
        let tls = try makePlan(try provenance(), starter: starter)
        let certificate = try #require(tls.entry("control/servercert.pem"))
        #expect(certificate.kind == .selfSignedCertificate(commonName: "mail.example.org"))
        #expect(certificate.mode == 0o640 && certificate.owner == "root" && certificate.group == "nofiles")
    }

    @Test func starterControlFiles() throws {
        var starter = StarterControl(hostname: "mx.example.org")
        starter.rcptHosts = ["example.org", ".example.net"]
        let plan = try makePlan(try provenance(), starter: starter)
        #expect(plan.entry("control/me")?.kind == .text("mx.example.org\n"))
        #expect(plan.entry("control/rcpthosts")?.kind == .text("example.org\n.example.net\n"))
        #expect(plan.entry("control/tcp.smtp")?.kind == .text(StarterControl.rules))
        #expect(plan.entry("control/servercert.pem") == nil)
        let bare = try makePlan(try provenance(), starter: nil)
        #expect(!bare.entries.contains { $0.path.hasPrefix("control/") })
    }

    @Test func ownershipCommandsGroupByOwnerAndRestoreSetuidAfterChown() throws {
        let plan = try makePlan(try provenance())
        let commands = Installer.ownershipCommands(plan.entries, home: "/stage/var/qmail")
        let queueOwner = try #require(commands.firstIndex { $0.hasPrefix("chown qmailq:qmail ") })
        #expect(commands[queueOwner].contains(" /stage/var/qmail/bin/qmail-queue"))
        let setuid = try #require(commands.firstIndex(of: "chmod 4711 /stage/var/qmail/bin/qmail-queue"))
        #expect(setuid > queueOwner)
        #expect(commands.contains("chmod 2755 /stage/var/qmail/alias"))
        #expect(Set(commands.filter { $0.hasPrefix("chown ") }.map { $0.split(separator: " ")[1] }).count
            == commands.filter { $0.hasPrefix("chown ") }.count)
    }

    @Test func templatedPagesGetTheBuildsSettings() {
        #expect(ManualPages.template(of: "qmail-control.5") == "qmail-control.9")
        let page = ManualPages.render(template: Array("QMAILHOME/control/me; BREAK; SPAWN; QMAILHOME\n".utf8),
                                      home: "/opt/q", breakCharacter: "-", spawn: "120")
        #expect(String(decoding: page, as: UTF8.self) == "/opt/q/control/me; -; 120; /opt/q\n")
    }
}
