import Conformance
import Foundation
import SMTPEngine
import Testing
import TestSupport

/// The qmail-remote scenarios of scenarios/remote-*.scn.
let remoteLibrary = library.filter { $0.remote != nil }
/// The remote scenarios this machine can run (an SMTPS peer needs port 465,
/// which only root may bind here).
let remoteLibraryHere = remoteLibrary.filter { LiveSafety.machineReason($0) == nil }

@Suite(.ownThread) struct RemoteScenarioFormatTests {
    private func parse(_ text: String) throws -> Scenario {
        try #require(try ScenarioParser.parse(Array(text.utf8), file: "r.scn").first)
    }

    @Test func everyRemoteLine() throws {
        let scenario = try parse("""
            name: r
            program: qmail-remote
            desc: all lines
            spec: docs/auth.md#qmail-remote
            features: auth tls
            peer: certificate wrong-name
            peer: smtps
            peer: auth login CRAM-MD5
            peer: answer ehlo 502 no EHLO\\t here
            control: smtproutes=example.net:[127.0.0.1]:$PORT|alice|secret
            control: notlshosts/127.0.0.1=
            pki: tlshosts/127.0.0.1.pem=ca
            pki: clientcert.pem=client
            host: example.com
            sender: a@b
            recipient: c@example.net
            recipient: d@example.net
            message: Subject: x\\n\\nhi\\n
            sent: EHLO mail.example.org
            sent: ~ ^AUTH
            report: r
            report: ~ ^K
            queue: ~ ^Fa@b
            queue-body: hi\\n
            expect-exit: 0
            """)
        let remote = try #require(scenario.remote)
        #expect(scenario.targets == ["build"])
        #expect(scenario.features == FeatureRequirement(required: [.auth, .tls]))
        #expect(remote.peer.certificate == "wrong-name")
        #expect(remote.peer.smtps && remote.peer.port == 465)
        #expect(remote.peer.authOffer == ["login", "CRAM-MD5"])
        #expect(remote.peer.answers == ["EHLO": Array("502 no EHLO\t here".utf8)])
        #expect(scenario.controls["smtproutes"] == .contents(Array("example.net:[127.0.0.1]:$PORT|alice|secret\n".utf8)))
        #expect(scenario.controls["notlshosts/127.0.0.1"] == .contents([10]))
        #expect(scenario.controls["tlshosts/127.0.0.1.pem"] == .certificate("ca"))
        #expect(scenario.controls["clientcert.pem"] == .certificate("client"))
        #expect(remote.host == "example.com" && remote.sender == "a@b")
        #expect(remote.effectiveRecipients == ["c@example.net", "d@example.net"])
        #expect(remote.message == Array("Subject: x\n\nhi\n".utf8))
        #expect(remote.sent.map(\.match) == [.exact(Array("EHLO mail.example.org".utf8)), .regex("^AUTH")])
        #expect(remote.report.map(\.line) == [21, 22])
        #expect(scenario.queue.count == 1 && scenario.queue[0].body == .exact(Array("hi\n".utf8)))
        #expect(scenario.exitStatus == 0)
    }

    @Test func defaultsAndPortSubstitution() throws {
        let scenario = try parse("name: r\nprogram: qmail-remote\ncontrol: authsenders=:[127.0.0.1]:$PORT|a|b\nreport: r\n")
        #expect(scenario.remote?.effectiveRecipients == ["bob@example.net"])
        #expect(scenario.remote?.peer == PeerSetup())
        let controls = try ScenarioBase.remoteControls(for: scenario, port: 2525)
        #expect(controls["smtproutes"] == .contents(Array("example.net:[127.0.0.1]:2525\n".utf8)))
        #expect(controls["authsenders"] == .contents(Array(":[127.0.0.1]:2525|a|b\n".utf8)))
        #expect(controls["me"] == .contents(Array("mail.example.org\n".utf8)))
    }

