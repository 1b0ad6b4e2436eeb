import Crypto
import Foundation
import Testing
import TestSupport
import SMTPEngine

/// The auth feature, qmail-smtpd side (docs/auth.md).
@Suite(.ownThread)
struct AuthTests {
    static let checkProgram = ["/bin/checkpassword", "/bin/true"]

    static func configuration(_ smtpAuth: String?, extra: [String: String] = ["AUTHSLEEP": "0"],
                              features: Features = [.auth]) -> SessionConfiguration {
        var environment = extra
        environment["SMTPAUTH"] = smtpAuth
        return testConfiguration(features: features, environment: environment) { $0.checkProgram = checkProgram }
    }

    /// Accepts user `joe` with password `secret` (and CRAM digest `digest`).
    static func accept(_ payload: [UInt8]) -> CheckProgramTermination {
        let fields = payload.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        return (fields[0] == "joe" && (fields[1] == "secret" || fields[1] == "digest")) ? .exited(0) : .exited(1)
    }

    func b64(_ text: String) -> String { String(decoding: Base64Encoder.encode(Array(text.utf8)), as: UTF8.self) }

    static let ehloRows: [(String?, String)] = [
        (nil, ""), ("-", ""), ("", "250-AUTH LOGIN PLAIN\r\n"), ("whatever", "250-AUTH LOGIN PLAIN\r\n"),
        ("cram", "250-AUTH CRAM-MD5\r\n"), ("CRAM-only", "250-AUTH CRAM-MD5\r\n"),
        ("+cram", "250-AUTH LOGIN PLAIN CRAM-MD5\r\n"), ("!", "250-AUTH LOGIN PLAIN\r\n"),
        ("!cram", "250-AUTH CRAM-MD5\r\n"), ("!+CRAM", "250-AUTH LOGIN PLAIN CRAM-MD5\r\n"),
    ]

