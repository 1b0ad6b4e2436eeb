import Foundation
import Testing
import TestSupport
import RealBuildSupport

/// One AUTH dialogue and one STARTTLS dialogue of the auth+tls build's qmail-smtpd,
/// and one verified-TLS + CRAM-MD5 delivery of its qmail-remote, under valgrind
/// (`--error-exitcode=99 --leak-check=no`): exit 0 means no invalid reads, writes
/// or uses of uninitialised memory.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, tlsTools, checkpasswordTool, .enabled(if: SMTPDConnection.valgrindPath != nil, "needs valgrind"))
struct ValgrindTests {
    @Test func authDialogueIsCleanUnderValgrind() async throws {
        let build = try PatchedBuild.sandbox(features: ["auth", "tls"])
        try await build.withControl {
            let session = try SMTPDConnection(build, arguments: TestTools.checkArguments,
                                              environment: ["SMTPAUTH": "+cram"], valgrind: true)
            session.expectGreeting()
            session.expect("EHLO x\r\n", "250 SIZE 0")
            session.expect("AUTH PLAIN =\r\n", lines: ["501 malformed auth input (#5.5.4)"])
            session.expect("AUTH PLAIN !!!!\r\n", lines: ["501 malformed auth input (#5.5.4)"])
            let challenge = session.expect("AUTH CRAM-MD5\r\n", "334 ")
            session.expect(try AuthText.cramAnswer(user: "joe", password: "secret", challengeLine: challenge.first ?? "") + "\r\n",
                           lines: ["235 ok, go ahead (#2.0.0)"])
            session.expectDelivery(from: "joe@example.org", to: "x@other.test")
            session.expectQuit(status: 0)
        }
    }

    @Test func startTLSDialogueIsCleanUnderValgrind() async throws {
        let build = try PatchedBuild.sandbox(features: ["auth", "tls"])
        let pki = try PKI.get()
        try await build.withControl(["servercert.pem": try pki.text(pki.serverRSA)]) {
            let session = try SMTPDConnection(build, arguments: TestTools.checkArguments,
                                              environment: ["SMTPAUTH": ""], valgrind: true)
            session.expectGreeting()
            session.expect("EHLO x\r\n", "250 SIZE 0")
            session.expect("STARTTLS\r\n", lines: ["220 ready for tls"])
            try session.startTLS()
            session.expect("EHLO y\r\n", "250 SIZE 0")
            session.expect("AUTH PLAIN " + AuthText.base64("\0joe\0secret") + "\r\n", lines: ["235 ok, go ahead (#2.0.0)"])
            session.expectDelivery(from: "joe@example.org", to: "x@other.test")
            session.expectQuit(status: 0)
        }
    }

    @Test func qmailRemoteTLSAndCramMD5AreCleanUnderValgrind() async throws {
        let build = try PatchedBuild.sandbox(features: ["auth", "tls"])
        let pki = try PKI.get()
        let (run, server) = try await build.withControl(["tlshosts/127.0.0.1.pem": try pki.text(pki.ca)]) {
            let server = try FakeSMTPServer(.init(auth: "LOGIN PLAIN CRAM-MD5", tls: TLSSettings(certificate: pki.serverRSA)))
            try build.addControl(["smtproutes": "example.net:[127.0.0.1]:\(server.port)|joe|secret\n"])
            let run = try QmailRemoteRun.run(build, valgrind: true)
            server.finish()
            return (run, server)
        }
        #expect(run.status == 0 && run.delivered, "qmail-remote under valgrind: exit \(run.status), report \(run.report)")
        #expect(server.tlsUsed && server.commands.contains("AUTH CRAM-MD5"), "\(server.commands)")
    }
}
