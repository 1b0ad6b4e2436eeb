import Testing
import TestSupport
import SMTPEngine

/// docs/stock-smtpd.md#addresses (addrparse) and #recipient-checks, observed through the
/// envelope the session hands to the queue.
@Suite(.ownThread)
struct AddressAndPolicyTests {
    /// Sends one message and returns the envelope written to the queue.
    func envelope(mail: String, rcpt: String, configuration: SessionConfiguration = testConfiguration()) -> String? {
        let driver = converse("MAIL \(mail)\r\nRCPT \(rcpt)\r\nDATA\r\n.\r\n", configuration: configuration)
        return driver.envelopes.first.flatMap { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    static let parses: [(String, String, String)] = [
        ("FROM:<a@b>", "TO:<c@example.org>", "Fa@b\0Tc@example.org\0\0"),
        ("FROM:a@b", "TO:c@example.org", "Fa@b\0Tc@example.org\0\0"),
        ("FROM: a@b junk", "TO:  c@example.org x", "Fa@b\0Tc@example.org\0\0"),
        ("", "TO:<c@example.org>", "F\0Tc@example.org\0\0"),
        ("FOO", "TO:<c@example.org>", "F\0Tc@example.org\0\0"),
        ("FROM:<@r1,@r2:a@b>", "TO:<@x:c@example.org>", "Fa@b\0Tc@example.org\0\0"),
        ("FROM:<\"q u\"@x>", "TO:<c\\>d@example.org>", "Fq u@x\0Tc>d@example.org\0\0"),
        ("FROM:<\"a>b\"@x> SIZE=1", "TO:<C@Example.ORG>", "Fa>b@x\0TC@Example.ORG\0\0"),
        ("FROM:<a@b>", "TO:<postmaster>", "Fa@b\0Tpostmaster\0\0"),
        ("FROM:<a@b>", "TO:<>", "Fa@b\0T\0\0"),
        ("FROM:<a@b>", "TO:<x@sub.example.net>", "Fa@b\0Tx@sub.example.net\0\0"),
        ("FROM:<a@b>", "TO:<x@[127.0.0.1]>", "Fa@b\0Tx@mail.example.org\0\0"),
        ("FROM:<a@b>", "TO:<x@[0.0.0.0]>", "Fa@b\0Tx@mail.example.org\0\0"),
        ("FROM:<a@[256.0.0.0]>", "TO:<x@example.org>", "Fa@mail.example.org\0Tx@example.org\0\0"),
    ]

    @Test("addrparse", arguments: parses)
    func parse(_ row: (String, String, String)) {
        #expect(envelope(mail: row.0, rcpt: row.1) == row.2)
    }

    static let refusedRecipients = ["TO:<x@example.net>", "TO:<x@elsewhere.test>", "TO:<x@>",
                                     "TO:<x@[10.9.9.9]>", "TO:<x@[127.0.0.1] >", "TO:<x@example.org.evil>"]

    @Test(arguments: refusedRecipients)
    func rcpthostsRefuses(_ rcpt: String) {
        let driver = converse("MAIL FROM:<a@b>\r\nRCPT \(rcpt)\r\n")
        #expect(driver.replyText.hasSuffix("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n"))
    }

    @Test func noRcpthostsMeansOpenRelay() {
        #expect(envelope(mail: "FROM:<a@b>", rcpt: "TO:<x@anywhere.test>", configuration: testConfiguration(rcpthosts: nil))
            == "Fa@b\0Tx@anywhere.test\0\0")
    }

    @Test func addressLengthLimitCountsTheNUL() {
        let ok = String(repeating: "a", count: 899)
        let tooLong = String(repeating: "a", count: 900)
        let driver = converse("MAIL FROM:<\(ok)>\r\nMAIL FROM:<\(tooLong)>\r\nRCPT TO:<\(tooLong)>\r\n")
        #expect(driver.replyText == greetingLine + "250 ok\r\n555 syntax error (#5.5.4)\r\n555 syntax error (#5.5.4)\r\n")
    }

    @Test func localIPHostReplacesMe() {
        let configuration = testConfiguration { $0.localIPHost = Array("lip.example.org".utf8) }
        #expect(envelope(mail: "FROM:<a@b>", rcpt: "TO:<x@[127.0.0.1]>", configuration: configuration) == nil)
        let open = testConfiguration(rcpthosts: nil) { $0.localIPHost = Array("lip.example.org".utf8) }
        #expect(envelope(mail: "FROM:<a@b>", rcpt: "TO:<x@[127.0.0.1]>", configuration: open)
            == "Fa@b\0Tx@lip.example.org\0\0")
    }

