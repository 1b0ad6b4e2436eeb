import Testing
import TestSupport
import SMTPEngine

/// docs/stock-smtpd.md#data to #queue-exit-codes: the DATA byte machine, the Received line, hops,
/// databytes and the queue exit-code mapping.
@Suite(.ownThread)
struct DataTests {
    static let envelopeStart = "MAIL FROM:<a@b>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n"
    static let received = "Received: from unknown (HELO x) (unknown)\n  by unknown with SMTP; 25 Nov 2026 14:47:06 -0000\n"

    /// The stored message (after the Received line) for `body`.
    func stored(_ body: String, configuration: SessionConfiguration = testConfiguration()) -> (String, SessionDriver) {
        let driver = converse("HELO x\r\n" + Self.envelopeStart + body, configuration: configuration)
        let message = String(decoding: driver.messages.first ?? [], as: UTF8.self)
        #expect(message.hasPrefix(Self.received))
        return (String(message.dropFirst(Self.received.count)), driver)
    }

    static let bodies: [(String, String)] = [
        (".\r\n", ""),
        ("a\r\nb\r\n.\r\n", "a\nb\n"),
        ("..dot\r\n.x\r\n.\r\n", ".dot\nx\n"),
        (".\rX\r\n.\r\n", ".\rX\n"),
        ("b\r\r\n.\r\n", "b\r\n"),
        ("a\rb\r\n.\r\n", "a\rb\n"),
        (".\r\r\n.\r\n", ".\r\n"),
        ("nul\0and\u{7F}\r\n.\r\n", "nul\0and\u{7F}\n"),
        ("x\r\n..\r\n.\r\n", "x\n.\n"),
    ]

    @Test("byte rules", arguments: bodies)
    func byteRules(_ row: (String, String)) {
        let (message, driver) = stored(row.0)
        #expect(message == row.1)
        #expect(driver.replyText.hasSuffix("354 go ahead\r\n250 ok 1795618026 qp 4242\r\n"))
        #expect(driver.envelopes == [Array("Fa@b\0Tc@example.org\0\0".utf8)])
    }

    static let strayNewlines = ["x\n", "x\r\n\n", ".\n", "a\r\nb\nc\r\n.\r\n", "\n"]

