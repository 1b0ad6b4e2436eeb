import Testing
import TestSupport
import RealBuildSupport

/// Where features meet on the real qmail-smtpd: the defects of the 2015 combined set
/// (AUTH= bypassing eMPF, the envelope sender as identity after AUTH, per-connection
/// recipient counts, refused recipients delivered) must not come back.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, realTree)
struct InteractionTests {
    static func denied(_ address: String) -> String { PolicyFixture.denied(address) }
    static let tooMany = "452 too many recipients (#4.5.3)"
    static let authenticated = "235 ok, go ahead (#2.0.0)"

    /// A session with the any-user check program and AUTH LOGIN/PLAIN without TLS.
    static func authSession(_ build: PatchedBuild, environment: [String: String?] = [:],
                            _ commands: [String]) throws -> ScriptedSession {
        var env = AnyUserCheckpassword.environment
        for (name, value) in environment { env[name] = value }
        return try ScriptedSession.run(build, arguments: AnyUserCheckpassword.arguments, environment: env, commands)
    }

    /// EHLO, AUTH PLAIN as `user` (skipped when nil), MAIL FROM:`mail`, RCPT TO:<recipient>;
    /// returns the RCPT reply. Call inside withControl.
    static func rcptReply(_ build: PatchedBuild, user: String?, mail: String, recipient: String) throws -> String {
        let auth = user.map { [AnyUserCheckpassword.plain($0)] } ?? []
        let session = try authSession(build, ["EHLO x\r\n"] + auth + ["MAIL FROM:\(mail)\r\n", "RCPT TO:<\(recipient)>\r\n"])
        if user != nil { #expect(session.replies[1] == authenticated, session.log) }
        #expect(session.replies[session.replies.count - 2] == "250 ok", session.log)
        return session.replies.last ?? ""
    }

    @Test("with auth, the policy identity is the AUTH user, never the envelope sender",
          arguments: [Selection.authEmpf, Selection.full])
    func identityIsTheAuthUser(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let cases: [(user: String?, mail: String, recipient: String, reply: String)] = [
            // open.test is local and has a policy: sending as it needs AUTH
            ("a@open.test", "<a@open.test>", "b@open.test", "250 ok"),
            (nil, "<a@open.test>", "b@open.test", Self.denied("b@open.test")),
            // rdom.test takes mail from friend.test only: a friend.test envelope does not help joe
            (nil, "<x@friend.test>", "u@rdom.test", "250 ok"),
            ("joe@edom.test", "<x@friend.test>", "u@rdom.test", Self.denied("u@rdom.test")),
            ("friend@friend.test", "<x@foe.test>", "u@rdom.test", "250 ok"),
            // edom.test sends out only as joe, to partner.test
            ("joe@edom.test", "<x@foe.test>", "z@partner.test", "250 ok"),
            ("joe@edom.test", "<x@foe.test>", "z@remote.test", Self.denied("z@remote.test")),
            ("a@edom.test", "<joe@edom.test>", "z@partner.test", Self.denied("z@partner.test")),
        ]
        try await build.withControl(PolicyFixture.control()) {
            for check in cases {
                let reply = try Self.rcptReply(build, user: check.user, mail: check.mail, recipient: check.recipient)
                #expect(reply == check.reply, "AUTH \(check.user ?? "none"), MAIL FROM:\(check.mail) → \(check.recipient)")
            }
        }
    }

    @Test("MAIL FROM:<x> AUTH=<user> grants no identity and no trust, with or without auth",
          arguments: Selection.with("empf"))
    func mailAuthParameterBypassesNothing(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let cases = [
            ("<x@foe.test> AUTH=joe@friend.test", "u@rdom.test"),
            ("<a@open.test> AUTH=a@open.test", "b@open.test"),
            ("<a@open.test> AUTH=<>", "b@open.test"),
        ]
        try await build.withControl(PolicyFixture.control()) {
            for (mail, recipient) in cases {
                let reply = try Self.rcptReply(build, user: nil, mail: mail, recipient: recipient)
                #expect(reply == Self.denied(recipient), "MAIL FROM:\(mail) → \(recipient)")
            }
        }
    }

    @Test("a failed AUTH leaves the client untrusted: the envelope sender is checked",
          arguments: [Selection.authEmpf, Selection.full])
    func failedAuthTrustsNothing(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let session = try await build.withControl(PolicyFixture.control()) {
            try Self.authSession(build, [
                "EHLO x\r\n", AnyUserCheckpassword.plain("a@open.test", password: "wrong"),
                "MAIL FROM:<a@open.test> AUTH=a@open.test\r\n", "RCPT TO:<b@open.test>\r\n",
            ])
        }
        #expect(session.replies[1] == "535 authentication failed (#5.7.1)", session.log)
        #expect(session.replies[3] == Self.denied("b@open.test"), session.log)
    }

    @Test("over STARTTLS with forcetls, the AUTH user is the policy identity", tlsTools)
    func identityOverTLS() async throws {
        let build = try PatchedBuild.sandbox(features: Selection.full)
        let pki = try PKI.get()
        var control = PolicyFixture.control()
        control["servercert.pem"] = try pki.text(pki.serverRSA)
        let cases = [
            ("a@open.test", "a@open.test", "b@open.test", "250 ok"),
            ("joe@edom.test", "x@friend.test", "u@rdom.test", Self.denied("u@rdom.test")),
            ("joe@edom.test", "x@foe.test", "z@partner.test", "250 ok"),
        ]
        try await build.withControl(control) {
            for (user, sender, recipient, expected) in cases {
                let connection = try SMTPDConnection(build, arguments: AnyUserCheckpassword.arguments,
                                                     environment: ["SMTPAUTH": ""])
                _ = connection.readReply()
                _ = connection.command("EHLO x\r\n")
                #expect(connection.command(AnyUserCheckpassword.plain(user)).last
                        == "538 auth not available without TLS (#5.3.3)", "\(connection.log)")
                #expect(connection.command("STARTTLS\r\n").last == "220 ready for tls", "\(connection.log)")
                try connection.startTLS()
                _ = connection.command("EHLO x\r\n")
                #expect(connection.command(AnyUserCheckpassword.plain(user)).last == Self.authenticated,
                        "\(connection.log)")
                #expect(connection.command("MAIL FROM:<\(sender)>\r\n").last == "250 ok", "\(connection.log)")
                #expect(connection.command("RCPT TO:<\(recipient)>\r\n").last == expected, "\(connection.log)")
                _ = connection.command("QUIT\r\n")
                #expect(connection.finish() == 0, "\(connection.log)")
            }
        }
    }

    @Test("recipients refused by policy neither count for maxrcpt nor reach the envelope")
    func policyRefusalsDoNotCount() async throws {
        let build = try PatchedBuild.sandbox(features: Selection.full)
        var control = PolicyFixture.control()
        control["maxrcpt"] = "2\n"
        let session = try await build.session(control: control, [
            "HELO x\r\n", "MAIL FROM:<x@foe.test>\r\n", "RCPT TO:<u@rdom.test>\r\n", "RCPT TO:<v@open.test>\r\n",
            "RCPT TO:<w@open.test>\r\n", "RCPT TO:<y@open.test>\r\n", "DATA\r\n", "hi\r\n.\r\n",
        ])
        #expect(Array(session.replies[2...6]) == [Self.denied("u@rdom.test"), "250 ok", "250 ok", Self.tooMany,
                                                  "354 go ahead"], session.log)
        #expect(session.envelope == "Fx@foe.test\0Tv@open.test\0Tw@open.test\0\0", session.log)
    }

    @Test("an authenticated client's count restarts at RSET, and AUTH survives RSET")
    func maxrcptAcrossRsetWithAuth() async throws {
        let build = try PatchedBuild.sandbox(features: Selection.full)
        let auth = AnyUserCheckpassword.plain("joe@example.org")
        let session = try await build.withControl(["maxrcpt": "2\n"]) {
            try Self.authSession(build, [
                "EHLO x\r\n", auth,
                "MAIL FROM:<joe@example.org>\r\n", "RCPT TO:<z1@remote.test>\r\n", "RCPT TO:<z2@remote.test>\r\n",
                "RCPT TO:<z3@remote.test>\r\n", "RSET\r\n", auth,
                "MAIL FROM:<joe@example.org>\r\n", "RCPT TO:<z4@remote.test>\r\n", "RCPT TO:<z5@remote.test>\r\n",
                "RCPT TO:<z6@remote.test>\r\n", "DATA\r\n", "hi\r\n.\r\n",
            ])
        }
        let r = session.replies
        #expect(r[1] == Self.authenticated, session.log)
        #expect(Array(r[3...6]) == ["250 ok", "250 ok", Self.tooMany, "250 flushed"], session.log)
        #expect(r[7] == "503 you're already authenticated (#5.5.0)", session.log)
        #expect(Array(r[8...11]) == ["250 ok", "250 ok", "250 ok", Self.tooMany], session.log)
        #expect(r[13].hasPrefix("250 ok "), session.log)
        #expect(session.envelope == "Fjoe@example.org\0Tz4@remote.test\0Tz5@remote.test\0\0", session.log)
        #expect(session.queued.first?.text.contains("with ESMTPA") == true, session.log)
    }

    @Test("authentication does not relax the bare-LF rule; ALLOW_BARELF still works after AUTH")
    func bareLFAfterAuth() async throws {
        let build = try PatchedBuild.sandbox(features: Selection.full)
        let start = ["EHLO x\r\n", AnyUserCheckpassword.plain("joe@example.org"), "MAIL FROM:<joe@example.org>\r\n",
                     "RCPT TO:<z@remote.test>\r\n", "DATA\r\n"]
        let smuggling = "hello\n.\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nsmuggled\r\n.\r\n"
        let (refused, allowed) = try await build.withControl {
            (try Self.authSession(build, start + [smuggling]),
             try Self.authSession(build, environment: ["ALLOW_BARELF": ""], start + ["hello\nworld\n.\n"]))
        }
        #expect(refused.replies[1] == Self.authenticated, refused.log)
        #expect(Array(refused.replies[4...5]) == ["354 go ahead", LiberalLFTests.smtplf], refused.log)
        #expect(refused.queued.isEmpty, refused.log)
        #expect(refused.status == 1)

        #expect(allowed.replies[5].hasPrefix("250 ok "), allowed.log)
        #expect(allowed.queued.first?.bodyAfterReceived == Array("hello\nworld\n".utf8), allowed.log)
    }
}
