import Foundation
import Testing
import TestSupport
import RealBuildSupport

/// qmail-smtpd SMTP AUTH (docs/auth.md) on every selection with
/// auth; no servercert.pem, and FORCETLS=0 on the forcetls build, so AUTH runs in clear.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree, tlsTools, checkpasswordTool)
struct AuthSMTPDTests {
    static let selections = [["auth"], ["auth", "tls"], ["forcetls"]]
    static let plain = "AUTH PLAIN " + AuthText.base64("\0joe\0secret") + "\r\n"

    /// Starts a greeted session with the check program (or `arguments`), the build's FORCETLS=0 if any, and `environment`.
    static func session(_ build: PatchedBuild, _ environment: [String: String?] = [:],
                        arguments: [String] = TestTools.checkArguments) throws -> SMTPDConnection {
        var env = environment
        if build.features.contains("forcetls"), env["FORCETLS"] == nil { env["FORCETLS"] = "0" }
        let session = try SMTPDConnection(build, arguments: arguments, environment: env)
        session.expectGreeting()
        return session
    }

    @Test(arguments: selections)
    func authOffIsRefusedAndEHLOKeepsSizeLast(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await build.withControl {
            for (environment, arguments) in [([:], TestTools.checkArguments), (["SMTPAUTH": "-"], TestTools.checkArguments),
                                             (["SMTPAUTH": ""], [])] as [([String: String?], [String])] {
                let session = try Self.session(build, environment, arguments: arguments)
                session.expect("EHLO x\r\n", lines: EHLOReply.lines(build), "EHLO with AUTH off \(environment) \(arguments)")
                session.expect(Self.plain, lines: ["503 auth not available (#5.3.3)"])
                session.expect("AUTH LOGIN\r\n", lines: ["503 auth not available (#5.3.3)"])
                session.expect("MAIL FROM:<a@b.test>\r\n", "250 ok")
                session.expect("RCPT TO:<x@other.test>\r\n",
                               lines: ["553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"])
                session.expectQuit()
            }
        }
    }

