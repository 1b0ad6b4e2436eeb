import Testing
import TestSupport

/// control/policy on the real qmail-smtpd: docs/empf.md in every
/// build that has the feature (without AUTH the envelope sender is the identity),
/// and stock behaviour in every build without it.
@Suite(.ownThread, realTree)
struct EmpfTests {
    static let relayClient: [String: String?] = ["RELAYCLIENT": ""]
    static let allowed = "250 ok"
    static func denied(_ address: String) -> String { PolicyFixture.denied(address) }
    static func broken(_ address: String) -> String { PolicyFixture.broken(address) }

    /// One verdict to check: MAIL FROM:<sender>, RCPT TO:<recipient> → `reply`.
    struct Case: Sendable {
        var sender: String
        var recipient: String
        var reply: String
        var environment: [String: String?] = [:]
    }

    /// HELO, MAIL FROM:<sender>, RCPT TO:<recipient>, and the expectations on the replies. Call inside withControl.
    static func check(_ build: PatchedBuild, _ check: Case) throws {
        let session = try ScriptedSession.run(build, environment: check.environment,
            ["HELO x\r\n", "MAIL FROM:<\(check.sender)>\r\n", "RCPT TO:<\(check.recipient)>\r\n"])
        #expect(session.replies[1] == "250 ok", session.log)
        #expect(session.replies[2] == check.reply, session.log)
    }

    @Test("no control/policy: everything rcpthosts accepts is allowed", arguments: Selection.with("empf"))
    func missingPolicyAllowsAll(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await build.withControl(PolicyFixture.control(policy: nil)) {
            try Self.check(build, Case(sender: "x@foe.test", recipient: "u@rdom.test", reply: Self.allowed))
            try Self.check(build, Case(sender: "a@open.test", recipient: "u@open.test", reply: Self.allowed))
        }
    }

