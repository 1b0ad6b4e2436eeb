import Foundation
import Testing
import TestSupport
import RealBuildSupport

/// auth and tls together (with the tls-on-auth resolution), without and with forcetls
/// (docs/forcetls.md), plus qmail-remote doing STARTTLS before AUTH.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, tlsTools, checkpasswordTool)
struct AuthTLSTests {
    static let plain = "AUTH PLAIN " + AuthText.base64("\0joe\0secret") + "\r\n"

    static func session(_ build: PatchedBuild, _ environment: [String: String?] = [:], greet: Bool = true) throws -> SMTPDConnection {
        var env: [String: String?] = ["SMTPAUTH": ""]
        for (name, value) in environment { env[name] = value }
        let session = try SMTPDConnection(build, arguments: TestTools.checkArguments, environment: env)
        if greet { session.expectGreeting() }
        return session
    }

    static func serverCertificate() throws -> [String: String?] {
        let pki = try PKI.get()
        return ["servercert.pem": try pki.text(pki.serverRSA)]
    }

    @Test func authAfterStartTLSIsRecordedAsESMTPSA() async throws {
        let build = try PatchedBuild.sandbox(features: ["auth", "tls"])
        try await build.withControl(try Self.serverCertificate()) {
            let session = try Self.session(build)
            session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, startTLS: true, auth: "LOGIN PLAIN"), "EHLO auth+tls")
            session.expect("STARTTLS\r\n", lines: ["220 ready for tls"])
            let tls = try session.startTLS()
            session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, auth: "LOGIN PLAIN"), "EHLO after STARTTLS")
            session.expect(Self.plain, lines: ["235 ok, go ahead (#2.0.0)"])
            session.expectDelivery(from: "joe@example.org", to: "x@other.test")
            let text = try session.captured().first?.text ?? ""
            #expect(text.contains("(joe@127.0.0.1)\n  by mail.example.org with ESMTPSA (\(tls.cipher) encrypted);"),
                    "Received after STARTTLS + AUTH: \(text)")
            session.expectQuit()
        }
    }

    @Test func authPipelinedInClearAfterStartTLSDoesNotAuthenticate() async throws {
        let build = try PatchedBuild.sandbox(features: ["auth", "tls"])
        try await build.withControl(try Self.serverCertificate()) {
            let session = try Self.session(build)
            session.expect("STARTTLS\r\n" + Self.plain, lines: ["220 ready for tls"], "STARTTLS and a pipelined AUTH")
            try session.startTLS()
            #expect(session.readReply(timeout: 1.5) == [], "no reply to the AUTH sent in clear\n\(session.log)")
            session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["250 ok"])
            session.expect("RCPT TO:<x@other.test>\r\n", "553 ", "the injected AUTH did not authenticate")
            session.expectQuit()
        }
    }

    @Test(arguments: [["auth", "tls"], ["forcetls"]])
    func qmailRemoteVerifiesTLSThenUsesCramMD5(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let pki = try PKI.get()
        let (report, server) = try await build.withControl(["tlshosts/127.0.0.1.pem": try pki.text(pki.ca)]) {
            let server = try FakeSMTPServer(.init(auth: "PLAIN LOGIN CRAM-MD5", tls: TLSSettings(certificate: pki.serverRSA)))
            try build.addControl(["smtproutes": "example.net:[127.0.0.1]:\(server.port)|joe|secret\n"])
            let report = try QmailRemoteRun.run(build)
            server.finish()
            return (report, server)
        }
        #expect(report.delivered, "verified TLS + CRAM-MD5: \(report.report)")
        let commands = server.commands
        #expect(Array(commands.prefix(4)) == ["EHLO mail.example.org", "STARTTLS", "EHLO mail.example.org", "AUTH CRAM-MD5"]
                && server.tlsUsed, "order EHLO, STARTTLS, EHLO, AUTH: \(commands)")
    }

    @Test(arguments: [[String: String?](), ["FORCETLS": "1"], ["FORCETLS": "yes"]])
    func forceTLSHidesAndRefusesAuthUntilTLS(environment: [String: String?]) async throws {
        let build = try PatchedBuild.sandbox(features: ["forcetls"])
        try await build.withControl(try Self.serverCertificate()) {
            let session = try Self.session(build, environment)
            session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, startTLS: true), "EHLO before TLS, \(environment)")
            session.expect(Self.plain, lines: ["538 auth not available without TLS (#5.3.3)"])
            session.expect("AUTH LOGIN\r\n", lines: ["538 auth not available without TLS (#5.3.3)"])
            session.expect("NOOP\r\n", lines: ["250 ok"], "the session continues after 538")
            session.expect("STARTTLS\r\n", lines: ["220 ready for tls"])
            try session.startTLS()
            session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, auth: "LOGIN PLAIN"), "EHLO after STARTTLS")
            session.expect(Self.plain, lines: ["235 ok, go ahead (#2.0.0)"])
            session.expect(Self.plain, lines: ["503 you're already authenticated (#5.5.0)"])
            session.expectQuit()
        }
    }

    @Test func forceTLSSwitchesAndModes() async throws {
        let build = try PatchedBuild.sandbox(features: ["forcetls"])
        try await build.withControl(try Self.serverCertificate()) {
            let clear = try Self.session(build, ["FORCETLS": "0"])
            clear.expect("EHLO x\r\n", lines: EHLOReply.lines(build, startTLS: true, auth: "LOGIN PLAIN"), "FORCETLS=0: AUTH in clear")
            clear.expect(Self.plain, lines: ["235 ok, go ahead (#2.0.0)"])
            clear.expectQuit()

            let off = try Self.session(build, ["SMTPAUTH": nil])
            off.expect("AUTH LOGIN\r\n", lines: ["503 auth not available (#5.3.3)"], "forcetls with AUTH off")
            off.expectQuit()

            let required = try Self.session(build, ["SMTPAUTH": "!"])
            required.expect("MAIL FROM:<a@b.test>\r\n", lines: ["530 Authorization required (#5.7.1)"], "SMTPAUTH=! before TLS")
            required.expect("STARTTLS\r\n", lines: ["220 ready for tls"])
            try required.startTLS()
            required.expect(Self.plain, "235 ")
            required.expect("MAIL FROM:<a@b.test>\r\n", lines: ["250 ok"])
            required.expectQuit()

            let smtps = try Self.session(build, ["SMTPS": "1"], greet: false)
            try smtps.startTLS()
            smtps.expectGreeting()
            smtps.expect("EHLO x\r\n", lines: EHLOReply.lines(build, auth: "LOGIN PLAIN"), "EHLO under SMTPS offers AUTH")
            smtps.expect(Self.plain, lines: ["235 ok, go ahead (#2.0.0)"], "AUTH under SMTPS")
            smtps.expectQuit()
        }
    }
}