    @Test(arguments: strayNewlines)
    func bareLineFeedIsFatal(_ body: String) {
        let driver = converse(Self.envelopeStart + body + ".\r\n")
        #expect(driver.replyText == greetingLine + "250 ok\r\n250 ok\r\n354 go ahead\r\n"
            + "451 See http://pobox.com/~djb/docs/smtplf.html.\r\n")
        #expect(driver.exitCode == 1)
        #expect(driver.envelopes.isEmpty, "the message is not queued")
    }

    @Test func transactionEndsAtData() {
        let driver = converse(Self.envelopeStart + ".\r\nRCPT TO:<c@example.org>\r\nDATA\r\n")
        #expect(driver.replyText.hasSuffix("250 ok 1795618026 qp 4242\r\n503 MAIL first (#5.5.1)\r\n503 MAIL first (#5.5.1)\r\n"))
    }

    @Test func receivedLineFields() {
        let configuration = testConfiguration(environment: [
            "TCPREMOTEIP": "127.0.0.1", "TCPREMOTEHOST": "host.example", "TCPREMOTEINFO": "joe",
            "TCPLOCALIP": "127.0.0.2",
        ])
        let same = converse("HELO Host.Example\r\n" + Self.envelopeStart + ".\r\n", configuration: configuration)
        #expect(same.messages == [Array("Received: from host.example (joe@127.0.0.1)\n  by 127.0.0.2 with SMTP; 25 Nov 2026 14:47:06 -0000\n".utf8)])
        let odd = converse("EHLO bad host!\r\n" + Self.envelopeStart + ".\r\n", configuration: testConfiguration(environment: ["TCPLOCALHOST": "mx_1"]))
        #expect(odd.messages == [Array("Received: from unknown (HELO bad?host?) (unknown)\n  by mx?1 with SMTP; 25 Nov 2026 14:47:06 -0000\n".utf8)])
        let none = converse(Self.envelopeStart + ".\r\n")
        #expect(String(decoding: none.messages[0], as: UTF8.self).hasPrefix("Received: from unknown (unknown)\n"))
    }

    @Test func dateFormatting() {
        var configuration = testConfiguration()
        configuration.clock = { 951_782_409 }
        let driver = converse(Self.envelopeStart + ".\r\n", configuration: configuration)
        #expect(String(decoding: driver.messages[0], as: UTF8.self).hasSuffix("; 29 Feb 2000 00:00:09 -0000\n"))
    }

    @Test func hopCounting() {
        let header99 = String(repeating: "Received: x\r\n", count: 50) + String(repeating: "DELIVERED-to\r\n", count: 49)
        let (_, ok) = stored(header99 + "\r\nbody\r\n.\r\n")
        #expect(ok.replyText.hasSuffix("250 ok 1795618026 qp 4242\r\n"))
        let (_, looping) = stored(header99 + "receivedX\r\n.\r\n")
        #expect(looping.replyText.hasSuffix("554 too many hops, this message is looping (#5.4.6)\r\n"))
        #expect(looping.envelopes == [nil], "no envelope is written for a refused message")
        let (_, bodyOnly) = stored("Subject: x\r\n\r\n" + String(repeating: "Received: x\r\n", count: 150) + ".\r\n")
        #expect(bodyOnly.replyText.hasSuffix("250 ok 1795618026 qp 4242\r\n"))
    }

    @Test func databytesCountsStoredBytes() {
        let configuration = testConfiguration(environment: ["DATABYTES": "20"])
        let twenty = "0123456789\r\n..345678\r\n.\r\n" // 11 + 9 = 20 stored bytes
        let (message, ok) = stored(twenty, configuration: configuration)
        #expect(message == "0123456789\n.345678\n")
        #expect(ok.replyText.hasSuffix("250 ok 1795618026 qp 4242\r\n"))
        let (truncated, tooBig) = stored("0123456789\r\n0123456789\r\n.\r\nNOOP\r\n", configuration: configuration)
        #expect(truncated == "0123456789\n012345678")
        #expect(tooBig.replyText.hasSuffix("552 sorry, that message size exceeds my databytes limit (#5.3.4)\r\n250 ok\r\n"))
        #expect(tooBig.envelopes == [nil])
    }

    @Test func databytesSources() {
        #expect(testConfiguration(environment: ["DATABYTES": "abc"]) { $0.controlDatabytes = 5 }.databytes == 0)
        #expect(testConfiguration { $0.controlDatabytes = 5 }.databytes == 5)
        #expect(testConfiguration(environment: ["DATABYTES": "4294967295"]).databytes == 4_294_967_294)
        #expect(testConfiguration(environment: ["DATABYTES": "4294967296"]).databytes == 0)
    }

    static let queueExits: [(QueueTermination, Bool, String)] = [
        (.exited(0), false, "250 ok 1795618026 qp 4242"),
        (.exited(0), true, "451 qq read error (#4.3.0)"),
        (.exited(11), false, "554 envelope address too long for qq (#5.1.3)"),
        (.exited(115), false, "554 envelope address too long for qq (#5.1.3)"),
        (.exited(31), false, "554 mail server permanently rejected message (#5.3.0)"),
        (.exited(12), false, "554 qq permanent problem (#5.3.0)"),
        (.exited(40), false, "554 qq permanent problem (#5.3.0)"),
        (.exited(51), false, "451 qq out of memory (#4.3.0)"),
        (.exited(52), false, "451 qq timeout (#4.3.0)"),
        (.exited(53), false, "451 qq write error or disk full (#4.3.0)"),
        (.exited(54), false, "451 qq read error (#4.3.0)"),
        (.exited(55), false, "451 qq unable to read configuration (#4.3.0)"),
        (.exited(56), false, "451 qq trouble making network connection (#4.3.0)"),
        (.exited(61), false, "451 qq trouble in home directory (#4.3.0)"),
        (.exited(62), false, "451 qq trouble creating files in queue (#4.3.0)"),
        (.exited(66), false, "451 qq trouble creating files in queue (#4.3.0)"),
        (.exited(71), false, "451 mail server temporarily rejected message (#4.3.0)"),
        (.exited(72), false, "451 connection to mail server timed out (#4.4.1)"),
        (.exited(73), false, "451 connection to mail server rejected (#4.4.1)"),
        (.exited(74), false, "451 communication with mail server failed (#4.4.2)"),
        (.exited(81), false, "451 qq internal bug (#4.3.0)"),
        (.exited(91), false, "451 qq internal bug (#4.3.0)"),
        (.exited(120), false, "451 unable to exec qq (#4.3.0)"),
        (.exited(41), false, "451 qq temporary problem (#4.3.0)"),
        (.exited(1), false, "451 qq temporary problem (#4.3.0)"),
        (.crashed, false, "451 qq crashed (#4.3.0)"),
        (.waitFailed, false, "451 qq waitpid surprise (#4.3.0)"),
    ]

    @Test("queue exit mapping", arguments: queueExits)
    func queueExit(_ row: (QueueTermination, Bool, String)) {
        let driver = converse(Self.envelopeStart + "hi\r\n.\r\n") {
            $0.queueTermination = row.0
            $0.queueWriteFails = row.1
        }
        #expect(driver.replyText == greetingLine + "250 ok\r\n250 ok\r\n354 go ahead\r\n" + row.2 + "\r\n")
    }

    @Test func queueStartFailure() {
        let driver = converse(Self.envelopeStart + "NOOP\r\n") { $0.queueStartFails = true }
        #expect(driver.replyText == greetingLine + "250 ok\r\n250 ok\r\n451 qqt failure (#4.3.0)\r\n250 ok\r\n")
    }

    @Test func endOfInputMidDataQueuesNothing() {
        let driver = converse(Self.envelopeStart + "partial body\r\n")
        #expect(driver.envelopes.isEmpty)
        #expect(driver.exitCode == 1)
        #expect(driver.replyText.hasSuffix("354 go ahead\r\n"))
    }

    @Test func twoMessagesOnOneConnection() {
        let driver = converse(Self.envelopeStart + "one\r\n.\r\n" + Self.envelopeStart + "two\r\n.\r\nQUIT\r\n")
        #expect(driver.messages.count == 2)
        #expect(driver.exitCode == 0)
        #expect(String(decoding: driver.messages[1], as: UTF8.self).hasSuffix("two\n"))
    }
}
