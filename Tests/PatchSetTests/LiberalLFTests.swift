import Testing
import TestSupport
import RealBuildSupport

/// ALLOW_BARELF on the real qmail-smtpd: docs/liberal-lf.md in
/// every build that has the feature, and the stock 451 in every build without it.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree)
struct LiberalLFTests {
    static let smtplf = "451 See http://pobox.com/~djb/docs/smtplf.html."
    static let allow: [String: String?] = ["ALLOW_BARELF": ""]

    /// One message: HELO, MAIL, RCPT, DATA, then `data` (body and terminator, as raw
    /// bytes), then the commands in `after`.
    static func message(_ build: PatchedBuild, _ data: String, environment: [String: String?] = [:],
                        after: [String] = []) async throws -> ScriptedSession {
        let session = try await build.session(environment: environment,
            ["HELO x\r\n", "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<c@example.org>\r\n", "DATA\r\n", data] + after)
        #expect(Array(session.replies[0...3]) == ["250 \(PatchedBuild.greeting)", "250 ok", "250 ok", "354 go ahead"],
                session.log)
        return session
    }

    /// Bare LF anywhere in DATA: 451, the connection ends with status 1, nothing is queued.
    static let refusedWithoutAllow = [
        "a\nb\r\n.\r\n", "hello\r\n\n.\r\n", "hello\n.\r\n", ".\n", "a\r\n.\nb\r\n.\r\n", "x\r\n\n.\n",
    ]

    /// Smuggling attempts: a second message hidden behind an end of DATA that only a
    /// bare-LF-tolerant reader sees.
    static let smuggling = [
        "hello\n.\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nsmuggled\r\n.\r\n",
        "hello\r\n.\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nsmuggled\r\n.\r\n",
        "hello\n.\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nsmuggled\r\n.\r\n",
    ]

    static func expectRefused(_ session: ScriptedSession, _ data: String) {
        #expect(session.replies[4] == smtplf, "\(data.debugDescription): \(session.log)")
        #expect(session.replies.dropFirst(5).allSatisfy { $0.isEmpty }, "nothing after 451: \(session.log)")
        #expect(session.queued.isEmpty, "\(data.debugDescription): nothing queued")
        #expect(session.status == 1, "\(data.debugDescription)")
    }

    /// `data` accepted and queued as the one message, its body `stored`, and a clean exit.
    static func expectStored(_ session: ScriptedSession, _ data: String, _ stored: String) {
        #expect(session.replies[4].hasPrefix("250 ok "), "\(data.debugDescription): \(session.log)")
        #expect(session.queued.count == 1)
        #expect(session.queued.first?.bodyAfterReceived == Array(stored.utf8), "\(data.debugDescription)")
        #expect(session.status == 0, "\(data.debugDescription)")
    }

    @Test("without ALLOW_BARELF a bare LF still gets 451 and ends the connection, smuggling included",
          arguments: Selection.with("liberal-lf"))
    func stockRefusalWithoutAllow(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        for data in Self.refusedWithoutAllow + Self.smuggling {
            Self.expectRefused(try await Self.message(build, data, after: ["NOOP\r\n"]), data)
        }
    }

    @Test("without ALLOW_BARELF CR LF mail is stored as LF lines, bare CR kept, dots unstuffed",
          arguments: Selection.with("liberal-lf"))
    func stockCRLF(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let cases = [
            ("a\r\n..b\r\n.\rX\r\nc\r\r\n.\r\n", "a\n.b\n.\rX\nc\r\n"),
            ("a\r.\r\nb\r\n.\r\n", "a\r.\nb\n"),
        ]
        for (data, stored) in cases {
            Self.expectStored(try await Self.message(build, data), data, stored)
        }
    }

    @Test("with ALLOW_BARELF a bare LF ends a line, <LF>.<LF> ends DATA, dots are unstuffed",
          arguments: Selection.with("liberal-lf"))
    func allowBareLF(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let cases = [
            ("line1\nline2\r\nline3\n.\n", "line1\nline2\nline3\n"),
            ("line1\r\n.\n", "line1\n"),
            ("line1\n.\r\n", "line1\n"),
            (".\n", ""),
            ("\n.\n", "\n"),
            ("..dot\n.x\n...\n.\n", ".dot\nx\n..\n"),
            ("a\n.\rX\n.\n", "a\n.\rX\n"),
            ("b\r\r\nc\rd\n.\n", "b\r\nc\rd\n"),
            ("a\r\n..b\r\n.\r\n", "a\n.b\n"),
            ("x\n\n\ny\n.\n", "x\n\n\ny\n"),
            ("a\r.\r\nb\n.\n", "a\r.\nb\n"),
        ]
        for (data, stored) in cases {
            Self.expectStored(try await Self.message(build, data, environment: Self.allow), data, stored)
        }
        Self.expectStored(try await Self.message(build, "x\n.\n", environment: ["ALLOW_BARELF": "1"]), "x\n.\n", "x\n")
    }

    @Test("with ALLOW_BARELF <LF>.<CR><LF> ends DATA and what follows is read as commands",
          arguments: Selection.with("liberal-lf"))
    func allowedEndThenCommands(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let session = try await Self.message(build, "hello\n.\r\n", environment: Self.allow,
                                             after: ["MAIL FROM:<evil@x.test>\r\n"])
        #expect(session.replies[4].hasPrefix("250 ok "), session.log)
        #expect(session.replies[5] == "250 ok", session.log)
        #expect(session.queued.map(\.bodyAfterReceived) == [Array("hello\n".utf8)], session.log)
    }

    @Test("with ALLOW_BARELF the header ends at a bare-LF empty line: hops are counted in the header only",
          arguments: Selection.with("liberal-lf"))
    func hopsWithBareLF(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let received = "Received: x\n"
        let inBody = try await Self.message(
            build, "Subject: t\n\n" + String(repeating: received, count: 120) + ".\n", environment: Self.allow)
        #expect(inBody.replies[4].hasPrefix("250 ok "), inBody.log)
        let hundred = try await Self.message(
            build, String(repeating: received, count: 100) + "\nbody\n.\n", environment: Self.allow)
        #expect(hundred.replies[4] == "554 too many hops, this message is looping (#5.4.6)", hundred.log)
        let ninetyNine = try await Self.message(
            build, String(repeating: received, count: 99) + "\nbody\n.\n", environment: Self.allow)
        #expect(ninetyNine.replies[4].hasPrefix("250 ok "), ninetyNine.log)
    }

    @Test("without liberal-lf ALLOW_BARELF changes nothing: bare LF gets 451 and nothing is queued",
          arguments: Selection.without("liberal-lf"))
    func withoutFeatureAllowIgnored(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        for data in ["line1\nline2\r\n.\r\n", "x\n.\n"] + Self.smuggling {
            Self.expectRefused(try await Self.message(build, data, environment: Self.allow, after: ["NOOP\r\n"]), data)
        }
    }
}
