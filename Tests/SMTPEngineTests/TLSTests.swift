import Testing
import TestSupport
import SMTPEngine

/// The tls and forcetls features (docs/tls.md, docs/forcetls.md).
@Suite(.ownThread)
struct TLSTests {
    static func configuration(_ features: Features = [.tls], environment: [String: String] = [:],
                              certificate: ServerCertificate = .usable) -> SessionConfiguration {
        testConfiguration(features: features, environment: environment) {
            $0.serverCertificate = certificate
            $0.checkProgram = AuthTests.checkProgram
        }
    }

    static let ehloWithTLS = "250-mail.example.org\r\n250-STARTTLS\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
    static let ehloAfterTLS = "250-mail.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n"

    @Test func starttlsThenStateIsForgotten() {
        var driver = SessionDriver(Self.configuration())
        driver.start()
        driver.receive("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@example.org>\r\nSTARTTLS\r\n")
        #expect(driver.tlsStarts == 1)
        driver.receive("RCPT TO:<c@example.org>\r\nDATA\r\nEHLO y\r\nSTARTTLS\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n.\r\n")
        #expect(driver.replyText == greetingLine + Self.ehloWithTLS + "250 ok\r\n250 ok\r\n220 ready for tls\r\n"
            + "503 MAIL first (#5.5.1)\r\n503 MAIL first (#5.5.1)\r\n" + Self.ehloAfterTLS + "502 unimplemented (#5.5.1)\r\n"
            + "250 ok\r\n250 ok\r\n354 go ahead\r\n250 ok 1795618026 qp 4242\r\n")
        #expect(String(decoding: driver.messages[0], as: UTF8.self)
            == "Received: from unknown (HELO y) (unknown)\n  by unknown with ESMTPS (TLS_AES_256_GCM_SHA384 encrypted); 25 Nov 2026 14:47:06 -0000\n")
    }

    @Test func pipelinedPlaintextAfterStarttlsIsDiscarded() {
        var driver = SessionDriver(Self.configuration())
        driver.start()
        driver.receive("STARTTLS\r\nRSET\r\nMAIL FROM:<a@b>\r\nNOOP\r\n")
        #expect(driver.replyText == greetingLine + "220 ready for tls\r\n")
        #expect(driver.writes.last == Array("220 ready for tls\r\n".utf8))
        // A partial line in clear must not be glued to bytes arriving over TLS.
        var partial = SessionDriver(Self.configuration())
        partial.start()
        partial.receive("STARTTLS\r\nEHL")
        partial.receive("O x\r\n")
        #expect(partial.replyText == greetingLine + "220 ready for tls\r\n502 unimplemented (#5.5.1)\r\n")
    }

    @Test func bytesArrivingDuringHandshakeCountAsEncrypted() {
        var session = SMTPSession(configuration: Self.configuration())
        _ = session.start()
        let actions = session.receive(Array("STARTTLS\r\njunk\r\n".utf8))
        #expect(actions == [.reply(Array("220 ready for tls\r\n".utf8)), .flush, .startTLS])
        #expect(session.receive(Array("NOOP\r\n".utf8)).isEmpty)
        #expect(session.handle(.tlsEstablished(cipher: "X")) == [.reply(Array("250 ok\r\n".utf8)), .flush])
    }

    @Test func starttlsRefusals() {
        let argument = converse("STARTTLS now\r\n", configuration: Self.configuration())
        #expect(argument.replyText == greetingLine + "501 Syntax error (no parameters allowed) (#5.5.4)\r\n")
        let trailingSpace = converse("STARTTLS \r\n", configuration: Self.configuration(), endOfInput: false)
        #expect(trailingSpace.replyText == greetingLine + "220 ready for tls\r\n")
        let missing = converse("EHLO x\r\nSTARTTLS\r\n",
                               configuration: Self.configuration(certificate: .missing(reason: "no such file")))
        #expect(missing.replyText == greetingLine + Self.ehloAfterTLS + "454 TLS missing certificate: no such file (#4.3.0)\r\n")
        let unusable = converse("EHLO x\r\nSTARTTLS\r\nNOOP\r\n",
                                configuration: Self.configuration(certificate: .unusable(reason: "bad key")))
        #expect(unusable.replyText == greetingLine + Self.ehloWithTLS + "454 TLS bad key (#4.3.0)\r\n250 ok\r\n")
    }

    @Test func handshakeFailureEndsTheSession() {
        let driver = converse("STARTTLS\r\n", configuration: Self.configuration()) { $0.tlsCipher = nil }
        #expect(driver.replyText == greetingLine + "220 ready for tls\r\n454 TLS connection failed: handshake failure (#4.3.0)\r\n")
        #expect(driver.exitCode == 1)
    }

    @Test func smtpsHandshakesBeforeTheGreeting() {
        var session = SMTPSession(configuration: Self.configuration(environment: ["SMTPS": "1"]))
        #expect(session.start() == [.startTLS])
        #expect(session.handle(.tlsEstablished(cipher: "C")) == [.reply(Array(greetingLine.utf8)), .flush])
        #expect(session.receive(Array("STARTTLS\r\n".utf8)) == [.reply(Array("502 unimplemented (#5.5.1)\r\n".utf8)), .flush])
        var empty = SMTPSession(configuration: Self.configuration(environment: ["SMTPS": ""]))
        #expect(empty.start() == [.reply(Array(greetingLine.utf8)), .flush])
    }

    /// Nothing in clear on a TLS port: the reason goes to stderr, the session ends with 1.
    @Test func smtpsWithoutACertificateEndsSilently() {
        var missing = SMTPSession(configuration: Self.configuration(environment: ["SMTPS": "1"],
                                                                    certificate: .missing(reason: "no such file")))
        #expect(missing.start() == [.diagnostic("SMTPS: TLS missing certificate: no such file"), .close(exitCode: 1)])
        var unusable = SMTPSession(configuration: Self.configuration(environment: ["SMTPS": "1"],
                                                                     certificate: .unusable(reason: "bad key")))
        #expect(unusable.start() == [.diagnostic("SMTPS: TLS bad key"), .close(exitCode: 1)])
        #expect(unusable.receive(Array("EHLO x\r\n".utf8)).isEmpty)
    }

    /// A tls+auth session whose checkpassword accepts, started.
    static func startedWithAuthAccepted() -> SessionDriver {
        var driver = SessionDriver(configuration([.tls, .auth], environment: ["SMTPAUTH": "", "AUTHSLEEP": "0"]))
        driver.checkResult = AuthTests.accept
        driver.start()
        return driver
    }

    @Test func authUnderTLSSaysESMTPSA() {
        var driver = Self.startedWithAuthAccepted()
        driver.receive("STARTTLS\r\n")
        driver.receive("AUTH PLAIN AGpvZQBzZWNyZXQ=\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@far.test>\r\nDATA\r\n.\r\n")
        #expect(driver.replyText.hasSuffix("235 ok, go ahead (#2.0.0)\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n250 ok 1795618026 qp 4242\r\n"))
        #expect(String(decoding: driver.messages[0], as: UTF8.self).contains(" with ESMTPSA (TLS_AES_256_GCM_SHA384 encrypted); "))
    }

    @Test func tlsForgetsAuthentication() {
        var driver = Self.startedWithAuthAccepted()
        driver.receive("AUTH PLAIN AGpvZQBzZWNyZXQ=\r\nSTARTTLS\r\n")
        driver.receive("MAIL FROM:<a@b>\r\nRCPT TO:<x@far.test>\r\n")
        #expect(driver.replyText.hasSuffix("220 ready for tls\r\n250 ok\r\n553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n"))
    }

    static let forceFeatures: Features = [.tls, .auth, .forceTLS]

    @Test(arguments: [nil, "1", "yes", ""] as [String?])
    func forceTLSHidesAuthUntilTLS(_ forceTLS: String?) {
        var environment = ["SMTPAUTH": "", "AUTHSLEEP": "0"]
        environment["FORCETLS"] = forceTLS
        var driver = SessionDriver(Self.configuration(Self.forceFeatures, environment: environment))
        driver.checkResult = AuthTests.accept
        driver.start()
        driver.receive("EHLO x\r\nAUTH PLAIN AGpvZQBzZWNyZXQ=\r\nSTARTTLS\r\n")
        driver.receive("EHLO x\r\nAUTH PLAIN AGpvZQBzZWNyZXQ=\r\n")
        #expect(driver.replyText == greetingLine
            + "250-mail.example.org\r\n250-STARTTLS\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 0\r\n"
            + "538 auth not available without TLS (#5.3.3)\r\n220 ready for tls\r\n"
            + "250-mail.example.org\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-AUTH LOGIN PLAIN\r\n250 SIZE 0\r\n"
            + "235 ok, go ahead (#2.0.0)\r\n")
    }

    @Test func forceTLSZeroAllowsAuthInClear() {
        let configuration = Self.configuration(Self.forceFeatures, environment: ["SMTPAUTH": "", "FORCETLS": "0"])
        let driver = converse("EHLO x\r\n", configuration: configuration)
        #expect(driver.replyText == greetingLine
            + "250-mail.example.org\r\n250-STARTTLS\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-AUTH LOGIN PLAIN\r\n250 SIZE 0\r\n")
    }
}

