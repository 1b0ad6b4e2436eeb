import Testing
import TestSupport
import RealBuildSupport

/// control/maxrcpt on the real qmail-smtpd: docs/maxrcpt.md,
/// in every build that has the feature, and stock behaviour in every build without it.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree)
struct MaxrcptTests {
    static let tooMany = "452 too many recipients (#4.5.3)"

    static func rcpts(_ names: String...) -> [String] { names.map { "RCPT TO:<\($0)@example.org>\r\n" } }

    @Test("limit 2: the third and fourth recipients get 452 and stay out of the envelope",
          arguments: Selection.with("maxrcpt"))
    func limitRefusesAndKeepsOutOfEnvelope(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let session = try await build.session(control: ["maxrcpt": "2\n"],
            ["HELO x\r\n", "MAIL FROM:<a@b.test>\r\n"] + Self.rcpts("r1", "r2", "r3", "r4") + ["DATA\r\n", "x\r\n.\r\n"])
        #expect(Array(session.replies[2...5]) == ["250 ok", "250 ok", Self.tooMany, Self.tooMany], session.log)
        #expect(session.replies[6] == "354 go ahead", session.log)
        #expect(session.replies[7].hasPrefix("250 ok "), session.log)
        #expect(session.envelope == "Fa@b.test\0Tr1@example.org\0Tr2@example.org\0\0", session.log)
    }

