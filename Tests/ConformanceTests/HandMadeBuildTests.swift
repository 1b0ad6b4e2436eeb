import Conformance
import Foundation
import Glibc
import QmailBuild
import RealBuildSupport
import Testing
import TestSupport

/// Builds qmailkit did not make, verified the way an administrator would:
/// a source tree built with plain make (no provenance file; its features
/// probed) and the qmail home it was installed into, holding the
/// administrator's own control files, which verify must leave exactly as
/// they were, also when it is killed mid-run.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, .serialized, .enabled(if: QmailkitCache.hasNetqmail, QmailkitCache.netqmailMissing), privateViews)
struct HandMadeBuildTests {
    @Test func aMakeTreeIsProbedAndItsHomeIsLeftAsItWas() throws {
        let build = try HandMadeBuild.authTLS.get()
        let before = try TreeSnapshot(of: build.home)
        let run = try VerifyCommandTests().verify(["--target", "build:" + build.tree.path], in: build.root)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        for line in [
            "build:\(build.tree.path) is a source tree built with make; its qmail home \(build.home.path) is replaced by a scratch view for every connection",
            "features auth, tls, probed (no qmailkit-provenance.json; give --features to state them):",
            "  tls: yes, EHLO offers STARTTLS with control/servercert.pem present",
            "  auth: yes, EHLO offers 'AUTH LOGIN PLAIN' with a check program and SMTPAUTH set",
            "  forcetls: no, EHLO offers AUTH before TLS with FORCETLS unset",
            "  maxrcpt: no, qmail-smtpd does not contain \"control/maxrcpt\"",
        ] {
            #expect(run.stdout.contains(line + "\n"), "\(line)")
        }
        #expect(run.stdout.contains("scenario(s) that need forcetls ("))
        #expect(run.stdout.contains("  remote-auth.scn:"), "qmail-remote ran in a view too")
        let after = try TreeSnapshot(of: build.home)
        #expect(after == before, "\(after.differences(from: before))")
    }

