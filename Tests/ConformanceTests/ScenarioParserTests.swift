import Conformance
import SMTPEngine
import Testing
import TestSupport

/// The error parsing `text` (as file `bad.scn`) throws, or nil if it parses.
func scenarioParseError(_ text: String) -> ScenarioParseError? {
    do {
        _ = try ScenarioParser.parse(Array(text.utf8), file: "bad.scn")
        return nil
    } catch {
        return error
    }
}

@Suite(.ownThread) struct ScenarioParserTests {
    private func parse(_ text: String, file: String = "t.scn") throws -> [Scenario] {
        try ScenarioParser.parse(Array(text.utf8), file: file)
    }

    @Test func tlsStepsAndCertificates() throws {
        let scenario = try #require(try parse("""
            name: smtps
            env: SMTPS=1
            pki: servercert.pem=server
            pki: clientca.pem=ca
            tls: relay
            < 220 mail.example.org ESMTP
            > STARTTLS
            tls
            """).first)
        #expect(scenario.controls["servercert.pem"] == .certificate("server"))
        #expect(scenario.controls["clientca.pem"] == .certificate("ca"))
        #expect(scenario.steps.map(\.kind) == [.startTLS(TLSOffer(certificate: "relay")), .expect(.exact(Array("220 mail.example.org ESMTP".utf8))),
                                              .send(Array("STARTTLS\r\n".utf8)), .startTLS(TLSOffer())])
        #expect(try parse("name: silent\neof\n").first?.steps.map(\.kind) == [.expectEOF], "eof alone is an expectation")
    }

    @Test func settingsAndDialogue() throws {
        let text = """
            # a comment
            name: full
            desc: every kind of line
            spec: RFC 5321 4.1.4
            spec: docs/auth.md#smtpauth
            features: auth !tls
            env: SMTPAUTH=
            env: -TCPREMOTEHOST
            env: X=a\\tb
            control: rcpthosts=example.org
            control: rcpthosts=.example.net
            control: -me
            control: policy/
            args: checkpassword /bin/true
            queue-exit: 71
            targets: build
            < 220 mail.example.org ESMTP
            > HELO x
            >> DATA\\r\\n\\x00\\xff
            < ~ ^250 ok \\d+ qp \\d+$
            cram: alice secret
            close
            eof
            queue: Fa@b\\0T\\0\\0
            queue-received: ~ ^Received
            queue-body: hi\\n
            expect-exit: 1
            """
        let scenarios = try parse(text)
        #expect(scenarios.count == 1)
        let scenario = try #require(scenarios.first)
        #expect(scenario.name == "full")
        #expect(scenario.line == 2)
        #expect(scenario.summary == "every kind of line")
        #expect(scenario.spec == ["RFC 5321 4.1.4", "docs/auth.md#smtpauth"])
        #expect(scenario.features == FeatureRequirement(required: .auth, excluded: .tls))
        #expect(scenario.environment["SMTPAUTH"] == .some(""))
        #expect(scenario.environment["TCPREMOTEHOST"] == .some(nil))
        #expect(scenario.environment["X"] == .some("a\tb"))
        #expect(scenario.controls["rcpthosts"] == .contents(Array("example.org\n.example.net\n".utf8)))
        #expect(scenario.controls["me"] == .absent)
        #expect(scenario.controls["policy"] == .directory)
        #expect(scenario.arguments == ["checkpassword", "/bin/true"])
        #expect(scenario.queueOutcome == .exit(71))
        #expect(scenario.targets == ["build"])
        #expect(scenario.exitStatus == 1)
        #expect(scenario.steps.map(\.kind) == [
            .expect(.exact(Array("220 mail.example.org ESMTP".utf8))),
            .send(Array("HELO x\r\n".utf8)),
            .send(Array("DATA\r\n".utf8) + [0, 0xFF]),
            .expect(.regex(#"^250 ok \d+ qp \d+$"#)),
            .cramResponse(user: "alice", password: "secret"),
            .close,
            .expectEOF,
        ])
        #expect(scenario.steps.map(\.line) == [17, 18, 19, 20, 21, 22, 23])
        #expect(scenario.queue.count == 1)
        #expect(scenario.queue[0].envelope == .exact(Array("Fa@b\0T\0\0".utf8)))
        #expect(scenario.queue[0].received == .regex("^Received"))
        #expect(scenario.queue[0].body == .exact(Array("hi\n".utf8)))
        #expect(scenario.queue[0].line == 24)
    }

    @Test func severalScenariosPerFileAndCRLFLines() throws {
        let scenarios = try parse("name: one\r\n< 220 a\r\n\r\nname: two\r\n> \r\n< 502 x\r\n")
        #expect(scenarios.map(\.name) == ["one", "two"])
        #expect(scenarios[0].steps.map(\.kind) == [.expect(.exact(Array("220 a".utf8)))])
        #expect(scenarios[1].steps.map(\.kind) == [.send([13, 10]), .expect(.exact(Array("502 x".utf8)))])
        #expect(scenarios[1].line == 4)
    }

    @Test func appliesToFeaturesAndKinds() throws {
        let scenario = try #require(try parse("name: s\nfeatures: auth !tls\ntargets: ref\n< 220 x\n").first)
        #expect(scenario.applies(to: .auth, kind: "ref"))
        #expect(scenario.applies(to: [.auth, .empf], kind: "ref"))
        #expect(!scenario.applies(to: [.auth, .tls], kind: "ref"))
        #expect(!scenario.applies(to: [], kind: "ref"))
        #expect(!scenario.applies(to: .auth, kind: "build"))
    }

    @Test(arguments: [
        ("< 220 x\n", 1, "expected 'name: <scenario>'"),
        ("name: a\n< 1\nname: a\n< 1\n", 3, "used twice"),
        ("name: a b\n", 1, "one word"),
        ("name: a\n< 1\nfrobnicate\n", 3, "cannot read 'frobnicate'"),
        ("name: a\n< 1\n> bad \\q escape\n", 3, "unknown escape \\q"),
        ("name: a\n< 1\n> \\x4\n", 3, "two hex digits"),
        ("name: a\n< 1\n> trailing \\\n", 3, "lone backslash"),
        ("name: a\n< ~ ([unclosed\n", 2, "invalid regular expression"),
        ("name: a\nfeatures: auth smtputf8\n< 1\n", 2, "unknown feature 'smtputf8'"),
        ("name: a\n> HELO x\n", 1, "expects no reply line"),
        ("name: a\n< 1\ntls: nobody\n", 3, "tls: takes a suite certificate"),
        ("name: a\n< 1\npki: servercert.pem=nobody\n", 3, "pki: takes name=item"),
        ("name: a\n< 1\npki: ../x=server\n", 3, "not a control file name"),
        ("name: a\n< 1\nqueue-body: x\n", 3, "must follow a queue: line"),
        ("name: a\n< 1\nexpect-exit: zero\n", 3, "takes a number"),
        ("name: a\n< 1\nqueue-exit: 300\n", 3, "0-255"),
        ("name: a\n< 1\ncontrol: ../etc=x\n", 3, "not a control file name"),
        ("name: a\n< 1\nenv: NOEQUALS\n", 3, "NAME=value"),
        ("name: a\n< 1\ntargets: vm\n", 3, "ref and/or build"),
        ("name: a\n< 1\ncram: alice\n", 3, "a user and a password"),
    ] + RemoteScenarioFormatTests.malformed)
    func errorsNameFileAndLine(text: String, line: Int, fragment: String) throws {
        let error = try #require(scenarioParseError(text))
        #expect(error.file == "bad.scn")
        #expect(error.line == line)
        #expect(error.message.contains(fragment), "\(error.message)")
        #expect(error.description.hasPrefix("bad.scn:\(line): "))
    }

    @Test func nonUTF8LineIsAnError() throws {
        let error = #expect(throws: ScenarioParseError.self) {
            try ScenarioParser.parse(Array("name: a\n< ".utf8) + [0xFF, 0xFE] + [10], file: "bin.scn")
        }
        #expect(error?.line == 2)
    }

    @Test func escapesRoundTrip() throws {
        var bytes: [UInt8] = Array(0...255)
        bytes += Array("\\plain text\r\n".utf8)
        #expect(try ByteEscapes.decode(ByteEscapes.encode(bytes)) == bytes)
        #expect(ByteEscapes.encode([13, 10, 0, 9, 0x5C, 0x41, 0x7F]) == "\\r\\n\\0\\t\\\\A\\x7f")
    }
}

@Suite(.ownThread) struct FeatureSelectionTests {
    @Test func selectionsAreClosedUnderRequires() {
        #expect(FeatureRequirement(required: .forceTLS).smallestSelection == [.forceTLS, .auth, .tls])
        #expect(FeatureRequirement(required: .forceTLS, excluded: .auth).smallestSelection == nil)
        #expect(FeatureRequirement(excluded: .auth).smallestSelection == [])
    }
}