    @Test("the count restarts at a second MAIL; only that message's recipients are queued",
          arguments: Selection.with("maxrcpt"))
    func countRestartsAtMail(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let session = try await build.session(control: ["maxrcpt": "2\n"],
            ["HELO x\r\n", "MAIL FROM:<a@b.test>\r\n"] + Self.rcpts("r1", "r2", "r3")
            + ["MAIL FROM:<a@b.test>\r\n"] + Self.rcpts("s1", "s2", "s3") + ["DATA\r\n", "x\r\n.\r\n"])
        #expect(Array(session.replies[2...8]) == ["250 ok", "250 ok", Self.tooMany, "250 ok", "250 ok", "250 ok", Self.tooMany],
                session.log)
        #expect(session.envelope == "Fa@b.test\0Ts1@example.org\0Ts2@example.org\0\0", session.log)
    }

    @Test("the count restarts at RSET and after a delivered message", arguments: Selection.with("maxrcpt"))
    func countRestartsAtRsetAndAfterData(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let session = try await build.session(control: ["maxrcpt": "1\n"], [
            "HELO x\r\n", "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<r1@example.org>\r\n", "RCPT TO:<r2@example.org>\r\n",
            "RSET\r\n", "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<r3@example.org>\r\n", "RCPT TO:<r4@example.org>\r\n",
            "DATA\r\n", "x\r\n.\r\n",
            "MAIL FROM:<c@d.test>\r\n", "RCPT TO:<r5@example.org>\r\n", "RCPT TO:<r6@example.org>\r\n",
            "DATA\r\n", "y\r\n.\r\n",
        ])
        let r = session.replies
        #expect(Array(r[2...4]) == ["250 ok", Self.tooMany, "250 flushed"], session.log)
        #expect(Array(r[6...7]) == ["250 ok", Self.tooMany], session.log)
        #expect(Array(r[11...12]) == ["250 ok", Self.tooMany], session.log)
        #expect(session.queued.map(\.envelopeText) == ["Fa@b.test\0Tr3@example.org\0\0", "Fc@d.test\0Tr5@example.org\0\0"],
                session.log)
    }

    @Test("a recipient refused by rcpthosts does not count", arguments: Selection.with("maxrcpt"))
    func refusedRelayDoesNotCount(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let session = try await build.session(control: ["maxrcpt": "1\n"], [
            "HELO x\r\n", "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<r1@other.test>\r\n",
            "RCPT TO:<r2@example.org>\r\n", "RCPT TO:<r3@example.org>\r\n",
        ])
        #expect(session.replies[2] == "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", session.log)
        #expect(Array(session.replies[3...4]) == ["250 ok", Self.tooMany], session.log)
    }

    static let badmailfrom = "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)"
    static let noRelay = "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"

    @Test("at the limit, badmailfrom and rcpthosts refusals keep their 553, never 452, and do not count",
          arguments: Selection.with("maxrcpt"))
    func permanentRefusalsBeatTheLimit(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let full = try await build.session(control: ["maxrcpt": "0\n", "badmailfrom": "bad@b.test\n"], [
            "HELO x\r\n", "MAIL FROM:<bad@b.test>\r\n", "RCPT TO:<r1@example.org>\r\n", "RCPT TO:<x@other.test>\r\n",
            "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<x@other.test>\r\n", "RCPT TO:<r2@example.org>\r\n",
        ])
        #expect(Array(full.replies[2...3]) == [Self.badmailfrom, Self.badmailfrom], full.log)
        #expect(Array(full.replies[5...6]) == [Self.noRelay, Self.tooMany], full.log)

        let one = try await build.session(control: ["maxrcpt": "1\n", "badmailfrom": "bad@b.test\n"], [
            "HELO x\r\n", "MAIL FROM:<bad@b.test>\r\n", "RCPT TO:<r0@example.org>\r\n", "RCPT TO:<r0@example.org>\r\n",
            "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<x1@other.test>\r\n", "RCPT TO:<x2@other.test>\r\n",
            "RCPT TO:<r1@example.org>\r\n", "RCPT TO:<x3@other.test>\r\n", "RCPT TO:<r2@example.org>\r\n",
            "DATA\r\n", "hi\r\n.\r\n",
        ])
        #expect(Array(one.replies[2...3]) == [Self.badmailfrom, Self.badmailfrom], one.log)
        #expect(Array(one.replies[5...10]) == [Self.noRelay, Self.noRelay, "250 ok", Self.noRelay, Self.tooMany,
                                               "354 go ahead"], one.log)
        #expect(one.envelope == "Fa@b.test\0Tr1@example.org\0\0", one.log)
    }

    @Test("at the limit, an eMPF refusal keeps its 550, never 452, and does not count",
          arguments: Selection.with("maxrcpt").filter { $0.contains("empf") })
    func policyRefusalsBeatTheLimit(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let denied = { (address: String) in PolicyFixture.denied(address) }
        // example.com takes nothing from other domains (e on the recipient's side)
        let control: [String: String?] = ["maxrcpt": "1\n", "rcpthosts": "example.org\nexample.com\n",
                                          "policy": "example.com:e,\n"]
        let session = try await build.session(control: control, [
            "HELO x\r\n", "MAIL FROM:<a@other.test>\r\n", "RCPT TO:<x@example.com>\r\n", "RCPT TO:<y@example.com>\r\n",
            "RCPT TO:<r1@example.org>\r\n", "RCPT TO:<z@example.com>\r\n", "RCPT TO:<r2@example.org>\r\n",
            "DATA\r\n", "hi\r\n.\r\n",
        ])
        #expect(Array(session.replies[2...7]) == [denied("x@example.com"), denied("y@example.com"), "250 ok",
                                                  denied("z@example.com"), Self.tooMany, "354 go ahead"], session.log)
        #expect(session.envelope == "Fa@other.test\0Tr1@example.org\0\0", session.log)

        var zero = control
        zero["maxrcpt"] = "0\n"
        let none = try await build.session(control: zero, [
            "HELO x\r\n", "MAIL FROM:<a@other.test>\r\n", "RCPT TO:<x@example.com>\r\n", "RCPT TO:<r1@example.org>\r\n",
        ])
        #expect(Array(none.replies[2...3]) == [denied("x@example.com"), Self.tooMany], none.log)
    }

    @Test("limit 0: no recipient is accepted, so DATA wants RCPT", arguments: Selection.with("maxrcpt"))
    func zeroAcceptsNobody(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let session = try await build.session(control: ["maxrcpt": "0\n"],
            ["HELO x\r\n", "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<r1@example.org>\r\n", "DATA\r\n"])
        #expect(Array(session.replies[2...3]) == [Self.tooMany, "503 RCPT first (#5.5.1)"], session.log)
        #expect(session.queued.isEmpty)
    }

    @Test("missing, empty or non-numeric control/maxrcpt: no limit", arguments: Selection.with("maxrcpt"))
    func noLimitUnlessANumber(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let five = ["HELO x\r\n", "MAIL FROM:<a@b.test>\r\n"] + Self.rcpts("r0", "r1", "r2", "r3", "r4")
        let contents: [String?] = [nil, "", "\n", "ten\n", "-1\n", "3x\n", " \t\n", "99999999999999999999\n"]
        for text in contents {
            let session = try await build.session(control: ["maxrcpt": text], five)
            #expect(Array(session.replies[2...]) == Array(repeating: "250 ok", count: 5),
                    "maxrcpt \(String(describing: text)): \(session.log)")
        }
    }

    @Test("trailing blanks after the number are allowed, as in every control file", arguments: Selection.with("maxrcpt"))
    func trailingBlanksAllowed(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let session = try await build.session(control: ["maxrcpt": "3  \n"],
            ["HELO x\r\n", "MAIL FROM:<a@b.test>\r\n"] + Self.rcpts("r0", "r1", "r2", "r3"))
        #expect(Array(session.replies[2...]) == ["250 ok", "250 ok", "250 ok", Self.tooMany], session.log)
    }

    @Test("an unreadable control/maxrcpt is a 421 like every other control file", arguments: Selection.with("maxrcpt"))
    func unreadableIs421(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        // A directory: even root cannot read(2) it.
        let session = try await build.session(control: ["maxrcpt/unreadable": ""],
            ["HELO x\r\n", "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<r@example.org>\r\n"])
        #expect(session.replies[2] == "421 unable to read controls (#4.3.0)", session.log)
        #expect(session.queued.isEmpty)
    }

    @Test("pipelined MAIL, RCPTs and DATA: the limit holds within one packet", arguments: Selection.with("maxrcpt"))
    func pipelined(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await build.withControl(["maxrcpt": "2\n"]) {
            let connection = try SMTPDConnection(build)
            _ = connection.readReply()
            #expect(connection.command("EHLO x\r\n").first == "250-\(PatchedBuild.greeting)", "\(connection.log)")
            connection.send("MAIL FROM:<a@b.test>\r\nRCPT TO:<p1@example.org>\r\nRCPT TO:<p2@example.org>\r\n"
                            + "RCPT TO:<p3@example.org>\r\nDATA\r\n")
            let replies = (0..<5).map { _ in connection.readReply().last ?? "" }
            #expect(replies == ["250 ok", "250 ok", "250 ok", Self.tooMany, "354 go ahead"], "\(connection.log)")
            #expect(connection.command("x\r\n.\r\n").last?.hasPrefix("250 ok ") == true, "\(connection.log)")
            #expect(connection.command("QUIT\r\n").last?.hasPrefix("221 ") == true, "\(connection.log)")
            #expect(connection.finish() == 0)
            #expect(try connection.captured().map(\.envelopeText) == ["Fa@b.test\0Tp1@example.org\0Tp2@example.org\0\0"])
        }
    }

    @Test("without maxrcpt, control/maxrcpt means nothing: a third recipient is accepted",
          arguments: Selection.without("maxrcpt"))
    func withoutFeatureNoLimit(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let session = try await build.session(control: ["maxrcpt": "2\n"],
            ["HELO x\r\n", "MAIL FROM:<a@b.test>\r\n"] + Self.rcpts("r1", "r2", "r3") + ["DATA\r\n", "x\r\n.\r\n"])
        #expect(Array(session.replies[2...4]) == ["250 ok", "250 ok", "250 ok"], session.log)
        #expect(session.envelope == "Fa@b.test\0Tr1@example.org\0Tr2@example.org\0Tr3@example.org\0\0", session.log)
    }
}