    /// A session on the build of `features`, with its control lock held.
    static func withSession(_ features: [String], _ environment: [String: String?],
                            _ body: (SMTPDConnection) throws -> Void) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await build.withControl { try body(try Self.session(build, environment)) }
    }

    /// The build of `features` with its control lock held, and a fresh path for the
    /// checkpassword stand-in's log (environment CHECKLOG).
    static func withCheckLog(_ features: [String], _ body: (PatchedBuild, URL) async throws -> Void) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let checkLog = try Scratch.directory("checklog").appendingPathComponent("check.log")
        try await build.withControl { try await body(build, checkLog) }
    }

    @Test(arguments: selections)
    func plainSuccessRelaysAndIsRecorded(features: [String]) async throws {
        try await Self.withCheckLog(features) { build, checkLog in
            let session = try Self.session(build, ["SMTPAUTH": "", "CHECKLOG": checkLog.path])
            session.expect("EHLO client.test\r\n", lines: EHLOReply.lines(build, auth: "LOGIN PLAIN"))
            session.expect("AUTH CRAM-MD5\r\n", lines: ["504 auth type unimplemented (#5.5.1)"], "unadvertised CRAM-MD5")
            session.expect("AUTH FOO\r\n", lines: ["504 auth type unimplemented (#5.5.1)"])
            session.expect(Self.plain, lines: ["235 ok, go ahead (#2.0.0)"])
            #expect(try Data(contentsOf: checkLog) == Data("joe\0secret\0\0\n".utf8), "checkpassword got user\\0password\\0\\0")
            session.expect(Self.plain, lines: ["503 you're already authenticated (#5.5.0)"])
            session.expect("RSET\r\n", lines: ["250 flushed"])
            session.expect("AUTH LOGIN\r\n", lines: ["503 you're already authenticated (#5.5.0)"], "AUTH after RSET")
            session.expect("MAIL FROM:<joe@example.org> AUTH=<joe@example.org>\r\n", lines: ["250 ok"])
            session.expect("RCPT TO:<x@other.test>\r\n", lines: ["250 ok"], "relay after AUTH")
            session.expect("DATA\r\n", lines: ["354 go ahead"])
            session.expect("Subject: t\r\n\r\nhi\r\n.\r\n", "250 ok ")
            let messages = try session.captured()
            #expect(messages.count == 1)
            #expect(messages.first?.text.contains("(joe@127.0.0.1)\n  by mail.example.org with ESMTPA;") == true,
                    "Received names the user and says ESMTPA: \(messages.first?.text ?? "none")")
            #expect(messages.first?.envelopeText == "Fjoe@example.org\0Tx@other.test\0\0")
            session.expectQuit()
        }
    }

    @Test(arguments: selections)
    func malformedAndCanceledExchangesGet501(features: [String]) async throws {
        try await Self.withSession(features, ["SMTPAUTH": ""]) { session in
            let malformed = "501 malformed auth input (#5.5.4)"
            for (line, what) in [("AUTH PLAIN =", "AUTH PLAIN ="), ("AUTH PLAIN !!!!", "junk base64"),
                                 ("AUTH PLAIN AHRpbQ", "bad base64 length"),
                                 ("AUTH PLAIN " + AuthText.base64("joe\0secret"), "one NUL"),
                                 ("AUTH PLAIN " + AuthText.base64("\0\0secret"), "empty user"),
                                 ("AUTH PLAIN " + AuthText.base64("\0joe\0"), "empty password")] {
                session.expect(line + "\r\n", lines: [malformed], what)
            }
            for (answer, reply) in [("*", "501 auth exchange canceled (#5.0.0)"), ("", malformed), ("QUJD=", malformed),
                                    (AuthText.base64("\0joe\0wrong"), "535 authentication failed (#5.7.1)")] {
                session.expect("AUTH PLAIN\r\n", lines: ["334 "], "PLAIN prompt")
                session.expect(answer + "\r\n", lines: [reply], "PLAIN answer '\(answer)'")
            }
            session.expect("AUTH PLAIN\r\n", lines: ["334 "])
            session.expect(AuthText.base64("admin\0joe\0secret") + "\r\n", lines: ["235 ok, go ahead (#2.0.0)"], "authorization id")
            session.expectQuit()
        }
    }

    @Test(arguments: selections)
    func loginPromptsAndCancel(features: [String]) async throws {
        try await Self.withSession(features, ["SMTPAUTH": "x"]) { session in
            session.expect("AUTH LOGIN\r\n", lines: ["334 VXNlcm5hbWU6"])
            session.expect(AuthText.base64("joe") + "\r\n", lines: ["334 UGFzc3dvcmQ6"])
            session.expect("*\r\n", lines: ["501 auth exchange canceled (#5.0.0)"])
            session.expect("AUTH LOGIN " + AuthText.base64("joe") + "\r\n", lines: ["334 UGFzc3dvcmQ6"], "LOGIN with initial user")
            session.expect(AuthText.base64("secret") + "\r\n", lines: ["235 ok, go ahead (#2.0.0)"])
            session.expectQuit()
        }
    }

    @Test(arguments: selections)
    func noAuthInTransactionAndBrokenCheckProgramsGet454(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let problem = "454 oops, problem with child and I can't auth (#4.3.0)"
        try await build.withControl {
            let session = try Self.session(build, ["SMTPAUTH": ""])
            session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["250 ok"])
            session.expect("AUTH LOGIN\r\n", lines: ["503 no auth during mail transaction (#5.5.0)"])
            session.expect("RSET\r\n", lines: ["250 flushed"])
            session.expect("AUTH PLAIN " + AuthText.base64("\0crash\0x") + "\r\n", lines: [problem], "check program crashes")
            session.expect("AUTH PLAIN " + AuthText.base64("\0temp\0x") + "\r\n", lines: [problem], "check program exits 111")
            session.expectQuit()
            let missing = try Self.session(build, ["SMTPAUTH": ""], arguments: ["/nonexistent/checkpassword", "/bin/true"])
            missing.expect(Self.plain, lines: [problem], "check program missing")
            missing.expectQuit()
        }
    }

    @Test(arguments: [(["SMTPAUTH": "", "AUTHSLEEP": nil], "default"), (["SMTPAUTH": "", "AUTHSLEEP": "9"], "AUTHSLEEP=9")]
          as [([String: String?], String)])
    func failureIsDelayedFiveSecondsAndAUTHSLEEPCannotRaiseIt(environment: [String: String?], label: String) async throws {
        let build = try PatchedBuild.sandbox(features: ["auth"])
        try await build.withControl {
            let session = try Self.session(build, environment)
            let start = Date()
            session.expect("AUTH PLAIN " + AuthText.base64("\0joe\0bad") + "\r\n", lines: ["535 authentication failed (#5.7.1)"])
            let delay = Date().timeIntervalSince(start)
            // A lower bound only: a loaded machine may add to the 5 s, never take from it.
            #expect(delay > 4.5 && delay < 60, "\(label): failure delay \(delay) s, expected 5 s")
            session.expectQuit()
        }
    }

    @Test(arguments: selections)
    func cramMD5ModesChallengeAndCheckProgramFields(features: [String]) async throws {
        try await Self.withCheckLog(features) { build, checkLog in
            for (mode, mechanisms) in [("cram", "CRAM-MD5"), ("CRAM-MD5", "CRAM-MD5"), ("+cram", "LOGIN PLAIN CRAM-MD5")] {
                let session = try Self.session(build, ["SMTPAUTH": mode])
                session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, auth: mechanisms), "EHLO SMTPAUTH=\(mode)")
                session.expectQuit()
            }
            let session = try Self.session(build, ["SMTPAUTH": "cram", "CHECKLOG": checkLog.path])
            session.expect("AUTH LOGIN\r\n", lines: ["504 auth type unimplemented (#5.5.1)"], "LOGIN not advertised under cram")
            session.expect("AUTH CRAM-MD5 " + AuthText.base64("x") + "\r\n", lines: ["501 malformed auth input (#5.5.4)"],
                           "CRAM-MD5 with an initial response")
            let first = session.expect("AUTH CRAM-MD5\r\n", "334 ")
            let challenge = first.first.flatMap { Data(base64Encoded: String($0.dropFirst(4))) }
                .map { String(decoding: $0, as: UTF8.self) } ?? ""
            let pattern = try Regex("<\(session.process.pid)\\.[0-9]+@mail\\.example\\.org>")
            #expect(challenge.wholeMatch(of: pattern) != nil, "challenge <pid.time@TCPLOCALHOST>: \(challenge)")
            session.expect(try AuthText.cramAnswer(user: "joe", password: "wrong", challengeLine: first.first ?? "") + "\r\n",
                           lines: ["535 authentication failed (#5.7.1)"])
            let second = session.expect("AUTH CRAM-MD5\r\n", "334 ")
            session.expect(try AuthText.cramAnswer(user: "joe", password: "secret", challengeLine: second.first ?? "") + "\r\n",
                           lines: ["235 ok, go ahead (#2.0.0)"])
            let entries = try Data(contentsOf: checkLog).split(separator: UInt8(ascii: "\n"))
            let fields = entries.last.map { $0.split(separator: 0, omittingEmptySubsequences: false).map { Array($0) } } ?? []
            let secondChallenge = second.first.flatMap { Data(base64Encoded: String($0.dropFirst(4))) }.map { [UInt8]($0) }
            #expect(fields.count >= 3 && fields[0] == Array("joe".utf8) && fields[1].count == 32 && fields[2] == secondChallenge,
                    "check program gets user\\0hexdigest\\0challenge: \(fields)")
            session.expectQuit()
        }
    }

    @Test(arguments: selections)
    func requiredModesRefuseMailBeforeAuth(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await build.withControl {
            for (mode, mechanisms) in [("!", "LOGIN PLAIN"), ("!+cram", "LOGIN PLAIN CRAM-MD5"), ("!cram", "CRAM-MD5")] {
                let session = try Self.session(build, ["SMTPAUTH": mode])
                session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, auth: mechanisms), "EHLO SMTPAUTH=\(mode)")
                session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["530 Authorization required (#5.7.1)"], "SMTPAUTH=\(mode)")
                if mode == "!" {
                    session.expect(Self.plain, lines: ["235 ok, go ahead (#2.0.0)"])
                    session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["250 ok"])
                }
                session.expectQuit()
            }
        }
    }

    /// docs/auth.md#smtpauth: a leading `!` always means "MAIL needs AUTH first"; what follows selects the
    /// mechanisms as the same value without `!` would (any other value: LOGIN PLAIN).
    @Test(arguments: selections)
    func anyValueStartingWithBangRequiresAuth(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let modes = [("!x", "LOGIN PLAIN"), ("!plain", "LOGIN PLAIN"), ("!!", "LOGIN PLAIN"), ("! cram", "LOGIN PLAIN"),
                     ("!CRAM", "CRAM-MD5"), ("!Cram-MD5", "CRAM-MD5"), ("!+CRAM", "LOGIN PLAIN CRAM-MD5")]
        try await build.withControl {
            for (mode, mechanisms) in modes {
                let session = try Self.session(build, ["SMTPAUTH": mode])
                session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, auth: mechanisms), "EHLO SMTPAUTH=\(mode)")
                session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["530 Authorization required (#5.7.1)"], "SMTPAUTH=\(mode)")
                session.expect("RSET\r\n", lines: ["250 flushed"])
                session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["530 Authorization required (#5.7.1)"],
                               "SMTPAUTH=\(mode) after RSET")
                if mechanisms.hasPrefix("LOGIN") {
                    session.expect(Self.plain, lines: ["235 ok, go ahead (#2.0.0)"], "SMTPAUTH=\(mode)")
                    session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["250 ok"], "SMTPAUTH=\(mode) after AUTH")
                }
                session.expectQuit()
            }
            // without the `!`, MAIL needs no AUTH
            for mode in ["x", "cram", "+cram"] {
                let session = try Self.session(build, ["SMTPAUTH": mode])
                session.expect("MAIL FROM:<a@b.test>\r\n", lines: ["250 ok"], "SMTPAUTH=\(mode)")
                session.expectQuit()
            }
        }
    }

    @Test(arguments: selections)
    func sizeLimitAndAuthParameterGrantNothing(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await build.withControl {
            let session = try Self.session(build, ["SMTPAUTH": "", "DATABYTES": "100"])
            session.expect("EHLO x\r\n", lines: EHLOReply.lines(build, auth: "LOGIN PLAIN", size: 100))
            session.expect("MAIL FROM:<a@b.test> SIZE=101\r\n",
                           lines: ["552 sorry, that message size exceeds my databytes limit (#5.3.4)"])
            session.expect("MAIL FROM:<a@b.test> BODY=8BITMIME SIZE=100\r\n", lines: ["250 ok"])
            session.expect("MAIL FROM:<joe@example.org> AUTH=joe@example.org\r\n", lines: ["250 ok"])
            session.expect("RCPT TO:<x@other.test>\r\n", "553 ", "AUTH= grants no relay")
            session.expect("RCPT TO:<x@example.org>\r\n", lines: ["250 ok"])
            session.expect("DATA\r\n", "354")
            session.expect("\r\nhi\r\n.\r\n", "250 ok")
            let messages = try session.captured()
            #expect(messages.count == 1 && messages[0].text.contains("(127.0.0.1)\n  by mail.example.org with SMTP;"),
                    "unauthenticated: with SMTP, no remote info: \(messages.first?.text ?? "none")")
            session.expectQuit()
        }
    }
}
