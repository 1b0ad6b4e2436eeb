import Testing
import TestSupport
import SMTPEngine

/// Rows of docs/stock-smtpd.md#replies: one command, its exact reply.
@Suite(.ownThread)
struct StockReplyTests {
    static let rows: [(String, String)] = [
        ("HELO client.test\r\n", "250 mail.example.org\r\n"),
        ("HELO\r\n", "250 mail.example.org\r\n"),
        ("EHLO client.test\r\n", "250-mail.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
        ("ehlo\r\n", "250-mail.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
        ("RSET\r\n", "250 flushed\r\n"),
        ("NOOP ignored args\r\n", "250 ok\r\n"),
        ("VRFY joe\r\n", "252 send some mail, i'll try my best\r\n"),
        ("HELP\r\n", "214 netqmail home page: http://qmail.org/netqmail\r\n"),
        ("EXPN list\r\n", "502 unimplemented (#5.5.1)\r\n"),
        ("AUTH LOGIN\r\n", "502 unimplemented (#5.5.1)\r\n"),
        ("STARTTLS\r\n", "502 unimplemented (#5.5.1)\r\n"),
        ("\r\n", "502 unimplemented (#5.5.1)\r\n"),
        (" NOOP\r\n", "502 unimplemented (#5.5.1)\r\n"),
        ("MAIL\tFROM:<a@b>\r\n", "502 unimplemented (#5.5.1)\r\n"),
        ("NOOP\n", "250 ok\r\n"),
        ("nOoP\r\n", "250 ok\r\n"),
        ("NOOP\r\r\n", "502 unimplemented (#5.5.1)\r\n"),
        ("NO\0OP\r\n", "502 unimplemented (#5.5.1)\r\n"),
        ("NOOP\0junk\r\n", "250 ok\r\n"),
        ("RCPT TO:<a@example.org>\r\n", "503 MAIL first (#5.5.1)\r\n"),
        ("DATA\r\n", "503 MAIL first (#5.5.1)\r\n"),
        ("MAIL FROM:<a@b>\r\nDATA\r\n", "250 ok\r\n503 RCPT first (#5.5.1)\r\n"),
        ("MAIL FROM:<a@b>\r\n", "250 ok\r\n"),
        ("MAIL\r\n", "250 ok\r\n"),
        ("MAIL FOO\r\n", "250 ok\r\n"),
        ("MAIL FROM:<a@b> SIZE=100 BODY=8BITMIME\r\n", "250 ok\r\n"),
        ("MAIL FROM:<a@b>\r\nRCPT TO:<c@example.org>\r\n", "250 ok\r\n250 ok\r\n"),
        ("MAIL FROM:<a@b>\r\nRCPT TO:<c@elsewhere.test>\r\n",
         "250 ok\r\n553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n"),
    ]

    @Test("reply table", arguments: rows)
    func reply(_ row: (String, String)) {
        let driver = converse(row.0)
        #expect(driver.replyText == greetingLine + row.1)
        #expect(driver.exitCode == 1, "EOF ends with exit 1")
    }

    @Test func quitRepliesAndExitsZero() {
        let driver = converse("QUIT\r\nNOOP\r\n")
        #expect(driver.replyText == greetingLine + "221 mail.example.org\r\n")
        #expect(driver.exitCode == 0)
    }

    @Test func smtpGreetingIsEchoedVerbatim() {
        let configuration = testConfiguration { $0.smtpGreeting = Array("mail.example.org NO UCE ESMTP-ish".utf8) }
        let driver = converse("EHLO x\r\nHELO x\r\nQUIT\r\n", configuration: configuration)
        #expect(driver.replyText == "220 mail.example.org NO UCE ESMTP-ish ESMTP\r\n"
            + "250-mail.example.org NO UCE ESMTP-ish\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
            + "250 mail.example.org NO UCE ESMTP-ish\r\n221 mail.example.org NO UCE ESMTP-ish\r\n")
    }

    @Test func missingGreetingIsAControlFailure() {
        var driver = SessionDriver(testConfiguration { $0.me = nil })
        driver.start()
        #expect(driver.replyText == "421 unable to read controls (#4.3.0)\r\n")
        #expect(driver.exitCode == 1)
    }

    @Test func startupFailureTexts() {
        #expect(SMTPSession.actions(for: .unknownLocalAddresses)
            == [.reply(Array("421 unable to figure out my IP addresses (#4.3.0)\r\n".utf8)), .flush, .close(exitCode: 1)])
    }

    @Test(arguments: [Flavour.netqmail, .qmail103, .notqmail])
    func flavourTexts(_ flavour: Flavour) {
        let configuration = testConfiguration { $0.flavour = flavour }
        let help = converse("HELP\r\n", configuration: configuration)
        #expect(help.replyText == greetingLine + flavour.helpReply + "\r\n")
        let lf = converse("MAIL FROM:<a@b>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nx\n", configuration: configuration)
        #expect(lf.replyText.hasSuffix("354 go ahead\r\n" + flavour.strayNewlineReply + "\r\n"))
        #expect(lf.exitCode == 1)
    }

    @Test func timeoutWhileReading() {
        var driver = SessionDriver(testConfiguration())
        driver.start()
        driver.receive("HELO x\r\n")
        driver.timeout()
        #expect(driver.replyText == greetingLine + "250 mail.example.org\r\n451 timeout (#4.4.2)\r\n")
        #expect(driver.exitCode == 1)
    }

    @Test func endOfInputIsSilentAndDropsPartialLine() {
        let driver = converse("NOOP\r\nQUI")
        #expect(driver.replyText == greetingLine + "250 ok\r\n")
        #expect(driver.exitCode == 1)
    }

    @Test func failedMailKeepsEarlierTransaction() {
        let long = String(repeating: "x", count: 899)
        let driver = converse("MAIL FROM:<a@b>\r\nMAIL FROM:<\(long)@>\r\nRCPT TO:<c@example.org>\r\n")
        #expect(driver.replyText == greetingLine + "250 ok\r\n555 syntax error (#5.5.4)\r\n250 ok\r\n")
    }

    @Test func pipelinedRejectedDataRunsBodyAsCommands() {
        let driver = converse("MAIL FROM:<a@b>\r\nDATA\r\nRCPT TO:<evil@example.org>\r\nhello\r\n.\r\n")
        #expect(driver.replyText == greetingLine
            + "250 ok\r\n503 RCPT first (#5.5.1)\r\n250 ok\r\n502 unimplemented (#5.5.1)\r\n502 unimplemented (#5.5.1)\r\n")
    }
}