/// tls.patch's smtpd_tls_relayclient, fed as the transport reports it.
@Suite(.ownThread)
struct TLSClientCertificateTests {
    static let refused = "250 ok\r\n553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n"

    /// The replies to MAIL and a foreign RCPT after a handshake that showed
    /// `emails` (`nil`: no certificate asked for).
    func relayReply(emails: [String]?, tlsClients: TLSClients, smtps: Bool = false) -> String {
        let environment = smtps ? ["SMTPS": "1"] : [:]
        var session = SMTPSession(configuration: TLSTests.configuration(environment: environment).with { $0.tlsClients = tlsClients })
        var actions = session.start()
        if !smtps { actions += session.receive(Array("STARTTLS\r\n".utf8)) }
        #expect(actions.last == .startTLS)
        actions = session.handle(.tlsEstablished(cipher: "C", verifiedClientEmails: emails?.map { Array($0.utf8) }))
        actions += session.receive(Array("MAIL FROM:<a@b>\r\nRCPT TO:<x@far.test>\r\n".utf8))
        return actions.compactMap { if case .reply(let bytes) = $0 { String(decoding: bytes, as: UTF8.self) } else { nil } }
            .joined().replacingOccurrences(of: greetingLine, with: "")
    }

    static func listed(_ entries: String...) -> TLSClients { .listed(entries.map { Array($0.utf8) }) }

