import Testing
import TestSupport
import SMTPEngine

/// docs/stock-smtpd.md#pipelining (output buffering) and hostile input.
@Suite(.ownThread)
struct BufferingAndHostileInputTests {
    /// Each pipelined group of replies comes out in one write, once the input has run dry:
    /// HELO/MAIL/RCPT together, MAIL/RSET/NOOP/RSET, and DATA's go-ahead with the body.
    @Test(arguments: [
        ("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@example.org>\r\nRCPT TO:<d@example.org>\r\n",
         [greetingLine, "250 mail.example.org\r\n", "250 ok\r\n250 ok\r\n250 ok\r\n"]),
        ("MAIL FROM:<a@b>\r\nRSET\r\nNOOP\r\nRSET\r\n",
         [greetingLine, "250 ok\r\n250 flushed\r\n250 ok\r\n", "250 flushed\r\n"]),
        (DataTests.envelopeStart + "x\r\n.\r\n",
         [greetingLine, "250 ok\r\n250 ok\r\n354 go ahead\r\n250 ok 1795618026 qp 4242\r\n"]),
    ])
    func pipelinedRepliesWaitForInputToRunDry(input: String, writes: [String]) {
        var driver = SessionDriver(testConfiguration())
        driver.start()
        driver.receive(input)
        #expect(driver.writes.map { String(decoding: $0, as: UTF8.self) } == writes)
    }

    @Test func outputBufferOf512BytesFlushesWhenFull() {
        var driver = SessionDriver(testConfiguration())
        driver.start()
        driver.receive(String(repeating: "RSET\r\n", count: 50))
        // 13 bytes per reply: 39 fit in 512, the 40th forces a write.
        #expect(driver.writes.map(\.count) == [greetingLine.utf8.count, 39 * 13, 11 * 13])
        #expect(driver.replyText == greetingLine + String(repeating: "250 flushed\r\n", count: 50))
    }

    @Test func hugeGreetingIsWrittenInPieces() {
        let name = String(repeating: "g", count: 9000)
        var driver = SessionDriver(testConfiguration { $0.me = Array(name.utf8) })
        driver.start()
        #expect(driver.writes.map(\.count) == [4, 8192, 808, 8], "substdio writes every piece over 512 bytes directly")
        #expect(driver.replyText == "220 " + name + " ESMTP\r\n")
    }

    @Test func tenMegabyteLineHitsTheMemoryCap() {
        var driver = SessionDriver(testConfiguration())
        driver.start()
        driver.receive("NOOP\r\n")
        let chunk = [UInt8](repeating: UInt8(ascii: "A"), count: 64 * 1024)
        for _ in 0..<160 where driver.exitCode == nil { driver.receive(chunk) }
        #expect(driver.replyText == greetingLine + "250 ok\r\n421 out of memory (#4.3.0)\r\n")
        #expect(driver.exitCode == 1)
    }

    @Test func inputHeldDuringAnEventIsCapped() {
        var session = SMTPSession(configuration: testConfiguration { $0.memoryLimit = 100 })
        _ = session.start()
        let actions = session.receive(Array(DataTests.envelopeStart.utf8))
        #expect(actions.contains(.startQueue(QueueRequest(authenticatedUser: nil))))
        #expect(!session.isAwaitingInput)
        #expect(session.timeout().isEmpty, "no read timeout while waiting for the queue")
        let flood = session.receive([UInt8](repeating: 0x41, count: 101))
        #expect(flood == [.reply(Array("421 out of memory (#4.3.0)\r\n".utf8)), .flush, .close(exitCode: 1)])
    }

    @Test func binaryJunkGetsUnimplemented() {
        var rng = SplitMix64(seed: 42)
        var junk = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        junk.removeAll { $0 == UInt8(ascii: "\n") }
        let lines = 10
        var input: [UInt8] = []
        for index in 0..<lines { input += junk[(index * 300)..<(index * 300 + 300)] + [UInt8(ascii: "\n")] }
        var driver = SessionDriver(testConfiguration())
        driver.start()
        driver.receive(input)
        driver.receive("QUIT\r\n")
        let replies = driver.replyText.split(separator: "\r\n", omittingEmptySubsequences: false).dropFirst().dropLast()
        #expect(replies.count == lines + 1)
        #expect(replies.dropLast().allSatisfy { $0.hasPrefix("502 ") || $0.hasPrefix("250 ") || $0.hasPrefix("252 ") || $0.hasPrefix("214 ") || $0.hasPrefix("503 ") })
        #expect(driver.exitCode == 0)
    }

    @Test func nothingHappensAfterClose() {
        var session = SMTPSession(configuration: testConfiguration())
        _ = session.start()
        _ = session.receive(Array("QUIT\r\n".utf8))
        #expect(session.receive(Array("NOOP\r\n".utf8)).isEmpty)
        #expect(session.endOfInput().isEmpty)
        #expect(session.timeout().isEmpty)
        #expect(session.handle(.queueStarted(pid: 1)).isEmpty)
    }
}
