import Testing
import TestSupport
import SMTPEngine

/// The empf feature: control/policy grammar and the 550/454 replies at RCPT.
@Suite(.ownThread)
struct MessagingPolicyTests {
    static let policyText = """
    # comment
    ; another comment

    example.org:LrIe,boss:LRIE,
    example.net:lR(*@partner.test)e,
    """

    static func configuration(_ text: String? = policyText, environment: [String: String] = [:],
                              features: Features = [.empf, .auth], rcpthosts: [String]? = nil) -> SessionConfiguration {
        var environment = environment
        environment["SMTPAUTH"] = ""
        environment["AUTHSLEEP"] = "0"
        return testConfiguration(features: features, environment: environment,
                                 rcpthosts: rcpthosts ?? ["example.org", ".example.net", "mail.example.org"]) {
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

    /// One message of a worked example: who sends (authenticated as itself when
    /// `trusted`), to whom, and whether eMPF lets it through.
    struct Direction: Sendable, CustomTestStringConvertible {
        var sender: String
        var recipient: String
        var allowed: Bool
        var testDescription: String { "\(sender) -> \(recipient): \(allowed ? "allowed" : "denied")" }
    }

    /// docs/empf.md#examples: each policy in the three directions, inside → outside,
    /// outside → inside and inside → inside (senders of example.com authenticate).
    static let workedExamples: [(policy: String, directions: [Direction])] = [
        ("example.com:LIre,", [
            Direction(sender: "x@example.com", recipient: "a@other.test", allowed: false),
            Direction(sender: "a@other.test", recipient: "x@example.com", allowed: false),
            Direction(sender: "x@example.com", recipient: "y@example.com", allowed: true),
        ]),
        ("example.com:LIRe,", [
            Direction(sender: "x@example.com", recipient: "a@other.test", allowed: true),
            Direction(sender: "a@other.test", recipient: "x@example.com", allowed: false),
            Direction(sender: "x@example.com", recipient: "y@example.com", allowed: true),
        ]),
        ("example.com:LIre,sales:RE,", [
            Direction(sender: "x@example.com", recipient: "a@other.test", allowed: false),
            Direction(sender: "sales@example.com", recipient: "a@other.test", allowed: true),
            Direction(sender: "a@other.test", recipient: "x@example.com", allowed: false),
            Direction(sender: "a@other.test", recipient: "SALES@example.com", allowed: true),
            Direction(sender: "sales@example.com", recipient: "y@example.com", allowed: true),
        ]),
        ("example.com:LIre,tasks:R(*@example.org)E(*@example.org),", [
            Direction(sender: "tasks@example.com", recipient: "a@example.org", allowed: true),
            Direction(sender: "tasks@example.com", recipient: "a@other.test", allowed: false),
            Direction(sender: "a@example.org", recipient: "tasks@example.com", allowed: true),
            Direction(sender: "a@other.test", recipient: "tasks@example.com", allowed: false),
            Direction(sender: "x@example.com", recipient: "tasks@example.com", allowed: true),
        ]),
    ]

    static var workedExampleCases: [(String, Direction)] {
        workedExamples.flatMap { example in example.directions.map { (example.policy, $0) } }
    }

    @Test(arguments: workedExampleCases)
    func workedExample(policy: String, direction: Direction) {
        let configuration = Self.configuration(policy + "\n", environment: [:], rcpthosts: ["example.com", "example.org"])
        let local = direction.sender.hasSuffix("@example.com")
        let reply = replies(from: direction.sender, to: [direction.recipient], authAs: local ? direction.sender : nil,
                            configuration: configuration)
        #expect(reply == (direction.allowed ? "250 ok\r\n" : Self.denied(direction.recipient)), "\(policy)")
    }

    @Test func localSenderMustBeTrusted() {
        let configuration = Self.configuration("example.com:LIRE,\n", rcpthosts: ["example.com"])
        #expect(replies(from: "joe@example.com", to: ["ann@example.com"], configuration: configuration)
            == Self.denied("ann@example.com"))
        #expect(replies(from: "x@y.test", to: ["ann@example.com"], authAs: "joe@example.com", configuration: configuration)
            == "250 ok\r\n")
        // RELAYCLIENT trusts the client as AUTH does (what empf.patch does without auth).
        let relaying = Self.configuration("example.com:LIRE,\n", environment: ["RELAYCLIENT": ""], rcpthosts: ["example.com"])
        #expect(replies(from: "joe@example.com", to: ["ann@example.com"], configuration: relaying) == "250 ok\r\n")
        // A policy domain that is not ours can be claimed by anyone; its letters still apply.
        let foreign = Self.configuration("far.test:r,\n", rcpthosts: ["example.com"])
        #expect(replies(from: "a@far.test", to: ["ann@example.com"], configuration: foreign) == Self.denied("ann@example.com"))
    }

