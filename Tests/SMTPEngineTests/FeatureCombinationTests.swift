import Testing
import TestSupport
import SMTPEngine

/// Properties that must hold for every feature selection (docs/README.md#combining-features).
@Suite(.ownThread)
struct FeatureCombinationTests {
    static let selections: [Features] = (0..<64).map { Features(rawValue: $0) }

    @Test("EHLO is one well-formed reply", arguments: selections)
    func ehloIsWellFormed(_ features: Features) {
        for certificate in [ServerCertificate.usable, .missing(reason: "x")] {
            let configuration = testConfiguration(features: features, environment: ["SMTPAUTH": "+cram", "FORCETLS": "1"]) {
                $0.checkProgram = AuthTests.checkProgram
                $0.serverCertificate = certificate
            }
            var driver = SessionDriver(configuration)
            driver.start()
            driver.receive("EHLO a\r\n")
            var texts = [driver.replyText]
            if features.contains(.tls) && certificate == .usable {
                driver.receive("STARTTLS\r\n")
                let before = driver.replies.count
                driver.receive("EHLO b\r\n")
                texts.append(String(decoding: driver.replies[before...], as: UTF8.self))
            }
            for (index, text) in texts.enumerated() {
                let lines = text.split(separator: "\r\n").filter { $0.hasPrefix("250") }
                #expect(lines.count >= 3)
                #expect(lines.dropLast().allSatisfy { $0.hasPrefix("250-") })
                #expect(lines.last?.hasPrefix("250 ") == true)
                #expect(lines.filter { $0 == "250-STARTTLS" }.count
                    == (index == 0 && features.contains(.tls) && certificate == .usable ? 1 : 0))
                #expect(lines.last == (features.contains(.auth) ? "250 SIZE 0" : "250 8BITMIME"))
                let authLines = lines.filter { $0.hasPrefix("250-AUTH ") }.count
                let authExpected = features.contains(.auth) && (!features.contains(.forceTLS) || index == 1)
                #expect(authLines == (authExpected ? 1 : 0))
            }
        }
    }

    @Test(arguments: [nil, "-"] as [String?])
    func authOffAnswers503(_ smtpAuth: String?) {
        let driver = converse("AUTH LOGIN\r\n", configuration: AuthTests.configuration(smtpAuth))
        #expect(driver.replyText == greetingLine + "503 auth not available (#5.3.3)\r\n")
    }

    @Test func allowBareLFNeedsTheFeature() {
        let configuration = testConfiguration(features: [], environment: ["ALLOW_BARELF": "1"])
        let driver = converse(DataTests.envelopeStart + "a\n.\n", configuration: configuration)
        #expect(driver.replyText.hasSuffix("451 See http://pobox.com/~djb/docs/smtplf.html.\r\n"))
    }

    @Test func longMixedConversationIsPacketisationIndependent() {
        let plain = String(decoding: Base64Encoder.encode(Array("\0joe\0secret".utf8)), as: UTF8.self)
        let script = "EHLO client\r\nAUTH PLAIN \(plain)\r\nMAIL FROM:<joe@example.org> SIZE=10\r\n"
            + "RCPT TO:<a@far.test>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nReceived: x\r\nSubject: hi\r\n\r\n..body\r\n.\r\n"
            + "MAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\nx\r\n.\r\nVRFY x\r\nHELP\r\nQUIT\r\n"
        let configuration = testConfiguration(features: .all, environment: ["SMTPAUTH": "", "FORCETLS": "0", "AUTHSLEEP": "0"]) {
            $0.checkProgram = AuthTests.checkProgram
            $0.maxRecipients = 5
        }
        let driver = converse(script, configuration: configuration) { $0.checkResult = AuthTests.accept }
        #expect(driver.exitCode == 0)
        #expect(driver.envelopes == [Array("Fjoe@example.org\0Ta@far.test\0Tb@example.org\0\0".utf8), Array("F\0Tpostmaster\0\0".utf8)])
        #expect(driver.replyText.hasSuffix("354 go ahead\r\n250 ok 1795618026 qp 4242\r\n252 send some mail, i'll try my best\r\n"
            + "214 netqmail home page: http://qmail.org/netqmail\r\n221 mail.example.org\r\n"))
    }
}
