import Testing
import TestSupport
import SMTPEngine

/// The maxrcpt and liberal-lf features (docs/maxrcpt.md, docs/liberal-lf.md).
@Suite(.ownThread)
struct RecipientLimitAndBareLFTests {
    static func limited(_ limit: UInt64?) -> SessionConfiguration {
        testConfiguration(features: [.maxRecipients]) { $0.maxRecipients = limit }
    }

    @Test func limitPerMessage() {
        let rcpts = "RCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\n"
        let driver = converse("MAIL FROM:<x@y>\r\n" + rcpts + "DATA\r\n.\r\nMAIL FROM:<x@y>\r\n" + rcpts + "RSET\r\nMAIL FROM:<x@y>\r\n"
            + "RCPT TO:<d@example.org>\r\n", configuration: Self.limited(2))
        let over = "452 too many recipients (#4.5.3)\r\n"
        #expect(driver.replyText == greetingLine + "250 ok\r\n250 ok\r\n250 ok\r\n" + over + "354 go ahead\r\n250 ok 1795618026 qp 4242\r\n"
            + "250 ok\r\n250 ok\r\n250 ok\r\n" + over + "250 flushed\r\n250 ok\r\n250 ok\r\n")
        #expect(driver.envelopes == [Array("Fx@y\0Ta@example.org\0Tb@example.org\0\0".utf8)])
    }

    @Test func zeroAcceptsNobodyAndRefusalsDoNotCount() {
        let zero = converse("MAIL FROM:<x@y>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n", configuration: Self.limited(0))
        #expect(zero.replyText == greetingLine + "250 ok\r\n452 too many recipients (#4.5.3)\r\n503 RCPT first (#5.5.1)\r\n")
        let one = converse("MAIL FROM:<x@y>\r\nRCPT TO:<a@far.test>\r\nRCPT TO:<a@example.org>\r\n", configuration: Self.limited(1))
        #expect(one.replyText.hasSuffix("(#5.7.1)\r\n250 ok\r\n"))
    }

    @Test func noLimitWithoutFeatureOrValue() {
        let many = "MAIL FROM:<x@y>\r\n" + String(repeating: "RCPT TO:<a@example.org>\r\n", count: 5)
        #expect(converse(many, configuration: Self.limited(nil)).replyText == greetingLine + String(repeating: "250 ok\r\n", count: 6))
        let stock = testConfiguration { $0.maxRecipients = 1 }
        #expect(converse(many, configuration: stock).replyText == greetingLine + String(repeating: "250 ok\r\n", count: 6))
    }

    static func liberal(_ allow: String?) -> SessionConfiguration {
        var environment: [String: String] = [:]
        environment["ALLOW_BARELF"] = allow
        return testConfiguration(features: [.liberalLF], environment: environment)
    }

    static let bareLFBodies: [(String, String)] = [
        ("a\nb\n.\n", "a\nb\n"),
        ("a\r\nb\n.\r\n", "a\nb\n"),
        ("a\n.\r\n", "a\n"),
        ("\n..x\n.\n", "\n.x\n"),
        ("a\r\n.\n", "a\n"),
    ]

    @Test(arguments: bareLFBodies)
    func bareLFAccepted(_ row: (String, String)) {
        let driver = converse(DataTests.envelopeStart + row.0 + "NOOP\r\n", configuration: Self.liberal(""))
        let message = String(decoding: driver.messages[0], as: UTF8.self)
        #expect(message.hasSuffix("SMTP; 25 Nov 2026 14:47:06 -0000\n" + row.1))
        #expect(driver.replyText.hasSuffix("354 go ahead\r\n250 ok 1795618026 qp 4242\r\n250 ok\r\n"))
    }

    @Test func withoutAllowBareLFStockBehaviourStays() {
        let driver = converse(DataTests.envelopeStart + "a\n.\n", configuration: Self.liberal(nil))
        #expect(driver.replyText.hasSuffix("451 See http://pobox.com/~djb/docs/smtplf.html.\r\n"))
        #expect(driver.exitCode == 1)
    }

    @Test func bareLFBlankLineEndsHeaderForHopCounting() {
        let body = "Subject: x\n\n" + String(repeating: "Received: y\n", count: 120) + ".\n"
        let driver = converse(DataTests.envelopeStart + body, configuration: Self.liberal("1"))
        #expect(driver.replyText.hasSuffix("250 ok 1795618026 qp 4242\r\n"))
        let looping = converse(DataTests.envelopeStart + String(repeating: "Received: y\n", count: 120) + ".\n",
                               configuration: Self.liberal("1"))
        #expect(looping.replyText.hasSuffix("554 too many hops, this message is looping (#5.4.6)\r\n"))
    }
}