    @Test func listedCertificateRelays() {
        #expect(relayReply(emails: ["Client@Example.org"], tlsClients: Self.listed("client@example.org")) == "250 ok\r\n250 ok\r\n")
        #expect(relayReply(emails: ["san@example.org", "client@example.org"], tlsClients: Self.listed("client@example.org"))
            == "250 ok\r\n250 ok\r\n", "any of the certificate's addresses counts")
        #expect(relayReply(emails: ["client@example.org"], tlsClients: Self.listed("client@example.org"), smtps: true)
            == "250 ok\r\n250 ok\r\n", "SMTPS checks before the greeting")
    }

    @Test func otherCertificatesDoNotRelay() {
        #expect(relayReply(emails: ["other@example.org"], tlsClients: Self.listed("client@example.org")) == Self.refused)
        #expect(relayReply(emails: [], tlsClients: Self.listed("client@example.org")) == Self.refused)
        #expect(relayReply(emails: [""], tlsClients: .listed([[]])) == Self.refused, "an empty address matches nothing")
        #expect(relayReply(emails: ["client@example.org"], tlsClients: .absent) == Self.refused)
        #expect(relayReply(emails: nil, tlsClients: Self.listed("client@example.org")) == Self.refused)
    }

    @Test func unreadableTLSClientsEndsTheSessionOnlyWhenCertificatesWereAskedFor() {
        #expect(relayReply(emails: [], tlsClients: .unreadable) == "421 unable to read controls (#4.3.0)\r\n")
        #expect(relayReply(emails: ["client@example.org"], tlsClients: .unreadable, smtps: true)
            == "421 unable to read controls (#4.3.0)\r\n", "SMTPS: no greeting")
        #expect(relayReply(emails: nil, tlsClients: .unreadable) == Self.refused)
    }
}

extension SessionConfiguration {
    func with(_ change: (inout SessionConfiguration) -> Void) -> SessionConfiguration {
        var copy = self
        change(&copy)
        return copy
    }
}
