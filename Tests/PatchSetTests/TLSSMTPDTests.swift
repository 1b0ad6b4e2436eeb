import Foundation
import Testing
import TestSupport
import RealBuildSupport

/// qmail-smtpd STARTTLS and SMTPS (docs/tls.md) on every
/// selection with tls, against the real OpenSSL client.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, tlsTools)
struct TLSSMTPDTests {
    static let selections = [["tls"], ["auth", "tls"], ["forcetls"]]
    static let greeting = PatchedBuild.greeting

    static func session(_ build: PatchedBuild, _ environment: [String: String?] = [:], greet: Bool = true) throws -> SMTPDConnection {
        let session = try SMTPDConnection(build, environment: environment)
        if greet { session.expectGreeting() }
        return session
    }

    static func serverCertificate(_ url: URL, extra: [String: String?] = [:]) throws -> [String: String?] {
        var files: [String: String?] = ["servercert.pem": try String(contentsOf: url, encoding: .utf8)]
        for (name, text) in extra { files[name] = text }
        return files
    }

    /// Runs `body` on the `features` build with the RSA server certificate in control/.
    static func withRSACertificate(_ features: [String], _ body: (PatchedBuild) async throws -> Void) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await build.withControl(try serverCertificate(PKI.get().serverRSA)) { try await body(build) }
    }

    @Test(arguments: selections)
    func certificateProblemsGet454AndTheSessionContinues(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let pki = try PKI.get()
        try await build.withControl {
            let session = try Self.session(build)
            session.expect("EHLO x\r\n", lines: EHLOReply.lines(build), "EHLO without servercert.pem: no STARTTLS")
            session.expect("STARTTLS\r\n", "454 TLS missing certificate: ", "STARTTLS without servercert.pem")
            session.expect("NOOP\r\n", lines: ["250 ok"])
            session.expectQuit()
        }
        try await build.withControl(["servercert.pem": try pki.text(pki.serverRSACertificateOnly)]) {
            let session = try Self.session(build)
            session.expect("STARTTLS\r\n", "454 TLS missing certificate: cannot load private key", "servercert.pem without key")
            session.expect("NOOP\r\n", lines: ["250 ok"])
            session.expectQuit()
        }
        try await build.withControl(try Self.serverCertificate(pki.serverRSA)) {
            let session = try Self.session(build, ["TLSCIPHERS": "NO-SUCH-CIPHER"])
            session.expect("STARTTLS\r\n", "454 TLS bad cipher list", "TLSCIPHERS junk")
            session.expect("NOOP\r\n", lines: ["250 ok"])
            session.expectQuit()
        }
    }

    @Test(arguments: selections, ["server-rsa.pem", "server-ec.pem"])
    func startTLSForgetsStateAndReceivedNamesTheCipher(features: [String], key: String) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let pki = try PKI.get()
        try await build.withControl(try Self.serverCertificate(pki.file(key))) {
            let session = try Self.session(build, ["TCPREMOTEHOST": "client.test"])
            session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, startTLS: true), "EHLO offers STARTTLS (\(key))")
            session.expect("STARTTLS now\r\n", lines: ["501 Syntax error (no parameters allowed) (#5.5.4)"])
            session.expect("HELO forged.test\r\n", "250 ")
            session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["250 ok"])
            session.expect("STARTTLS\r\n", lines: ["220 ready for tls"])
            let tls = try session.startTLS()
            #expect(["TLSv1.2", "TLSv1.3"].contains(tls.version), "negotiated \(tls.version)")
            session.expect("RCPT TO:<x@example.org>\r\n", lines: ["503 MAIL first (#5.5.1)"], "MAIL forgotten after STARTTLS")
            session.expect("EHLO y\r\n", lines: EHLOReply.lines(build), "EHLO after TLS: no STARTTLS")
            session.expect("STARTTLS\r\n", lines: ["502 unimplemented (#5.5.1)"], "STARTTLS twice")
            session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["250 ok"])
            session.expect("RCPT TO:<x@other.test>\r\n", "553 ", "no relay without a client certificate")
            session.expect("RCPT TO:<x@example.org>\r\n", lines: ["250 ok"])
            session.expect("DATA\r\n", lines: ["354 go ahead"])
            session.expect("\r\nhi\r\n.\r\n", "250 ok")
            let text = try session.captured().first?.text ?? ""
            #expect(text.contains("with ESMTPS (\(tls.cipher) encrypted);") && !text.contains("HELO forged")
                    && text.contains("(HELO y)"), "Received after STARTTLS: \(text)")
            session.expectQuit()
        }
    }

    @Test(arguments: selections)
    func plaintextPipelinedAfterStartTLSIsDiscarded(features: [String]) async throws {
        try await Self.withRSACertificate(features) { build in
            let session = try Self.session(build)
            session.expect("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@x.test>\r\n", lines: ["220 ready for tls"],
                           "STARTTLS, RSET and MAIL in one write")
            try session.startTLS()
            #expect(session.readReply(timeout: 1.5) == [], "no reply over TLS to plaintext sent after STARTTLS\n\(session.log)")
            session.expect("RCPT TO:<x@example.org>\r\n", lines: ["503 MAIL first (#5.5.1)"], "injected MAIL was not executed")
            session.expect("NOOP\r\n", lines: ["250 ok"])
            session.expectQuit()

            let partial = try Self.session(build)
            partial.expect("STARTTLS\r\nEHL", lines: ["220 ready for tls"], "STARTTLS and a partial line")
            try partial.startTLS()
            partial.expect("O x\r\n", lines: ["502 unimplemented (#5.5.1)"], "partial plaintext is not glued to TLS bytes")
            partial.expectQuit()
        }
    }

    @Test(arguments: selections)
    func handshakeFailureGets454InClearAndExits(features: [String]) async throws {
        try await Self.withRSACertificate(features) { build in
            let session = try Self.session(build)
            session.expect("STARTTLS\r\n", lines: ["220 ready for tls"])
            session.send(String(repeating: "this is not a TLS record\r\n", count: 4))
            session.expect(nil, "454 TLS connection failed: ", "garbage instead of a ClientHello")
            session.expectExit(1)

            let old = try Self.session(build)
            old.expect("STARTTLS\r\n", lines: ["220 ready for tls"])
            let legacy = TLSSettings(minimumVersion: .tls1, maximumVersion: .tls1_1, ciphers: "ALL:@SECLEVEL=0", securityLevel: 0)
            #expect(throws: (any Error).self, "a TLS 1.1 handshake must be refused") { try old.startTLS(legacy) }
            old.expectExit(1)
        }
    }

    @Test(arguments: selections)
    func tlsServerCiphersAreHonouredForTLS12(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let pki = try PKI.get()
        let cipher = "ECDHE-RSA-AES128-GCM-SHA256"
        try await build.withControl(try Self.serverCertificate(pki.serverRSA, extra: ["tlsserverciphers": cipher + "\n"])) {
            let session = try Self.session(build)
            session.expect("STARTTLS\r\n", lines: ["220 ready for tls"])
            let tls = try session.startTLS(PKI.clientSettings(maximumVersion: .tls1_2))
            #expect(tls.version == "TLSv1.2" && tls.cipher == cipher, "negotiated \(tls.version) \(tls.cipher)")
            session.expectDelivery(from: "a@b.test", to: "x@example.org")
            let text = try session.captured().first?.text ?? ""
            #expect(text.contains("with ESMTPS (\(cipher) encrypted);"), "Received names the TLS 1.2 cipher: \(text)")
            session.expectQuit()
        }
    }

    @Test(arguments: selections)
    func smtpsHandshakesBeforeTheGreeting(features: [String]) async throws {
        try await Self.withRSACertificate(features) { build in
            let session = try Self.session(build, ["SMTPS": "1"], greet: false)
            try session.startTLS()
            session.expectGreeting()
            session.expect("EHLO x\r\n", lines: EHLOReply.lines(build), "EHLO under SMTPS: no STARTTLS")
            session.expect("STARTTLS\r\n", lines: ["502 unimplemented (#5.5.1)"])
            session.expectQuit()
        }
    }

    @Test(arguments: selections)
    func clientCertificatesListedInTLSClientsMayRelay(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let pki = try PKI.get()
        let files = try Self.serverCertificate(pki.serverRSA, extra: ["clientca.pem": try pki.text(pki.ca),
                                                                     "tlsclients": "relay@example.org\n"])
        try await build.withControl(files) {
            for (certificate, relays) in [(pki.client, true), (pki.client2, false), (pki.clientUntrusted, false), (nil, false)] {
                let session = try Self.session(build)
                session.expect("STARTTLS\r\n", lines: ["220 ready for tls"])
                try session.startTLS(PKI.clientSettings(certificate: certificate))
                session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["250 ok"])
                session.expect("RCPT TO:<x@other.test>\r\n", relays ? "250 ok" : "553 ",
                               "relay with client certificate \(certificate?.lastPathComponent ?? "none")")
                session.expectQuit()
            }
        }
    }
}