    @Test("L R I E letters, patterns, user entries and case-insensitivity decide as the grammar says",
          arguments: Selection.with("empf"))
    func lettersAndPatterns(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let cases = [
            // R(patterns)r: only friend.test and its subdomains may send to rdom.test
            Case(sender: "x@friend.test", recipient: "u@rdom.test", reply: Self.allowed),
            Case(sender: "X@Sub.Friend.TEST", recipient: "u@RDOM.test", reply: Self.allowed),
            Case(sender: "x@foe.test", recipient: "u@rdom.test", reply: Self.denied("u@rdom.test")),
            Case(sender: "x@friend.test.evil", recipient: "u@rdom.test", reply: Self.denied("u@rdom.test")),
            Case(sender: "", recipient: "u@rdom.test", reply: Self.denied("u@rdom.test")),
            // l with user boss:L, the user entry first
            Case(sender: "a@ldom.test", recipient: "b@ldom.test", reply: Self.denied("b@ldom.test"),
                 environment: Self.relayClient),
            Case(sender: "a@ldom.test", recipient: "boss@ldom.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "a@ldom.test", recipient: "BOSS@ldom.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "x@foe.test", recipient: "b@ldom.test", reply: Self.allowed),
            // i with user chief:I
            Case(sender: "a@idom.test", recipient: "b@idom.test", reply: Self.denied("b@idom.test"),
                 environment: Self.relayClient),
            Case(sender: "chief@idom.test", recipient: "b@idom.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "a@idom.test", recipient: "z@plain.test", reply: Self.allowed, environment: Self.relayClient),
            // e with user joe:E(*@partner.test)
            Case(sender: "a@edom.test", recipient: "z@remote.test", reply: Self.denied("z@remote.test"),
                 environment: Self.relayClient),
            Case(sender: "joe@edom.test", recipient: "z@partner.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "joe@edom.test", recipient: "z@PARTNER.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "joe@edom.test", recipient: "z@other.test", reply: Self.denied("z@other.test"),
                 environment: Self.relayClient),
            Case(sender: "a@edom.test", recipient: "b@edom.test", reply: Self.allowed, environment: Self.relayClient),
            // control bytes of the address are not echoed into the reply
            Case(sender: "x@foe.test", recipient: "u\u{01}x@rdom.test", reply: Self.denied("u?x@rdom.test")),
        ]
        try await build.withControl(PolicyFixture.control()) {
            for check in cases { try Self.check(build, check) }
        }
    }

    @Test("in a pattern ? matches exactly one character, * any run", arguments: Selection.with("empf"))
    func questionMarkMatchesOneCharacter(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let control = PolicyFixture.control(policy: "qdom.test:R(?@friend.test,a*z@foe.test)r,\n",
                                            rcpthosts: "qdom.test\n")
        try await build.withControl(control) {
            try Self.check(build, Case(sender: "x@friend.test", recipient: "u@qdom.test", reply: Self.allowed))
            try Self.check(build, Case(sender: "xy@friend.test", recipient: "u@qdom.test", reply: Self.denied("u@qdom.test")))
            try Self.check(build, Case(sender: "az@foe.test", recipient: "u@qdom.test", reply: Self.allowed))
            try Self.check(build, Case(sender: "abcz@foe.test", recipient: "u@qdom.test", reply: Self.allowed))
            try Self.check(build, Case(sender: "abc@foe.test", recipient: "u@qdom.test", reply: Self.denied("u@qdom.test")))
        }
    }

    @Test("a local domain with a policy needs a trusted client to send as it", arguments: Selection.with("empf"))
    func localPolicyDomainNeedsTrust(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await build.withControl(PolicyFixture.control()) {
            try Self.check(build, Case(sender: "a@open.test", recipient: "b@open.test", reply: Self.denied("b@open.test")))
            try Self.check(build, Case(sender: "a@open.test", recipient: "b@open.test", reply: Self.allowed,
                                       environment: Self.relayClient))
            try Self.check(build, Case(sender: "a@plain.test", recipient: "b@open.test", reply: Self.allowed))
        }
        // edom.test not in rcpthosts: anyone may claim it, but its letters still apply.
        try await build.withControl(PolicyFixture.control(rcpthosts: "plain.test\n")) {
            try Self.check(build, Case(sender: "a@edom.test", recipient: "b@plain.test", reply: Self.denied("b@plain.test")))
        }
    }

    @Test("the relay check comes first: 553, not a policy reply", arguments: Selection.with("empf"))
    func relayCheckFirst(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await build.withControl(PolicyFixture.control()) {
            try Self.check(build, Case(sender: "x@foe.test", recipient: "u@nowhere.test",
                                       reply: "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"))
        }
    }

    @Test("empty or comment-only policy: everything allowed", arguments: Selection.with("empf"))
    func emptyPolicyAllowsAll(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        for policy in ["", "# nothing\n;\n\n"] {
            try await build.withControl(PolicyFixture.control(policy: policy)) {
                try Self.check(build, Case(sender: "x@foe.test", recipient: "u@rdom.test", reply: Self.allowed))
            }
        }
    }

    static let friendToRdom = ["HELO x\r\n", "MAIL FROM:<x@friend.test>\r\n", "RCPT TO:<u@rdom.test>\r\n"]

    @Test("a syntax error anywhere gives every recipient 454 broken policy, silently",
          arguments: Selection.with("empf"))
    func syntaxErrorIs454(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let errors = ["rdom.test:R\n", "rdom.test:X,\n", "rdom.test:R(*@x,\n", "rdom.test:R(),\n",
                      "rdom.test:R,joe\n", ":R,\n", "rdom.test R,\n", "rdom.test:R(a b),\n", "rdom.test:R,,\n"]
        for error in errors {
            try await build.withControl(PolicyFixture.control(policy: PolicyFixture.policy + error)) {
                let run = try ScriptedSession.run(build, Self.friendToRdom)
                #expect(run.replies[2] == Self.broken("u@rdom.test"), "\(error.debugDescription): \(run.replies)")
                #expect(run.stderr == "", "\(error.debugDescription)")
            }
        }
        try await build.withControl(PolicyFixture.control(policy: "rdom.test:R\n")) {
            let session = try ScriptedSession.run(build, [
                "HELO x\r\n", "MAIL FROM:<x@friend.test>\r\n", "RCPT TO:<u@rdom.test>\r\n", "RCPT TO:<v@plain.test>\r\n",
                "DATA\r\n",
            ])
            #expect(Array(session.replies[2...4]) == [Self.broken("u@rdom.test"), Self.broken("v@plain.test"),
                                                      "503 RCPT first (#5.5.1)"], session.log)
        }
    }

    @Test("an unreadable policy gives 454 broken policy", arguments: Selection.with("empf"))
    func unreadableIs454(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        // A directory: even root cannot read(2) it.
        try await build.withControl(["rcpthosts": PolicyFixture.rcpthosts, "policy/unreadable": ""]) {
            let run = try ScriptedSession.run(build, Self.friendToRdom)
            #expect(run.replies[2] == Self.broken("u@rdom.test"), "\(run.replies)")
            #expect(run.stderr == "")
        }
    }

    @Test("POLICY_DEBUG explains on stderr; without it qmail-smtpd says nothing there",
          arguments: Selection.with("empf"))
    func debugOnlyWhenAsked(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let foe = ["HELO x\r\n", "MAIL FROM:<x@foe.test>\r\n", "RCPT TO:<u@rdom.test>\r\n"]
        try await build.withControl(PolicyFixture.control()) {
            let debug = try ScriptedSession.run(build, environment: ["POLICY_DEBUG": ""], foe)
            #expect(debug.replies[2] == Self.denied("u@rdom.test"))
            #expect(debug.stderr.contains("refuses remote"), "\(debug.stderr.debugDescription)")
            for commands in [foe, Self.friendToRdom] {
                let quiet = try ScriptedSession.run(build, commands)
                #expect(quiet.replies.count == 3, "\(quiet.replies)")
                #expect(quiet.stderr == "", "\(quiet.stderr.debugDescription)")
            }
        }
        try await build.withControl(PolicyFixture.control(policy: "ok.test:R,\nrdom.test:R\n")) {
            let run = try ScriptedSession.run(build, environment: ["POLICY_DEBUG": "1"],
                                              ["HELO x\r\n", "MAIL FROM:<x@friend.test>\r\n", "RCPT TO:<u@plain.test>\r\n"])
            #expect(run.replies[2] == Self.broken("u@plain.test"))
            #expect(run.stderr.contains("line 2"), "\(run.stderr.debugDescription)")
        }
    }

    @Test("a recipient refused by policy is not in the envelope", arguments: Selection.with("empf"))
    func refusedNotInEnvelope(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let session = try await build.session(control: PolicyFixture.control(), [
            "HELO x\r\n", "MAIL FROM:<x@foe.test>\r\n", "RCPT TO:<u@rdom.test>\r\n", "RCPT TO:<v@open.test>\r\n",
            "DATA\r\n", "Subject: t\r\n\r\nhi\r\n.\r\n",
        ])
        #expect(Array(session.replies[2...4]) == [Self.denied("u@rdom.test"), "250 ok", "354 go ahead"], session.log)
        #expect(session.replies[5].hasPrefix("250 ok "), session.log)
        #expect(session.envelope == "Fx@foe.test\0Tv@open.test\0\0", session.log)
    }

    @Test("without empf control/policy is ignored, even a broken one", arguments: Selection.without("empf"))
    func withoutFeaturePolicyIgnored(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        for policy in [PolicyFixture.policy, "rdom.test:R\n"] {
            try await build.withControl(PolicyFixture.control(policy: policy)) {
                try Self.check(build, Case(sender: "x@foe.test", recipient: "u@rdom.test", reply: Self.allowed))
                try Self.check(build, Case(sender: "a@open.test", recipient: "b@open.test", reply: Self.allowed))
                let run = try ScriptedSession.run(build, environment: ["POLICY_DEBUG": "1"], Self.friendToRdom)
                #expect(run.replies[2] == Self.allowed)
                #expect(run.stderr == "")
            }
        }
    }
}