    @Test func aPristineMakeTreeIsProbedAsStock() throws {
        let pristine = try PatchedBuild.sandbox(features: [])
        let root = try ScratchDirectory.make("pristine-tree")
        defer { try? FileManager.default.removeItem(at: root) }
        let tree = root.appendingPathComponent("netqmail-1.06")
        try Command.output("cp", ["-a", pristine.buildDirectory.path, tree.path])
        try FileManager.default.removeItem(at: tree.appendingPathComponent(Provenance.fileName))
        let run = try VerifyCommandTests().verify([tree.path], in: root)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("features none, probed (no qmailkit-provenance.json; give --features to state them):\n"))
        #expect(run.stdout.contains("  tls: no, EHLO offers no STARTTLS with control/servercert.pem present\n"))
        #expect(run.stdout.contains("  auth: no, EHLO offers no AUTH with a check program and SMTPAUTH set\n"))
        #expect(run.stdout.contains("  msgid-log: no, ") && run.stdout.contains("/qmail-send is missing or does not contain \"msgid <none>\"\n"))
        #expect(run.stdout.contains(" scenario(s) that need auth ("))
        #expect(!run.stdout.contains("  auth.scn:"))
        // --diff says which of the first run's scenarios it did not compare, and why.
        let differential = try VerifyCommandTests().verify(["--features", "auth,tls", "--diff", "build:" + tree.path], in: root)
        #expect(differential.stdout.contains("\ndifferential ref vs build:\(tree.path):\n"), "\(differential.stdout)\(differential.stderr)")
        #expect(differential.stdout.contains("\nnot compared: ") && differential.stdout.contains(" scenario(s) that need auth (auth"))
        #expect(differential.stdout.contains("not compared: ") && differential.stdout.contains(" scenario(s) that need tls ("))
    }

    @Test func anInstalledHomeTakesTheFeaturesGivenAndIsLeftAsItWas() throws {
        let build = try HandMadeBuild.authTLS.get()
        let before = try TreeSnapshot(of: build.home)
        let run = try VerifyCommandTests().verify(["--target", "build:" + build.home.path, "--features", "auth,tls", "--tap"], in: build.root)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("# build:\(build.home.path) is an installed qmail home; its qmail home \(build.home.path) is replaced"))
        #expect(run.stdout.contains("# features auth, tls, as given by --features\n"))
        #expect(run.stdout.contains("ok ") && run.stdout.contains(" - auth-"))
        let after = try TreeSnapshot(of: build.home)
        #expect(after == before, "\(after.differences(from: before))")
    }

    /// A site's checkpassword program, written here: it accepts only
    /// site-user with a password of its own (PLAIN, LOGIN and CRAM-MD5) and
    /// notes every login it is asked about.
    private func siteProgram(in folder: URL) throws -> (program: URL, log: URL) {
        let program = folder.appendingPathComponent("site-checkpassword"), log = folder.appendingPathComponent("logins")
        try Data("""
            #!/bin/sh
            payload=$(tr '\\000' '\\n' <&3)
            user=$(printf '%s\\n' "$payload" | sed -n 1p)
            pass=$(printf '%s\\n' "$payload" | sed -n 2p)
            stamp=$(printf '%s\\n' "$payload" | sed -n 3p)
            echo "$user" >> \(log.path)
            [ "$user" = site-user ] || exit 1
            if [ -n "$stamp" ]; then
              want=$(printf '%s' "$stamp" | openssl dgst -md5 -hmac "it's mine" | sed 's/^.* //')
            else
              want="it's mine"
            fi
            [ "$pass" = "$want" ] || exit 1
            [ $# -gt 0 ] && exec "$@"
            exit 0

            """.utf8).write(to: program)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program.path)
        return (program, log)
    }

    @Test func theAuthScenariosRunThroughTheSitesCheckProgram() throws {
        let build = try HandMadeBuild.authTLS.get()
        let folder = try ScratchDirectory.make("site-check")
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenarios = folder.appendingPathComponent("scenarios")
        try FileManager.default.createDirectory(at: scenarios, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: scenarioDirectory.appendingPathComponent("auth.scn"), to: scenarios.appendingPathComponent("auth.scn"))
        let site = try siteProgram(in: folder)
        let accepted = try VerifyCommandTests().verify(
            [build.tree.path, "--scenarios", scenarios.path, "--features", "auth,tls",
             "--check-program", site.program.path, "--user", "site-user", "--password", "it's mine"], in: folder)
        #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
        let count = accepted.stdout.components(separatedBy: "\n").first { $0.hasPrefix("the ") && $0.contains(" scenarios with a check program, through \(site.program.path) as user site-user:") }
        #expect(count != nil, "\(accepted.stdout)")
        #expect(accepted.stdout.contains(" passed, 0 failed, ") && accepted.stdout.contains(" scenarios on build:\(build.tree.path) with check program \(site.program.path)\n"))
        // The program judged the logins that succeed (as site-user) and the
        // wrong ones; the stand-in's account names never reached it.
        let logins = try String(contentsOf: site.log, encoding: .utf8).split(separator: "\n")
        #expect(logins.contains("site-user"))
        #expect(!logins.contains("alice") && !logins.contains("alice@example.com"))

        try FileManager.default.removeItem(at: site.log)
        let refused = try VerifyCommandTests().verify(
            [build.tree.path, "--scenarios", scenarios.path, "--features", "auth,tls",
             "--check-program", site.program.path, "--user", "site-user", "--password", "not the one"], in: folder)
        #expect(refused.status == 1)
        let siteReport = try #require(refused.stdout.components(separatedBy: "scenarios with a check program, through ").last)
        #expect(siteReport.contains("FAIL    auth-plain"), "\(siteReport)")
        // The stand-in's run before it passed: the failures are the program's verdicts.
        #expect(refused.stdout.components(separatedBy: "scenarios with a check program, through ").first?.contains(" 0 failed, ") == true)
    }

    @Test func verifyKilledMidRunLeavesTheHomeAsItWas() throws {
        let build = try HandMadeBuild.authTLS.get()
        let before = try TreeSnapshot(of: build.home)
        let temporary = try ScratchDirectory.make("killed-verify")
        defer { try? FileManager.default.removeItem(at: temporary) }
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = temporary.path
        let null = open("/dev/null", O_RDWR)
        defer { close(null) }
        let pid = try ChildProcess.spawn(argv: [qmailkitBinary.path, "verify", build.home.path, "--features", "auth,tls"],
                                         environment: environment, workingDirectory: build.root.path,
                                         descriptors: [(null, 0), (null, 1), (null, 2)])
        // Mid-run: once the 20th connection's view exists.
        let deadline = Date().addingTimeInterval(120)
        var views = 0
        while views < 20 && Date() < deadline {
            let runs = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
            views = runs.reduce(0) { count, run in
                count + ((try? FileManager.default.contentsOfDirectory(atPath: temporary.appendingPathComponent(run).path)) ?? [])
                    .filter { $0.hasPrefix("view-") }.count
            }
            usleep(2_000)
        }
        kill(pid, SIGKILL)
        #expect(ChildProcess.wait(pid) == .signalled)
        #expect(views >= 20, "verify never got going")
        // A connection of the killed run may still be ending.
        usleep(300_000)
        let after = try TreeSnapshot(of: build.home)
        #expect(after == before, "\(after.differences(from: before))")
    }
}