    /// Malformed qmail-remote scenarios: the text, the line the error names, and a fragment
    /// of its message (checked with the other malformed scenarios in ScenarioParserTests).
    static let malformed: [(String, Int, String)] = [
        ("name: a\nprogram: qmail-remote\nsent: QUIT\n", 1, "checks no report"),
        ("name: a\nprogram: qmail-smtpd\n", 2, "program: takes qmail-remote"),
        ("name: a\n< 220 x\nprogram: qmail-remote\n", 3, "must come before the dialogue"),
        ("name: a\nreport: r\n< 220 x\n", 2, "put 'program: qmail-remote' first"),
        ("name: a\nprogram: qmail-remote\n> HELO x\n", 3, "in a qmail-remote scenario"),
        ("name: a\nprogram: qmail-remote\nenv: X=1\n", 3, "in a qmail-remote scenario"),
        ("name: a\nprogram: qmail-remote\npeer: certificate ca\n", 3, "peer: certificate takes expired, self-signed, valid, wrong-name"),
        ("name: a\nprogram: qmail-remote\npeer: smtps\n", 3, "needs a 'peer: certificate NAME'"),
        ("name: a\nprogram: qmail-remote\npeer: answer MAIL\n", 3, "'answer VERB REPLY'"),
        ("name: a\nprogram: qmail-remote\npki: tlshosts/x.pem=root\n", 3, "pki: takes name=item"),
        ("name: a\nprogram: qmail-remote\ncontrol: other/x=1\n", 3, "not a control file name"),
        ("name: a\nprogram: qmail-remote\nrecipient: a b\n", 3, "one address"),
        ("name: a\nprogram: qmail-remote\nqueue-body: x\n", 3, "must follow a queue: line"),
    ]

    @Test func reportFields() {
        let report = QmailRemoteReport(output: Array("r\0hx does not like recipient.\nRemote host said: 553 no\n\0Kaccepted\n\0".utf8))
        #expect(report.fields.map { String(decoding: $0, as: UTF8.self) }
            == ["r", "hx does not like recipient.\nRemote host said: 553 no\n", "Kaccepted\n"])
        #expect(report.verdict == "K")
        #expect(report.text == "r|hx does not like recipient.\\nRemote host said: 553 no\\n|Kaccepted\\n")
        #expect(QmailRemoteReport(output: Array("r\0Zpartial".utf8)).verdict == "Z")
        #expect(QmailRemoteReport(output: Array("r\0".utf8)).verdict == nil)
        #expect(QmailRemoteReport(output: []).fields.isEmpty)
    }

    @Test func libraryHasTheRemoteScenarios() {
        #expect(remoteLibrary.count >= 20)
        #expect(remoteLibrary.allSatisfy { $0.targets == ["build"] && !$0.spec.isEmpty && $0.file.hasPrefix("remote-") })
        for feature in [Features.auth, .tls] {
            #expect(remoteLibrary.contains { $0.features.required.contains(feature) }, "no remote scenario for \(feature.names)")
        }
        #expect(remoteLibrary.contains { $0.remote?.peer.smtps == true })
        #expect(remoteLibrary.contains { $0.remote?.peer.answers["EHLO"] != nil })
    }

    @Test func theReferenceTargetHasNoQmailRemote() throws {
        let scenario = try #require(remoteLibrary.first)
        let result = ScenarioRunner().run(scenario, on: ReferenceTarget(features: .all))
        #expect(result.violation?.message.contains("has no qmail-remote") == true)
    }
}

/// A deliberately changed peer: one knob of the receiving server turned.
struct PeerMutant: Sendable {
    var name: String
    var change: @Sendable (inout PeerSetup) -> Void

    func apply(_ scenario: Scenario) -> Scenario {
        var changed = scenario
        change(&changed.remote!.peer)
        return changed
    }

    static let all: [PeerMutant] = [
        PeerMutant(name: "MAIL answered 451") { $0.answers["MAIL"] = Array("451 mutated".utf8) },
        PeerMutant(name: "EHLO answered 502") { $0.answers["EHLO"] = Array("502 mutated".utf8) },
        PeerMutant(name: "HELO answered 554") { $0.answers["HELO"] = Array("554 mutated".utf8) },
        PeerMutant(name: "scripted answers dropped") { $0.answers = [:] },
        PeerMutant(name: "certificate valid <-> self-signed, none -> valid") {
            $0.certificate = $0.certificate == "valid" ? "self-signed" : "valid"
        },
        PeerMutant(name: "AUTH offer PLAIN <-> none") { $0.authOffer = $0.authOffer == nil ? ["PLAIN"] : nil },
        PeerMutant(name: "AUTH offer LOGIN only") { $0.authOffer = ["LOGIN"] },
    ]
}

