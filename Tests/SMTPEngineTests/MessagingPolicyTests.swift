import Testing
import SMTPEngine

/// The empf feature: control/policy grammar and the 550/454 replies at RCPT.
struct MessagingPolicyTests {
    static let policyText = """
    # comment
    ; another comment

    example.org:LrIe,boss:LRIE,intern:I(x@example.org)i(*@example.org)E,temp:i,
    example.net:lR(*@partner.test)e,
    """

    static func configuration(_ text: String? = policyText, environment: [String: String] = [:],
                              features: Features = [.empf, .auth]) -> SessionConfiguration {
        var environment = environment
        environment["SMTPAUTH"] = ""
        environment["AUTHSLEEP"] = "0"
        return testConfiguration(features: features, environment: environment) {
            $0.policy = text.map { .text(Array($0.utf8)) } ?? .absent
            $0.checkProgram = AuthTests.checkProgram
        }
    }

    /// RCPT replies for a transaction, optionally after AUTH as `user`.
    func replies(from sender: String, to recipients: [String], authAs user: String? = nil,
                 configuration: SessionConfiguration = configuration()) -> String {
        var input = ""
        if let user {
            input += "AUTH PLAIN " + String(decoding: Base64Encoder.encode(Array("\0\(user)\0pw".utf8)), as: UTF8.self) + "\r\n"
        }
        input += "MAIL FROM:<\(sender)>\r\n" + recipients.map { "RCPT TO:<\($0)>\r\n" }.joined()
        let driver = converse(input, configuration: configuration) { $0.checkResult = { _ in .exited(0) } }
        var text = driver.replyText.dropFirst(greetingLine.count)
        if user != nil { text = text.dropFirst("235 ok, go ahead (#2.0.0)\r\n".count) }
        return String(text.dropFirst("250 ok\r\n".count))
    }

    static func denied(_ address: String) -> String { "550 cannot message \(address) (#5.0.0 denied by policy)\r\n" }

    @Test func localSenderMustAuthenticate() {
        #expect(replies(from: "joe@example.org", to: ["ann@example.org"]) == Self.denied("ann@example.org"))
        #expect(replies(from: "x@y.test", to: ["ann@example.org"], authAs: "joe@example.org") == "250 ok\r\n")
    }

    @Test func senderSideInternalExternal() {
        // Default example.org policy: I allows internal, e denies external recipients.
        #expect(replies(from: "x", to: ["ann@example.org", "far@elsewhere.test"], authAs: "joe@example.org")
            == "250 ok\r\n" + Self.denied("far@elsewhere.test"))
        // boss may message anyone.
        #expect(replies(from: "x", to: ["far@elsewhere.test"], authAs: "BOSS@example.org") == "250 ok\r\n")
        // intern: internal denied except x@example.org (the first applicable letter
        // decides); external allowed by the user's own E.
        #expect(replies(from: "x", to: ["ann@example.org", "X@example.org", "far@elsewhere.test"], authAs: "intern@example.org")
            == Self.denied("ann@example.org") + "250 ok\r\n250 ok\r\n")
        // temp has no external letter of its own: the domain's e decides.
        #expect(replies(from: "x", to: ["ann@example.org", "far@elsewhere.test"], authAs: "temp@example.org")
            == Self.denied("ann@example.org") + Self.denied("far@elsewhere.test"))
    }

    @Test func theFirstApplicableLetterDecides() {
        let denyFirst = Self.configuration("sub.example.net:rR(*@partner.test),\n")
        #expect(replies(from: "a@partner.test", to: ["u@sub.example.net"], configuration: denyFirst)
            == Self.denied("u@sub.example.net"))
        let allowFirst = Self.configuration("sub.example.net:R(*@partner.test)r,\n")
        #expect(replies(from: "a@partner.test", to: ["u@sub.example.net"], configuration: allowFirst) == "250 ok\r\n")
        #expect(replies(from: "a@other.test", to: ["u@sub.example.net"], configuration: allowFirst)
            == Self.denied("u@sub.example.net"))
    }

    @Test func recipientSideLocalRemote() {
        // example.org users refuse remote senders (r).
        #expect(replies(from: "spam@elsewhere.test", to: ["ann@example.org", "boss@example.org"])
            == Self.denied("ann@example.org") + "250 ok\r\n")
        // example.net: remote senders refused except partner.test.
        #expect(replies(from: "a@partner.test", to: ["u@sub.example.net"], configuration: Self.configuration(
            "sub.example.net:lR(*@partner.test),\n")) == "250 ok\r\n")
    }

    @Test func policyRunsAfterTheRelayCheck() {
        #expect(replies(from: "a@b.test", to: ["u@unlisted.test"], configuration: Self.configuration("unlisted.test:r,\n"))
            == "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n")
    }

    static let brokenPolicies = [
        "example.org:LRIE\n", "example.org:X,\n", "example.org LR,\n", ":LR,\n", "example.org:L(,\n",
        "example.org:L(),\n", "example.org:LR,\nexample.org:LR,\n", "example.org:LR,joe:LR\n", "example.org",
    ]

    @Test(arguments: brokenPolicies)
    func brokenPolicyRefusesTemporarily(_ text: String) {
        #expect(replies(from: "a@b.test", to: ["ann@example.org"], configuration: Self.configuration(text))
            == "454 cannot message ann@example.org (#4.3.0 broken policy)\r\n")
    }

    @Test func unreadablePolicy() {
        let configuration = testConfiguration(features: [.empf]) { $0.policy = .unreadable }
        #expect(replies(from: "a@b.test", to: ["ann@example.org"], configuration: configuration)
            == "454 cannot message ann@example.org (#4.3.0 broken policy)\r\n")
    }

    @Test func absentPolicyOrFeatureAllowsEverything() {
        #expect(replies(from: "joe@example.org", to: ["ann@example.org"], configuration: Self.configuration(nil)) == "250 ok\r\n")
        #expect(replies(from: "joe@example.org", to: ["ann@example.org"], configuration: Self.configuration(features: [.auth]))
            == "250 ok\r\n")
    }

    @Test func mailAuthParameterIsNotAnIdentity() {
        let driver = converse("MAIL FROM:<joe@example.org> AUTH=joe@example.org\r\nRCPT TO:<ann@example.org>\r\n",
                              configuration: Self.configuration())
        #expect(driver.replyText.hasSuffix(Self.denied("ann@example.org")))
    }

    @Test func debugDiagnosticsOnlyWithPolicyDebug() {
        let quiet = converse("MAIL FROM:<joe@example.org>\r\nRCPT TO:<ann@example.org>\r\n", configuration: Self.configuration())
        #expect(quiet.diagnostics.isEmpty)
        let loud = converse("MAIL FROM:<joe@example.org>\r\nRCPT TO:<ann@example.org>\r\n",
                            configuration: Self.configuration(environment: ["POLICY_DEBUG": "1"]))
        #expect(loud.diagnostics == ["policy: joe@example.org -> ann@example.org: denied"])
    }

    @Test func syntaxErrorNamesTheLine() {
        let error = #expect(throws: MessagingPolicy.SyntaxError.self) {
            try MessagingPolicy(parsing: Array("# ok\nexample.org:Q,\n".utf8))
        }
        #expect(error?.description == "control/policy line 2: unknown policy letter 'Q'")
    }
}