    @Test("EHLO per SMTPAUTH", arguments: ehloRows)
    func ehlo(_ row: (String?, String)) {
        let driver = converse("EHLO x\r\n", configuration: Self.configuration(row.0, extra: ["DATABYTES": "1000"]))
        #expect(driver.replyText == greetingLine + "250-mail.example.org\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
            + row.1 + "250 SIZE 1000\r\n")
    }

    @Test func noCheckProgramMeansNoAuth() {
        let configuration = testConfiguration(features: [.auth], environment: ["SMTPAUTH": ""])
        let driver = converse("EHLO x\r\nAUTH LOGIN\r\n", configuration: configuration)
        #expect(driver.replyText == greetingLine + "250-mail.example.org\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 0\r\n"
            + "503 auth not available (#5.3.3)\r\n")
    }

    @Test func loginSuccess() {
        let driver = converse("AUTH LOGIN\r\n\(b64("joe"))\r\n\(b64("secret"))\r\nAUTH PLAIN\r\n",
                              configuration: Self.configuration("")) { $0.checkResult = Self.accept }
        #expect(driver.replyText == greetingLine + "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok, go ahead (#2.0.0)\r\n"
            + "503 you're already authenticated (#5.5.0)\r\n")
        #expect(driver.checkPayloads == [Array("joe\0secret\0\0".utf8)])
        #expect(driver.checkArgv == [Self.checkProgram])
    }

    @Test func loginWithInitialResponse() {
        let driver = converse("AUTH LOGIN \(b64("joe"))\r\n\(b64("secret"))\r\n",
                              configuration: Self.configuration("")) { $0.checkResult = Self.accept }
        #expect(driver.replyText == greetingLine + "334 UGFzc3dvcmQ6\r\n235 ok, go ahead (#2.0.0)\r\n")
    }

    @Test func plainWithAndWithoutInitialResponse() {
        let token = b64("admin\0joe\0secret")
        let initial = converse("AUTH PLAIN \(token)\r\n", configuration: Self.configuration("")) { $0.checkResult = Self.accept }
        #expect(initial.replyText == greetingLine + "235 ok, go ahead (#2.0.0)\r\n")
        #expect(initial.checkPayloads == [Array("joe\0secret\0\0".utf8)])
        let prompted = converse("auth plain\r\n\(token)\r\n", configuration: Self.configuration("")) { $0.checkResult = Self.accept }
        #expect(prompted.replyText == greetingLine + "334 \r\n235 ok, go ahead (#2.0.0)\r\n")
    }

    @Test func cramMD5ChallengeAndPayload() {
        let challenge = "<1234.1795618026@mail.example.org>"
        let configuration = Self.configuration("cram", extra: ["AUTHSLEEP": "0", "TCPLOCALHOST": "mail.example.org"])
        let driver = converse("AUTH CRAM-MD5\r\n\(b64("joe digest"))\r\n", configuration: configuration) {
            $0.checkResult = Self.accept
        }
        #expect(driver.replyText == greetingLine + "334 \(b64(challenge))\r\n235 ok, go ahead (#2.0.0)\r\n")
        #expect(driver.checkPayloads == [Array("joe\0digest\0\(challenge)\0".utf8)])
    }

    @Test func cramMD5TestVector() {
        let challenge = Array("<1896.697170952@postoffice.reston.mci.net>".utf8)
        let code = HMAC<Insecure.MD5>.authenticationCode(for: challenge, using: SymmetricKey(data: Array("tanstaaftanstaaf".utf8)))
        let hex = code.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        #expect(hex == "b913a602c7eda7a495b4e6e7334d3890")
        #expect(b64("tim " + hex) == "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw")
    }

    static func hexHMAC(_ message: [UInt8], key: String) -> String {
        HMAC<Insecure.MD5>.authenticationCode(for: message, using: SymmetricKey(data: Array(key.utf8)))
            .map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test func cramMD5RoundTripWithARealDigest() {
        // The check program's side: recompute HMAC-MD5(password, challenge).
        let verifier: ([UInt8]) -> CheckProgramTermination = { payload in
            let fields = payload.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
            return Self.hexHMAC(fields[2], key: "tanstaaftanstaaf") == String(decoding: fields[1], as: UTF8.self) ? .exited(0) : .exited(1)
        }
        var session = SMTPSession(configuration: Self.configuration("cram"))
        _ = session.start()
        guard case .reply(let prompt)? = session.receive(Array("AUTH CRAM-MD5\r\n".utf8)).first else {
            Issue.record("no challenge")
            return
        }
        let challenge = Array(String(decoding: prompt.dropFirst(4).dropLast(2), as: UTF8.self).utf8)
        let decoded = Array(Data(base64Encoded: Data(challenge))!)
        let answer = Base64Encoder.encode(Array(("tim " + Self.hexHMAC(decoded, key: "tanstaaftanstaaf")).utf8))
        let actions = session.receive(answer + Array("\r\n".utf8))
        guard case .runCheckProgram(_, let payload)? = actions.last else {
            Issue.record("check program not run")
            return
        }
        #expect(session.handle(.checkProgramFinished(verifier(payload)))
            == [.reply(Array("235 ok, go ahead (#2.0.0)\r\n".utf8)), .flush])
    }

    @Test func onlyAdvertisedMechanismsAreAccepted() {
        let driver = converse("AUTH CRAM-MD5\r\nAUTH DIGEST-MD5\r\nAUTH\r\n", configuration: Self.configuration(""))
        let unimplemented = "504 auth type unimplemented (#5.5.1)\r\n"
        #expect(driver.replyText == greetingLine + unimplemented + unimplemented + unimplemented)
        let cramOnly = converse("AUTH LOGIN\r\n", configuration: Self.configuration("cram"))
        #expect(cramOnly.replyText == greetingLine + unimplemented)
    }

    static let malformedRows = [
        "AUTH PLAIN =\r\n", "AUTH PLAIN !!!!\r\n", "AUTH PLAIN\r\n\r\n", "AUTH LOGIN =\r\n",
        "AUTH PLAIN Zm9v\r\n", // "foo": one field
        "AUTH PLAIN AGpvZQA=\r\n", // "\0joe\0": empty password
        "AUTH PLAIN YQBqb2UAc2VjcmV0AHg=\r\n", // four fields
        "AUTH LOGIN\r\nam9l\r\n\r\n", // empty password line
        "AUTH LOGIN\r\nam9l*\r\n", "AUTH PLAIN am9l ZQ==\r\n", "AUTH LOGIN AA==\r\n", // NUL user
        "AUTH PLAIN Zm9=v\r\n",
    ]

    @Test(arguments: malformedRows)
    func malformedInput(_ input: String) {
        let driver = converse(input + "NOOP\r\n", configuration: Self.configuration("+cram"))
        #expect(driver.replyText.hasSuffix("501 malformed auth input (#5.5.4)\r\n250 ok\r\n"))
        #expect(driver.checkPayloads.isEmpty)
    }

    @Test func cramMD5WithoutSpaceOrWithInitialResponseIsMalformed() {
        let driver = converse("AUTH CRAM-MD5 abcd\r\nAUTH CRAM-MD5\r\n\(b64("joedigest"))\r\n", configuration: Self.configuration("cram"))
        #expect(driver.replyText.hasPrefix(greetingLine + "501 malformed auth input (#5.5.4)\r\n334 "))
        #expect(driver.replyText.hasSuffix("501 malformed auth input (#5.5.4)\r\n"))
    }

    @Test func cancel() {
        let driver = converse("AUTH LOGIN\r\n*\r\nAUTH LOGIN \(b64("joe"))\r\n*\r\nAUTH PLAIN\r\n*\r\n",
                              configuration: Self.configuration(""))
        let canceled = "501 auth exchange canceled (#5.0.0)\r\n"
        #expect(driver.replyText == greetingLine + "334 VXNlcm5hbWU6\r\n" + canceled + "334 UGFzc3dvcmQ6\r\n" + canceled
            + "334 \r\n" + canceled)
    }

    /// `*` on the AUTH line is an initial response, and not base64: it does not cancel.
    @Test func starAsInitialResponseIsMalformed() {
        let driver = converse("AUTH PLAIN *\r\nAUTH LOGIN *\r\n", configuration: Self.configuration(""))
        #expect(driver.replyText == greetingLine + String(repeating: "501 malformed auth input (#5.5.4)\r\n", count: 2))
    }

    @Test func failureSleepsThenRefuses() {
        let driver = converse("AUTH PLAIN \(b64("\0joe\0wrong"))\r\n", configuration: Self.configuration("", extra: [:]))
        #expect(driver.replyText == greetingLine + "535 authentication failed (#5.7.1)\r\n")
        #expect(driver.sleeps == [5])
        let lowered = converse("AUTH PLAIN \(b64("\0joe\0wrong"))\r\n", configuration: Self.configuration("", extra: ["AUTHSLEEP": "2"]))
        #expect(lowered.sleeps == [2])
        let notRaised = converse("AUTH PLAIN \(b64("\0joe\0wrong"))\r\n", configuration: Self.configuration("", extra: ["AUTHSLEEP": "60"]))
        #expect(notRaised.sleeps == [5])
        let none = converse("AUTH PLAIN \(b64("\0joe\0wrong"))\r\n", configuration: Self.configuration(""))
        #expect(none.sleeps.isEmpty)
    }

    @Test(arguments: [CheckProgramTermination.crashed, .couldNotRun])
    func checkProgramTrouble(_ termination: CheckProgramTermination) {
        let driver = converse("AUTH PLAIN \(b64("\0joe\0secret"))\r\n", configuration: Self.configuration("")) {
            $0.checkResult = { _ in termination }
        }
        #expect(driver.replyText == greetingLine + "454 oops, problem with child and I can't auth (#4.3.0)\r\n")
    }

    @Test func noAuthDuringTransactionButAfterRset() {
        let plain = "AUTH PLAIN \(b64("\0joe\0secret"))\r\n"
        let driver = converse("MAIL FROM:<a@b>\r\n" + plain + "RSET\r\n" + plain + "RSET\r\n" + plain,
                              configuration: Self.configuration("")) { $0.checkResult = Self.accept }
        #expect(driver.replyText == greetingLine + "250 ok\r\n503 no auth during mail transaction (#5.5.0)\r\n"
            + "250 flushed\r\n235 ok, go ahead (#2.0.0)\r\n250 flushed\r\n503 you're already authenticated (#5.5.0)\r\n")
    }

    @Test func requiredModesRefuseMailUntilAuth() {
        let driver = converse("MAIL FROM:<a@b>\r\nAUTH PLAIN \(b64("\0joe\0secret"))\r\nMAIL FROM:<a@b>\r\n",
                              configuration: Self.configuration("!")) { $0.checkResult = Self.accept }
        #expect(driver.replyText == greetingLine + "530 Authorization required (#5.7.1)\r\n235 ok, go ahead (#2.0.0)\r\n250 ok\r\n")
    }

    @Test func successRelaysAndMarksTheMessage() {
        let configuration = Self.configuration("", extra: ["AUTHSLEEP": "0", "TCPREMOTEIP": "192.0.2.7", "TCPREMOTEINFO": "ident"])
        let driver = converse("EHLO x\r\nAUTH PLAIN \(b64("\0joe\0secret"))\r\nMAIL FROM:<joe@example.org>\r\n"
            + "RCPT TO:<far@away.test>\r\nDATA\r\nhi\r\n.\r\n", configuration: configuration) { $0.checkResult = Self.accept }
        #expect(driver.replyText.hasSuffix("235 ok, go ahead (#2.0.0)\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n250 ok 1795618026 qp 4242\r\n"))
        #expect(driver.envelopes == [Array("Fjoe@example.org\0Tfar@away.test\0\0".utf8)])
        #expect(driver.queueRequests == [QueueRequest(authenticatedUser: Array("joe".utf8))])
        #expect(String(decoding: driver.messages[0], as: UTF8.self)
            == "Received: from unknown (HELO x) (joe@192.0.2.7)\n  by unknown with ESMTPA; 25 Nov 2026 14:47:06 -0000\nhi\n")
    }

    @Test func withoutAuthNoRelay() {
        let driver = converse("MAIL FROM:<a@b>\r\nRCPT TO:<far@away.test>\r\n", configuration: Self.configuration(""))
        #expect(driver.replyText.hasSuffix("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n"))
    }

    @Test func sizeParameter() {
        let configuration = Self.configuration("", extra: ["DATABYTES": "1000"])
        let driver = converse("MAIL FROM:<a@b> SIZE=1001\r\nRCPT TO:<c@example.org>\r\nMAIL FROM:<a@b> size=1000 AUTH=<>\r\n",
                              configuration: configuration)
        #expect(driver.replyText == greetingLine + "552 sorry, that message size exceeds my databytes limit (#5.3.4)\r\n"
            + "503 MAIL first (#5.5.1)\r\n250 ok\r\n")
        let unlimited = converse("MAIL FROM:<a@b> SIZE=99999999\r\n", configuration: Self.configuration(""))
        #expect(unlimited.replyText == greetingLine + "250 ok\r\n")
    }

    /// The auth patch reads parameters after the first `>` only: an address
    /// without angle brackets (ended by a space) has none.
    @Test func sizeParameterOnlyAfterTheClosingBracket() {
        let configuration = Self.configuration("", extra: ["DATABYTES": "1000"])
        let driver = converse("MAIL FROM:a@b SIZE=1001\r\nMAIL FROM:a@b> SIZE=1001\r\nMAIL FROM:<a@b> x SIZE=1001\r\n",
                              configuration: configuration)
        let tooBig = "552 sorry, that message size exceeds my databytes limit (#5.3.4)\r\n"
        #expect(driver.replyText == greetingLine + "250 ok\r\n" + tooBig + tooBig)
    }

    @Test func authParameterGrantsNothing() {
        let driver = converse("MAIL FROM:<a@b> AUTH=joe@example.org\r\nRCPT TO:<far@away.test>\r\n",
                              configuration: Self.configuration(""))
        #expect(driver.replyText.hasSuffix("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n"))
    }

    @Test func authFlood() {
        let attempt = "AUTH PLAIN \(b64("\0joe\0bad"))\r\n"
        let driver = converse(String(repeating: attempt, count: 200) + "QUIT\r\n", configuration: Self.configuration("", extra: [:]))
        #expect(driver.sleeps == Array(repeating: 5, count: 200))
        #expect(driver.replyText == greetingLine + String(repeating: "535 authentication failed (#5.7.1)\r\n", count: 200)
            + "221 mail.example.org\r\n")
    }

    @Test func stockBuildHasNoSizeLine() {
        let driver = converse("EHLO x\r\n", configuration: Self.configuration("", features: []))
        #expect(driver.replyText == greetingLine + "250-mail.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
    }
}

/// Base64 for building client input, written independently of the engine's.
enum Base64Encoder {
    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var bits = 0, value = 0
        for byte in bytes {
            value = value << 8 | Int(byte)
            bits += 8
            while bits >= 6 {
                bits -= 6
                out.append(table[(value >> bits) & 63])
            }
        }
        if bits > 0 { out.append(table[(value << (6 - bits)) & 63]) }
        while out.count % 4 != 0 { out.append(UInt8(ascii: "=")) }
        return out
    }
}