/// A PatchedBuild's tree copied, its provenance file removed, conf-qmail
/// pointed at a home of its own and the programs made again with plain
/// make (only auto_qmail and the links are redone), then installed into
/// that home by copying bin/qmail-smtpd and bin/qmail-remote. The home's
/// control/ holds an administrator's files: a freshly generated RSA key and
/// certificate (servercert.pem, mode 600), clientca.pem, clientcrl.pem,
/// policy, tlsclients, me and rcpthosts, all dated a year back.
struct HandMadeBuild: Sendable {
    let root: URL
    let tree: URL
    let home: URL

    static let authTLS = Result { try make(from: PatchedBuild.sandbox(features: ["auth", "tls"])) }

    /// Made afresh once per process, next to the PatchedBuild it copies
    /// (so that runs do not pile up copies in the temporary folder).
    private static func make(from build: PatchedBuild) throws -> HandMadeBuild {
        let root = build.buildDirectory.deletingLastPathComponent().appendingPathComponent("hand-made", isDirectory: true)
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let tree = root.appendingPathComponent("netqmail-1.06"), home = root.appendingPathComponent("qmail")
        try Command.output("cp", ["-a", build.buildDirectory.path, tree.path])
        try FileManager.default.removeItem(at: tree.appendingPathComponent(Provenance.fileName))
        try Data((home.path + "\n").utf8).write(to: tree.appendingPathComponent("conf-qmail"))
        try Command.output("make", ["qmail-smtpd", "qmail-remote"], in: tree)

        let control = home.appendingPathComponent("control"), bin = home.appendingPathComponent("bin")
        for folder in [control, bin] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        for program in ["qmail-smtpd", "qmail-remote"] {
            try FileManager.default.copyItem(at: tree.appendingPathComponent(program), to: bin.appendingPathComponent(program))
        }
        let key = root.appendingPathComponent("key.pem"), certificate = root.appendingPathComponent("cert.pem")
        try Command.output("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.path, "-out", certificate.path,
                                       "-days", "30", "-subj", "/CN=mail.admin.example"])
        let pem = try Data(contentsOf: key) + Data(contentsOf: certificate)
        let files: [String: Data] = [
            "servercert.pem": pem, "clientca.pem": try Data(contentsOf: certificate),
            "clientcrl.pem": Data("-----BEGIN X509 CRL-----\nthe administrator's revocation list\n-----END X509 CRL-----\n".utf8),
            "policy": Data("admin.example:LRie,postmaster:LRIE\n".utf8), "tlsclients": Data("relay@admin.example\n".utf8),
            "me": Data("mail.admin.example\n".utf8), "rcpthosts": Data("admin.example\n".utf8),
        ]
        let yearAgo = Date().addingTimeInterval(-365 * 86_400)
        for (name, bytes) in files {
            let path = control.appendingPathComponent(name).path
            try bytes.write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: name == "servercert.pem" ? 0o600 : 0o644,
                                                   .modificationDate: yearAgo], ofItemAtPath: path)
        }
        for folder in [control, bin, home] {
            try FileManager.default.setAttributes([.modificationDate: yearAgo], ofItemAtPath: folder.path)
        }
        return HandMadeBuild(root: root, tree: tree, home: home)
    }
}
