import Testing
import TestSupport
import SMTPEngine

/// Random conversations (commands, AUTH, DATA bodies with dot/CR/LF games,
/// junk) give the same replies, messages, envelopes and exit status however
/// the input is cut.
@Suite(.ownThread)
struct PacketisationPropertyTests {
    static let commands = [
        "HELO x", "EHLO Client_Host", "MAIL FROM:<a@b>", "MAIL FROM:<joe@example.org> SIZE=5", "MAIL", "RCPT TO:<c@example.org>",
        "RCPT TO:<x@far.test>", "RCPT TO:<x@[127.0.0.1]>", "RCPT TO:<postmaster>", "DATA", "RSET", "NOOP", "VRFY x", "HELP",
        "EXPN x", "", " x", "AUTH PLAIN AGpvZQBzZWNyZXQ=", "AUTH LOGIN", "am9l", "c2VjcmV0", "*", "AUTH PLAIN =",
        "AUTH CRAM-MD5", "STARTTLS x", "NO\u{0}OP", "\u{1}\u{FF}junk",
    ]
    static let lineEnds = ["\r\n", "\r\n", "\r\n", "\n", "\r\r\n"]
    static let bodyLines = ["hello", ".", "..", ".x", ".\rX", "a\rb", "", "Received: x", "b\r", "\u{0}\u{80}"]

    static func script(_ rng: inout SplitMix64) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 1...14, using: &rng) {
            let command = commands.randomElement(using: &rng)!
            text += command + lineEnds.randomElement(using: &rng)!
            if command == "DATA" {
                for _ in 0..<Int.random(in: 0...6, using: &rng) {
                    text += bodyLines.randomElement(using: &rng)! + (Int.random(in: 0..<15, using: &rng) == 0 ? "\n" : "\r\n")
                }
                text += ".\r\n"
            }
        }
        return text
    }

    @Test(arguments: [Features(), .all, [.auth, .maxRecipients, .empf], [.liberalLF, .tls]])
    func randomConversations(_ features: Features) {
        var rng = SplitMix64(seed: UInt64(features.rawValue) + 99)
        for _ in 0..<60 {
            let text = Self.script(&rng)
            let configuration = testConfiguration(features: features, environment: [
                "SMTPAUTH": "+cram", "FORCETLS": "0", "AUTHSLEEP": "1", "ALLOW_BARELF": "", "DATABYTES": "40",
            ]) {
                $0.checkProgram = AuthTests.checkProgram
                $0.maxRecipients = 2
                $0.policy = .text(Array("example.org:LrIE,\n".utf8))
            }
            let driver = converse(text, configuration: configuration) { $0.checkResult = AuthTests.accept }
            #expect(driver.exitCode != nil)
            #expect(driver.replyText.hasPrefix(greetingLine))
        }
    }
}
