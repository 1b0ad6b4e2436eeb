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
            // rdom.test:E(patterns)e, the recipient's side: from outside only friend.test and its subdomains
            Case(sender: "x@friend.test", recipient: "u@rdom.test", reply: Self.allowed),
            Case(sender: "X@Sub.Friend.TEST", recipient: "u@RDOM.test", reply: Self.allowed),
            Case(sender: "x@foe.test", recipient: "u@rdom.test", reply: Self.denied("u@rdom.test")),
            Case(sender: "x@friend.test.evil", recipient: "u@rdom.test", reply: Self.denied("u@rdom.test")),
            Case(sender: "", recipient: "u@rdom.test", reply: Self.denied("u@rdom.test")),
            // ldom.test:i,boss:I, the recipient's side: ldom users take nothing from ldom, boss does
            Case(sender: "a@ldom.test", recipient: "b@ldom.test", reply: Self.denied("b@ldom.test"),
                 environment: Self.relayClient),
            Case(sender: "a@ldom.test", recipient: "boss@ldom.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "a@ldom.test", recipient: "BOSS@ldom.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "boss@ldom.test", recipient: "b@ldom.test", reply: Self.denied("b@ldom.test"),
                 environment: Self.relayClient),
            Case(sender: "x@foe.test", recipient: "b@ldom.test", reply: Self.allowed),
            Case(sender: "a@ldom.test", recipient: "z@remote.test", reply: Self.allowed, environment: Self.relayClient),
            // idom.test:lIE,chief:L, the sender's side: idom users may not send within idom, chief may
            Case(sender: "a@idom.test", recipient: "b@idom.test", reply: Self.denied("b@idom.test"),
                 environment: Self.relayClient),
            Case(sender: "chief@idom.test", recipient: "b@idom.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "a@idom.test", recipient: "chief@idom.test", reply: Self.denied("chief@idom.test"),
                 environment: Self.relayClient),
            Case(sender: "a@idom.test", recipient: "z@plain.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "x@foe.test", recipient: "b@idom.test", reply: Self.allowed),
            // edom.test:r,joe:R(*@partner.test), the sender's side: nobody sends out but joe, to partner.test
            Case(sender: "a@edom.test", recipient: "z@remote.test", reply: Self.denied("z@remote.test"),
                 environment: Self.relayClient),
            Case(sender: "joe@edom.test", recipient: "z@partner.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "joe@edom.test", recipient: "z@PARTNER.test", reply: Self.allowed, environment: Self.relayClient),
            Case(sender: "joe@edom.test", recipient: "z@other.test", reply: Self.denied("z@other.test"),
                 environment: Self.relayClient),
            Case(sender: "a@edom.test", recipient: "b@edom.test", reply: Self.allowed, environment: Self.relayClient),
            // r is about sending: outsiders may still write to edom.test
            Case(sender: "x@foe.test", recipient: "b@edom.test", reply: Self.allowed),
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
        let control = PolicyFixture.control(policy: "qdom.test:E(?@friend.test,a*z@foe.test)e,\n",
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
            #expect(debug.stderr.contains("recipient refuses senders of other domains"), "\(debug.stderr.debugDescription)")
            for commands in [foe, Self.friendToRdom] {
                let quiet = try ScriptedSession.run(build, commands)
                #expect(quiet.replies.count == 3, "\(quiet.replies)")
                #expect(quiet.stderr == "", "\(quiet.stderr.debugDescription)")
            }
        }
        try await build.withControl(PolicyFixture.control(policy: "ok.test:E,\nrdom.test:E\n")) {
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

    // MARK: - docs/empf.md's worked examples and the direction of the letters

    /// Who the client is for a worked-example case: nobody in particular, a client the
    /// build trusts through RELAYCLIENT, or (builds with auth) one that did AUTH as `user`.
    enum Client: Sendable, CustomStringConvertible {
        case untrusted
        case relayClient
        case authenticated(String)

        var description: String {
            switch self {
            case .untrusted: "untrusted"
            case .relayClient: "RELAYCLIENT"
            case let .authenticated(user): "AUTH \(user)"
            }
        }
    }

    /// One row of a worked example: `sender` (the envelope) → `recipient` from `client`, allowed or 550.
    struct Example: Sendable {
        var policy: String
        var sender: String
        var recipient: String
        var client: Client
        var allowed: Bool
    }

    /// EHLO, AUTH if the client authenticates, MAIL FROM:<sender>, RCPT TO:<recipient>;
    /// expects 250 or the 550 of the policy. Call inside withControl.
    static func check(_ build: PatchedBuild, _ example: Example) throws {
        var commands = ["EHLO x\r\n"]
        var environment: [String: String?] = [:]
        var arguments: [String] = []
        switch example.client {
        case .untrusted: break
        case .relayClient: environment = relayClient
        case let .authenticated(user):
            arguments = AnyUserCheckpassword.arguments
            environment = AnyUserCheckpassword.environment
            commands.append(AnyUserCheckpassword.plain(user))
        }
        commands += ["MAIL FROM:<\(example.sender)>\r\n", "RCPT TO:<\(example.recipient)>\r\n"]
        let session = try ScriptedSession.run(build, arguments: arguments, environment: environment, commands)
        let what = "\(example.policy.debugDescription) \(example.client): \(example.sender) → \(example.recipient)"
        if case .authenticated = example.client {
            #expect(session.replies[1] == "235 ok, go ahead (#2.0.0)", "\(what)\n\(session.log)")
        }
        #expect(session.replies[session.replies.count - 2] == "250 ok", "\(what)\n\(session.log)")
        #expect(session.replies.last == (example.allowed ? allowed : denied(example.recipient)), "\(what)\n\(session.log)")
    }

    /// The worked examples of docs/empf.md, in every direction, with `inside` as the way an
    /// example.com sender is trusted (RELAYCLIENT, or AUTH as that sender).
    static func workedExamples(inside: (String) -> Client) -> [Example] {
        typealias W = PolicyFixture.Worked
        func row(_ policy: String, _ sender: String, _ recipient: String, _ allowed: Bool) -> Example {
            let client = sender.lowercased().hasSuffix("@example.com") ? inside(sender) : .untrusted
            return Example(policy: policy, sender: sender, recipient: recipient, client: client, allowed: allowed)
        }
        return [
            // example.com:LIre, users mail each other, not out; outsiders not in
            row(W.closed, "x@example.com", "y@example.com", true),
            row(W.closed, "x@example.com", "a@other.test", false),
            row(W.closed, "a@other.test", "x@example.com", false),
            row(W.closed, "a@example.org", "x@example.com", false),
            // example.com:LIRe, users send anywhere; only example.com senders reach them
            row(W.sendOut, "x@example.com", "y@example.com", true),
            row(W.sendOut, "x@example.com", "a@other.test", true),
            row(W.sendOut, "a@other.test", "x@example.com", false),
            // example.com:LIre,sales:RE, sales may send out and receive from outside
            row(W.sales, "sales@example.com", "a@other.test", true),
            row(W.sales, "SALES@Example.COM", "a@other.test", true),
            row(W.sales, "a@other.test", "sales@example.com", true),
            row(W.sales, "sales@example.com", "x@example.com", true),
            row(W.sales, "x@example.com", "sales@example.com", true),
            row(W.sales, "x@example.com", "a@other.test", false),
            row(W.sales, "a@other.test", "x@example.com", false),
            // example.com:LIre,tasks:R(*@example.org)E(*@example.org), tasks exchanges mail with example.org only
            row(W.tasks, "tasks@example.com", "a@example.org", true),
            row(W.tasks, "tasks@example.com", "a@EXAMPLE.ORG", true),
            row(W.tasks, "a@example.org", "tasks@example.com", true),
            row(W.tasks, "A@Example.Org", "tasks@example.com", true),
            row(W.tasks, "tasks@example.com", "x@example.com", true),
            row(W.tasks, "x@example.com", "tasks@example.com", true),
            row(W.tasks, "tasks@example.com", "a@other.test", false),
            row(W.tasks, "tasks@example.com", "a@sub.example.org", false),
            row(W.tasks, "a@other.test", "tasks@example.com", false),
            row(W.tasks, "x@example.com", "a@example.org", false),
            row(W.tasks, "a@example.org", "x@example.com", false),
        ]
    }

    /// Runs `examples`, grouped by policy so each policy file is written once.
    static func run(_ build: PatchedBuild, _ examples: [Example],
                    rcpthosts: String = PolicyFixture.Worked.rcpthosts) async throws {
        var policies: [String] = []
        for example in examples where !policies.contains(example.policy) { policies.append(example.policy) }
        for policy in policies {
            try await build.withControl(PolicyFixture.control(policy: policy, rcpthosts: rcpthosts)) {
                for example in examples where example.policy == policy { try check(build, example) }
            }
        }
    }

    @Test("docs/empf.md's worked examples hold inside→inside, inside→outside and outside→inside (RELAYCLIENT trust)",
          arguments: Selection.with("empf"))
    func workedExamples(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await Self.run(build, Self.workedExamples(inside: { _ in .relayClient }))
    }

    @Test("docs/empf.md's worked examples hold for authenticated example.com users",
          checkpasswordTool, arguments: Selection.with("empf").filter { $0.contains("auth") })
    func workedExamplesAuthenticated(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        try await Self.run(build, Self.workedExamples(inside: { .authenticated($0) }))
    }

    @Test("L and R are read only from the sender's line, I and E only from the recipient's",
          arguments: Selection.with("empf"))
    func lettersAreReadFromTheirSide(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        func row(_ policy: String, _ sender: String, _ recipient: String, _ allowed: Bool) -> Example {
            Example(policy: policy, sender: sender, recipient: recipient,
                    client: sender.hasSuffix("@example.com") ? .relayClient : .untrusted, allowed: allowed)
        }
        let examples = [
            // r and l are about sending: on the recipient's line they refuse nothing
            row("example.com:r,\n", "a@other.test", "x@example.com", true),
            row("example.com:rl,\nother.test:LR,\n", "a@other.test", "x@example.com", true),
            // e and i are about receiving: on the sender's line they refuse nothing
            row("example.com:e,\n", "x@example.com", "a@other.test", true),
            row("example.com:ei,\nother.test:IE,\n", "x@example.com", "a@other.test", true),
            // each on its own side refuses
            row("example.com:r,\n", "x@example.com", "a@other.test", false),
            row("example.com:e,\n", "a@other.test", "x@example.com", false),
            // within one domain both lines are that domain's: l (sending) and i (receiving) each refuse
            row("example.com:l,\n", "x@example.com", "y@example.com", false),
            row("example.com:i,\n", "x@example.com", "y@example.com", false),
            row("example.com:LI,\n", "x@example.com", "y@example.com", true),
            // both sides must allow: the sender may send out, the outside recipient's line decides
            row("example.com:R,\nother.test:e,\n", "x@example.com", "a@other.test", false),
            row("example.com:r,\nother.test:E,\n", "x@example.com", "a@other.test", false),
            row("example.com:R,\nother.test:E,\n", "x@example.com", "a@other.test", true),
            // a domain this host serves too is still another domain
            row("example.com:LIre,\n", "x@example.com", "y@example.net", false),
            row("example.com:LIre,\n", "a@example.net", "x@example.com", false),
        ]
        try await Self.run(build, examples, rcpthosts: "example.com\nexample.net\n")
    }

    @Test("user elements with pattern lists are read first; the domain decides what they do not cover",
          arguments: Selection.with("empf"))
    func usersWithPatternLists(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let policy = "example.com:LRIE,ceo:r(*@rival.test,*@*.rival.test)e(*@rival.test),"
            + "intern:R(*@partner.test)r,vip:E(?@boss.test)e,\n"
        func row(_ sender: String, _ recipient: String, _ allowed: Bool) -> Example {
            Example(policy: policy, sender: sender, recipient: recipient,
                    client: sender.hasSuffix("@example.com") ? .relayClient : .untrusted, allowed: allowed)
        }
        try await Self.run(build, [
            row("ceo@example.com", "a@rival.test", false),
            row("CEO@example.com", "a@Mail.Rival.Test", false),
            row("ceo@example.com", "a@partner.test", true),
            row("a@rival.test", "ceo@example.com", false),
            row("a@mail.rival.test", "ceo@example.com", true),
            row("intern@example.com", "a@partner.test", true),
            row("intern@example.com", "a@PARTNER.TEST", true),
            row("intern@example.com", "a@other.test", false),
            row("intern@example.com", "x@example.com", true),
            row("a@other.test", "intern@example.com", true),
            row("x@example.com", "a@rival.test", true),
            row("a@boss.test", "vip@example.com", true),
            row("ab@boss.test", "vip@example.com", false),
            row("vip@example.com", "ab@boss.test", true),
        ])
    }

    @Test("enforce authentication: only a trusted client may claim a local domain that has a policy",
          arguments: Selection.with("empf"))
    func enforceAuthentication(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let everything = "example.com:LRIE,\nmx.example.net:LRIE,\npartner.test:LRIE,\n"
        let rcpthosts = "example.com\n.example.net\nplain.test\n"
        let cases: [(sender: String, client: Client, allowed: Bool)] = [
            ("x@example.com", .untrusted, false),
            ("X@EXAMPLE.COM", .untrusted, false),
            ("x@example.com", .relayClient, true),
            // local through a .example.net line of rcpthosts
            ("a@mx.example.net", .untrusted, false),
            ("a@mx.example.net", .relayClient, true),
            // a policy but not local: anyone may claim it
            ("a@partner.test", .untrusted, true),
            // local but without a policy: stock rules
            ("a@plain.test", .untrusted, true),
            ("a@other.test", .untrusted, true),
        ]
        try await build.withControl(PolicyFixture.control(policy: everything, rcpthosts: rcpthosts)) {
            for (sender, client, allowed) in cases {
                try Self.check(build, Example(policy: everything, sender: sender, recipient: "y@example.com",
                                              client: client, allowed: allowed))
            }
        }
    }

    @Test("with auth, enforce authentication means AUTH (or RELAYCLIENT), and the identity is the AUTH user",
          checkpasswordTool, arguments: Selection.with("empf").filter { $0.contains("auth") })
    func enforceAuthenticationWithAuth(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        let policy = PolicyFixture.Worked.closed
        try await build.withControl(PolicyFixture.control(policy: policy, rcpthosts: PolicyFixture.Worked.rcpthosts)) {
            for example in [
                Example(policy: policy, sender: "x@example.com", recipient: "y@example.com", client: .untrusted, allowed: false),
                Example(policy: policy, sender: "x@example.com", recipient: "y@example.com",
                        client: .authenticated("x@example.com"), allowed: true),
                // the envelope does not matter once authenticated: x@example.com is the sender
                Example(policy: policy, sender: "a@other.test", recipient: "y@example.com",
                        client: .authenticated("x@example.com"), allowed: true),
                Example(policy: policy, sender: "x@example.com", recipient: "a@other.test",
                        client: .authenticated("x@example.com"), allowed: false),
                // an outsider who authenticates is still an outsider to example.com
                Example(policy: policy, sender: "x@example.com", recipient: "y@example.com",
                        client: .authenticated("a@other.test"), allowed: false),
            ] {
                try Self.check(build, example)
            }
        }
    }

    @Test("badmailfrom and the relay check come before the policy: 553, not 550", arguments: Selection.with("empf"))
    func badmailfromAndRelayBeforePolicy(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        var control = PolicyFixture.control(policy: "other.test:r,\nexample.com:e,\n", rcpthosts: "example.com\n")
        control["badmailfrom"] = "a@other.test\n"
        let session = try await build.session(control: control, [
            "HELO x\r\n", "MAIL FROM:<a@other.test>\r\n", "RCPT TO:<x@example.com>\r\n",
            "MAIL FROM:<b@other.test>\r\n", "RCPT TO:<x@third.test>\r\n", "RCPT TO:<x@example.com>\r\n",
        ])
        #expect(Array(session.replies[2...5]) == [
            "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)", "250 ok",
            "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", Self.denied("x@example.com"),
        ], session.log)
    }

    @Test("550 and 454 echo the address with every byte outside printable ASCII as ?",
          arguments: Selection.with("empf"))
    func repliesEchoOnlyPrintableASCII(features: [String]) async throws {
        let build = try PatchedBuild.sandbox(features: features)
        // address bytes (between RCPT TO:< and @example.com) → what the reply shows
        let cases: [([UInt8], String)] = [
            (Array("u\rv".utf8), "u?v"),
            (Array("u\tv".utf8), "u?v"),
            ([0x75, 0x7f, 0x76, 0x01, 0x1b], "u?v??"),
            ([0x75, 0xc3, 0xa9, 0xff, 0x80, 0x76], "u????v"),
            (Array("~u v!".utf8), "~u v!"),
        ]
        for (policy, reply) in [("example.com:e,\n", Self.denied), ("example.com:e\n", Self.broken)] {
            try await build.withControl(PolicyFixture.control(policy: policy, rcpthosts: "example.com\n")) {
                let connection = try SMTPDConnection(build)
                connection.expectGreeting()
                connection.expect("HELO x\r\n", lines: ["250 \(PatchedBuild.greeting)"])
                connection.expect("MAIL FROM:<a@other.test>\r\n", lines: ["250 ok"])
                for (local, shown) in cases {
                    connection.send(bytes: Array("RCPT TO:<".utf8) + local + Array("@example.com>\r\n".utf8))
                    #expect(connection.readReply() == [reply(shown + "@example.com")],
                            "\(local) \(policy.debugDescription)\n\(connection.log)")
                }
                connection.expectQuit()
            }
        }
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
