import Conformance
import SMTPEngine
import Testing
import TestSupport

/// The directives for TLS offers, time and connections: how they parse, and
/// what they check on the reference engine, whose clock is virtual (no test
/// here waits in real time).
@Suite(.ownThread) struct ScenarioDirectiveTests {
    private func scenario(_ text: String) throws -> Scenario {
        try #require(try ScenarioParser.parse(Array(text.utf8), file: "t.scn").first)
    }

    private func run(_ text: String, features: Features = .all) throws -> ScenarioResult {
        ScenarioRunner(replyTimeout: 0, exitTimeout: 0).run(try scenario(text), on: ReferenceTarget(features: features))
    }

    @Test func parsesOffersTimesAndReconnects() throws {
        let parsed = try scenario("""
            name: x
            pki: servercert.pem=server
            stderr: empty
            tls: relay-rsa min=1.2 max=1.3 ciphers=ECDHE-RSA-AES128-GCM-SHA256
            tls-refused: max=1.0
            silence: 1.5
            within: 3
            < 220 x
            reconnect
            pki: clientcrl.pem=crl
            control: tlsclients=relay@example.org
            eof
            """)
        #expect(parsed.steps.map(\.kind) == [
            .startTLS(TLSOffer(certificate: "relay-rsa", minimumVersion: .tls12, maximumVersion: .tls13,
                               ciphers: "ECDHE-RSA-AES128-GCM-SHA256")),
            .refusedTLS(TLSOffer(maximumVersion: .tls10)),
            .silence(seconds: 1.5), .within(seconds: 3), .expect(.exact(Array("220 x".utf8))),
            .reconnect(controls: ["clientcrl.pem": .certificate("crl"), "tlsclients": .contents(Array("relay@example.org\n".utf8))]),
            .expectEOF,
        ])
        #expect(parsed.controls == ["servercert.pem": .certificate("server")], "lines after reconnect change only later connections")
        #expect(parsed.stderr == .exact([]))
        #expect(try scenario("name: x\nstderr: ~ ^policy\neof").stderr == .regex("^policy"))
    }

    @Test(arguments: ["tls: max=1.4", "tls: relay relay", "tls: ciphers=", "tls-refused: now",
                      "silence: 0", "silence: 61", "within: soon"])
    func refusesMalformedDirectives(_ line: String) {
        let error = scenarioParseError("name: x\n\(line)\neof\n")
        #expect(error?.line == 2, "\(line)")
    }

    @Test func authPauseIsMeasured() throws {
        let dialogue = """
            features: auth
            args: checkpassword
            env: SMTPAUTH=
            env: AUTHSLEEP=2
            < 220 mail.example.org ESMTP
            > AUTH PLAIN AGFsaWNlAHdyb25n
            """
        let answer = "within: 3\n< 535 authentication failed (#5.7.1)\n"
        #expect(try run("name: pause\n" + dialogue + "\nsilence: 1.9\n" + answer, features: [.auth]).passed)
        let early = try run("name: pause\n" + dialogue + "\nsilence: 2.1\n" + answer, features: [.auth])
        #expect(early.violation?.message.hasPrefix("expected 2.1 s of silence, got '535 ") == true, "\(String(describing: early.violation))")
        let late = try run("name: pause\n" + dialogue + "\nwithin: 1.5\n< 535 authentication failed (#5.7.1)\n", features: [.auth])
        #expect(late.violation?.message.contains("no reply came within 1.5 s") == true, "\(String(describing: late.violation))")
    }

    /// A build that always pauses 5 s (AUTHSLEEP ignored) must fail only
    /// the scenarios about the pause, so the runner's reply wait is longer.
    @Test func defaultReplyWaitOutlastsTheDefaultAuthPause() throws {
        let pause = try scenario("""
            name: default-pause
            features: auth
            args: checkpassword
            env: SMTPAUTH=
            env: -AUTHSLEEP
            < 220 mail.example.org ESMTP
            > AUTH PLAIN AGFsaWNlAHdyb25n
            < 535 authentication failed (#5.7.1)
            """)
        #expect(ScenarioRunner().replyTimeout > 5)
        #expect(ScenarioRunner().run(pause, on: ReferenceTarget(features: [.auth])).passed)
        #expect(!ScenarioRunner(replyTimeout: 4.9).run(pause, on: ReferenceTarget(features: [.auth])).passed)
    }

    @Test func timeoutsmtpdEndsAnIdleSessionAndAWaitingHandshake() throws {
        let idle = """
            name: idle
            control: timeoutsmtpd=2
            < 220 mail.example.org ESMTP
            silence: 1.5
            within: 1
            < 451 timeout (#4.4.2)
            eof
            """
        #expect(try run(idle, features: []).passed)
        #expect(try run(idle.replacingOccurrences(of: "silence: 1.5", with: "silence: 2.5"), features: []).passed == false)
        let handshake = """
            name: handshake
            features: tls
            control: timeoutsmtpd=1
            pki: servercert.pem=server
            < 220 mail.example.org ESMTP
            > STARTTLS
            < 220 ready for tls
            within: 2
            < 454 TLS connection failed: timeout (#4.3.0)
            eof
            """
        #expect(try run(handshake, features: [.tls]).passed)
    }

    @Test func refusedHandshakeAndReconnectWithOtherFiles() throws {
        let result = try run("""
            name: floor
            features: tls
            pki: servercert.pem=server
            < 220 mail.example.org ESMTP
            > STARTTLS
            < 220 ready for tls
            tls-refused: max=1.2
            """, features: [.tls])
        #expect(result.violation?.message.hasPrefix("expected the server to refuse a handshake offering max=1.2") == true,
                "\(String(describing: result.violation))")
        let reread = try run("""
            name: greeting
            < 220 mail.example.org ESMTP
            reconnect
            control: smtpgreeting=other.example
            < 220 other.example ESMTP
            > QUIT
            < 221 other.example
            expect-exit: 0
            """, features: [])
        #expect(reread.passed, "\(String(describing: reread.violation))")
        #expect(reread.transcript.contains(.reconnected))
    }
}
