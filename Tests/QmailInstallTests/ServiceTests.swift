import QmailInstall
import Testing
import TestSupport

/// The run scripts and the systemd unit, as text (and sh's parse of them).
@Suite(.ownThread) struct ServiceTests {
    private func service(features: [String], accounts: Bool) -> SMTPService {
        var service = SMTPService(home: "/var/qmail", features: features)
        service.accounts = accounts ? SMTPService.Accounts(daemon: "qmaild", log: "qmaill") : nil
        return service
    }

    @Test func asRootTcpserverSwitchesToTheDaemonUser() throws {
        let run = service(features: [], accounts: true).runScript
        #expect(run.hasPrefix("#!/bin/sh\n"))
        #expect(run.contains("cd /var/qmail || exit 111\n"))
        #expect(run.contains("tcprules control/tcp.smtp.cdb control/tcp.smtp.tmp < control/tcp.smtp || exit 111\n"))
        #expect(run.contains("exec tcpserver -v -R -l \"`head -n 1 control/me`\" -x control/tcp.smtp.cdb -c 40 \\\n"
            + "  -u \"`id -u qmaild`\" -g \"`id -g qmaild`\" \\\n  0 25 /var/qmail/bin/qmail-smtpd\n"))
        #expect(try shellParses(run))
        #expect(service(features: [], accounts: true).logRunScript == "#!/bin/sh\nexec setuidgid qmaill multilog t ./main\n")
    }

    @Test func asAnOrdinaryUserThereIsNoAccountSwitch() throws {
        var service = service(features: [], accounts: false)
        service.address = "127.0.0.1"
        service.port = 2525
        service.supervisor = .runit
        #expect(!service.runScript.contains("-u "))
        #expect(service.runScript.contains("  127.0.0.1 2525 /var/qmail/bin/qmail-smtpd\n"))
        #expect(service.logRunScript == "#!/bin/sh\nexec svlogd -tt ./main\n")
    }

    @Test func authBuildsGetTheCheckProgramAndSMTPAUTH() throws {
        var service = service(features: ["tls", "auth", "forcetls"], accounts: true)
        service.checkPassword = ["/usr/bin/checkpassword", "/bin/true"]
        let run = service.runScript
        #expect(run.contains("SMTPAUTH=''; export SMTPAUTH\n"))
        #expect(run.hasSuffix(" /var/qmail/bin/qmail-smtpd /usr/bin/checkpassword /bin/true\n"))
        for name in ["SMTPS", "TLSCIPHERS", "SMTPAUTH", "AUTHSLEEP", "FORCETLS"] { #expect(run.contains("#   \(name) ("), "\(name)") }
        #expect(!run.contains("ALLOW_BARELF"))
        #expect(run.contains("control/servercert.pem"))
        #expect(try shellParses(run))

        service.environment = [SMTPService.Setting(name: "SMTPAUTH", value: "!cram"), SMTPService.Setting(name: "FORCETLS", value: "it's 0")]
        #expect(service.runScript.contains("SMTPAUTH='!cram'; export SMTPAUTH\nFORCETLS='it'\\''s 0'; export FORCETLS\n"))
        #expect(!service.runScript.contains("SMTPAUTH=''"))
        #expect(try shellParses(service.runScript))
    }

    @Test func anAuthBuildWithoutCheckProgramSaysAUTHIsOff() {
        let run = service(features: ["auth"], accounts: false).runScript
        #expect(run.contains("# AUTH is off"))
        #expect(!run.contains("SMTPAUTH=''"))
    }

    @Test func theSystemdUnitRunsTheSameScript() {
        let unit = service(features: [], accounts: true).systemdUnit
        #expect(unit.contains("\nExecStart=/var/qmail/supervise/qmail-smtpd/run\n"))
        #expect(unit.contains("[Install]\nWantedBy=multi-user.target\n"))
    }
}