    /// Without control/rcpthosts every domain is accepted, so every policy domain is one
    /// of ours and needs a trusted client (as policy.c asks rcpthosts()).
    @Test func withoutRcpthostsEveryPolicyDomainIsLocal() {
        let open = testConfiguration(features: [.empf], rcpthosts: nil) {
            $0.policy = .text(Array("far.test:LR,\n".utf8))
        }
        #expect(replies(from: "a@far.test", to: ["b@far.test", "ann@example.com"], configuration: open)
            == Self.denied("b@far.test") + Self.denied("ann@example.com"))
        var trusted = open
        trusted.environment = SessionEnvironment(["RELAYCLIENT": ""])
        #expect(replies(from: "a@far.test", to: ["b@far.test"], configuration: trusted) == "250 ok\r\n")
    }

    @Test func userLettersFirstThenTheDomains() {
        // intern: receives from within only from x@example.com (the first covering letter decides);
        // temp has no E of its own: the domain's e decides.
        let configuration = Self.configuration("example.com:LRIe,intern:I(x@example.com)i,temp:L,\n",
                                               rcpthosts: ["example.com"])
        #expect(replies(from: "x", to: ["intern@example.com", "ann@example.com"], authAs: "X@example.com",
                        configuration: configuration) == "250 ok\r\n250 ok\r\n")
        #expect(replies(from: "x", to: ["intern@example.com"], authAs: "joe@example.com", configuration: configuration)
            == Self.denied("intern@example.com"))
        #expect(replies(from: "a@other.test", to: ["temp@example.com"], configuration: configuration)
            == Self.denied("temp@example.com"))
    }

    @Test func theFirstApplicableLetterDecides() {
        let denyFirst = Self.configuration("sub.example.net:eE(*@partner.test),\n")
        #expect(replies(from: "a@partner.test", to: ["u@sub.example.net"], configuration: denyFirst)
            == Self.denied("u@sub.example.net"))
        let allowFirst = Self.configuration("sub.example.net:E(*@partner.test)e,\n")
        #expect(replies(from: "a@partner.test", to: ["u@sub.example.net"], configuration: allowFirst) == "250 ok\r\n")
        #expect(replies(from: "a@other.test", to: ["u@sub.example.net"], configuration: allowFirst)
            == Self.denied("u@sub.example.net"))
    }

    @Test func theEchoedAddressIsPrintableASCII() {
        let configuration = Self.configuration("example.com:e,\n", rcpthosts: ["example.com"])
        #expect(replies(from: "a@other.test", to: ["u\rx\u{01}\u{7f}é@example.com"], configuration: configuration)
            == Self.denied("u?x????@example.com"))
    }

    @Test func policyRunsAfterTheRelayCheck() {
        #expect(replies(from: "a@b.test", to: ["u@unlisted.test"], configuration: Self.configuration("unlisted.test:r,\n"))
            == "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n")
    }

    static let brokenPolicies = [
        "example.org:LRIE\n", "example.org:X,\n", "example.org LR,\n", ":LR,\n", "example.org:L(,\n",
        "example.org:L(),\n", "example.org:LR,joe:LR\n", "example.org", "example.org:E(a\t@b.test),\n",
    ]

    @Test(arguments: brokenPolicies)
    func brokenPolicyRefusesTemporarily(_ text: String) {
        #expect(replies(from: "a@b.test", to: ["ann@example.org"], configuration: Self.configuration(text))
            == "454 cannot message ann@example.org (#4.3.0 broken policy)\r\n")
    }

    @Test func aDomainOrUserListedTwiceCountsOnce() {
        let configuration = Self.configuration("example.com:E,joe:e,joe:E,\nexample.com:e,\n", rcpthosts: ["example.com"])
        #expect(replies(from: "a@other.test", to: ["ann@example.com", "joe@example.com"], configuration: configuration)
            == "250 ok\r\n" + Self.denied("joe@example.com"))
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