/// Part of RealBuildTests, whose tests run one at a time: they share the
/// builds' sandbox homes, whose control/ each scenario rewrites.
extension RealBuildTests {
    /// Runs `body` with both remote-scenario builds (pristine, auth+tls) held,
    /// always in that order.
    static func withRemoteBuilds(_ body: (_ pristine: BuildTarget, _ authTLS: BuildTarget) async throws -> Void)
        async throws {
        try await RealBuilds.with(RealBuilds.pristine) { pristine in
            try await RealBuilds.with(RealBuilds.authTLS) { authTLS in try await body(pristine, authTLS) }
        }
    }

    @Test func authTLSBuildCarriesBothFeatures() async throws {
        try await RealBuilds.with(RealBuilds.authTLS) { target in
            #expect(target.features == [.auth, .tls])
            #expect(target.remoteClient != nil)
        }
    }

    /// Every remote scenario on the build it applies to: pristine for the
    /// stock ones, auth+tls for the rest.
    @Test func everyRemoteScenarioPassesOnItsBuild() async throws {
        try await Self.withRemoteBuilds { pristine, authTLS in
            for scenario in remoteLibraryHere {
                let target = scenario.applies(to: pristine.features, kind: "build") ? pristine : authTLS
                #expect(scenario.applies(to: target.features, kind: target.kind), "\(scenario.name) applies to neither build")
                let result = ScenarioRunner().run(scenario, on: target)
                #expect(result.passed, "\(Reports.failureDetail(result))")
            }
        }
    }

    /// No remote scenario passes vacuously: each fails with some peer knob
    /// turned, and each fails on the other build (features it does not expect).
    @Test func everyRemoteScenarioFailsOnABrokenTarget() async throws {
        try await Self.withRemoteBuilds { pristine, authTLS in
            let runner = ScenarioRunner()
            var survivors: [String] = []
            var caught: Set<String> = []
            for scenario in remoteLibraryHere {
                let stock = scenario.applies(to: pristine.features, kind: "build")
                let (target, other) = stock ? (pristine, authTLS) : (authTLS, pristine)
                if let killer = PeerMutant.all.first(where: { !runner.run($0.apply(scenario), on: target).passed }) {
                    caught.insert(killer.name)
                } else {
                    survivors.append(scenario.name)
                }
                let result = runner.run(scenario, on: other)
                #expect(!result.passed, "\(scenario.name) also passes on \(other.features.names) (\(other.name))")
            }
            #expect(survivors.isEmpty, "remote scenarios no peer mutant breaks: \(survivors)")
            #expect(caught.count >= 3, "peer mutants that caught something: \(caught.sorted())")
        }
    }

    @Test func aFailureShowsThePeerTranscriptAndTheReport() async throws {
        let scenario = try #require(remoteLibrary.first { $0.name == "remote-auth-plain-over-login" })
        let broken = PeerMutant.all.first { $0.name == "AUTH offer LOGIN only" }!.apply(scenario)
        let result = try await RealBuilds.with(RealBuilds.authTLS) { ScenarioRunner().run(broken, on: $0) }
        let violation = try #require(result.violation)
        #expect(violation.message == "expected qmail-remote to send 'AUTH PLAIN AGFsaWNlAHNlY3JldA==', it sent 'AUTH LOGIN'")
        let detail = Reports.failureDetail(result)
        #expect(detail.contains("C: EHLO mail.example.org\\r\\n"))
        #expect(detail.contains("S: 250-AUTH LOGIN"))
        #expect(detail.contains("R: r"))
        #expect(detail.contains("R: K127.0.0.1 accepted message."))
    }
}