    @Test func badMailFromRefusesEveryRecipient() {
        let configuration = testConfiguration { $0.badMailFrom = [Array("spam@bad.test".utf8), Array("@Evil.TEST".utf8)] }
        for sender in ["<SPAM@bad.test>", "<x@evil.test>", "<a@b@EVIL.test>"] {
            let driver = converse("MAIL FROM:\(sender)\r\nRCPT TO:<c@example.org>\r\nRCPT TO:<d@example.org>\r\nDATA\r\n",
                                  configuration: configuration)
            let bmf = "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)\r\n"
            #expect(driver.replyText == greetingLine + "250 ok\r\n" + bmf + bmf + "503 RCPT first (#5.5.1)\r\n")
        }
        let fine = converse("MAIL FROM:<spam@bad.test.org>\r\nRCPT TO:<c@example.org>\r\n", configuration: configuration)
        #expect(fine.replyText == greetingLine + "250 ok\r\n250 ok\r\n")
    }

    @Test func relayClientAppendsAndSkipsRcpthosts() {
        let configuration = testConfiguration(environment: ["RELAYCLIENT": "@relay.test"])
        #expect(envelope(mail: "FROM:<a@b>", rcpt: "TO:<x@other.test>", configuration: configuration)
            == "Fa@b\0Tx@other.test@relay.test\0\0")
        let empty = testConfiguration(environment: ["RELAYCLIENT": ""])
        #expect(envelope(mail: "FROM:<a@b>", rcpt: "TO:<x@other.test>", configuration: empty) == "Fa@b\0Tx@other.test\0\0")
    }

    @Test func moreRcptHostsDatabaseIsConsulted() {
        let database = ConstantDatabase(bytes: CDBWriter.build(["more.test": "", ".wild.test": ""]))
        let configuration = testConfiguration {
            $0.recipientHosts = RecipientHosts(entries: [Array("example.org".utf8)], moreHosts: database)
        }
        let driver = converse("MAIL FROM:<a@b>\r\nRCPT TO:<x@MORE.test>\r\nRCPT TO:<x@a.wild.test>\r\nRCPT TO:<x@wild.test>\r\n",
                              configuration: configuration)
        #expect(driver.replyText == greetingLine + "250 ok\r\n250 ok\r\n250 ok\r\n"
            + "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n")
    }

    @Test func corruptDatabaseIsAControlFailure() {
        let configuration = testConfiguration {
            $0.recipientHosts = RecipientHosts(entries: [Array("example.org".utf8)], moreHosts: ConstantDatabase(bytes: [1, 2, 3]))
        }
        let driver = converse("MAIL FROM:<a@b>\r\nRCPT TO:<x@other.test>\r\nNOOP\r\n", configuration: configuration)
        #expect(driver.replyText == greetingLine + "250 ok\r\n421 unable to read controls (#4.3.0)\r\n")
        #expect(driver.exitCode == 1)
    }
}

/// Writes cdb files for tests, independently of the reader: records, then
/// 256 hash tables sized twice their entry count, then the header.
enum CDBWriter {
    static func build(_ entries: [String: String]) -> [UInt8] {
        func le(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        func hash(_ key: [UInt8]) -> UInt32 { key.reduce(5381) { ($0 &* 33) ^ UInt32($1) } }
        var file = [UInt8](repeating: 0, count: 2048)
        var buckets = [[(UInt32, UInt32)]](repeating: [], count: 256)
        for (key, value) in entries.sorted(by: { $0.key < $1.key }) {
            let k = Array(key.utf8), v = Array(value.utf8)
            let h = hash(k)
            buckets[Int(h & 255)].append((h, UInt32(file.count)))
            file += le(UInt32(k.count)) + le(UInt32(v.count)) + k + v
        }
        var header: [UInt8] = []
        for bucket in buckets {
            let slots = UInt32(bucket.count * 2)
            header += le(UInt32(file.count)) + le(slots)
            var table = [(UInt32, UInt32)](repeating: (0, 0), count: Int(slots))
            for (h, position) in bucket {
                var slot = Int((h >> 8) % slots)
                while table[slot].1 != 0 { slot = (slot + 1) % Int(slots) }
                table[slot] = (h, position)
            }
            for (h, position) in table { file += le(h) + le(position) }
        }
        file.replaceSubrange(0..<2048, with: header)
        return file
    }
}
