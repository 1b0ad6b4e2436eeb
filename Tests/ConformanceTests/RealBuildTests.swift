import Conformance
import Foundation
import RealBuildSupport
import SMTPEngine
import Testing
import TestSupport

@Suite(.ownThread, .tags(.realBuild), TestScope.costly, .serialized, .enabled(if: QmailkitCache.hasNetqmail, QmailkitCache.netqmailMissing), privateViews)
struct RealBuildTests {
    /// `qmailkit verify DIR`, as a CI script would run it after `qmailkit build`.
    @Test func verifyTakesTheBuildFolderAsItsArgument() async throws {
        try await RealBuilds.with(RealBuilds.pristine) { target in
            let folder = String(target.name.dropFirst("build:".count))
            let run = try VerifyCommandTests().verify([folder], in: URL(fileURLWithPath: folder))
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains(" passed, 0 failed, ") && run.stdout.contains("scenarios on \(target.name)"))
        }
    }

    @Test func pristineBuildHasNoFeatures() async throws {
        try await RealBuilds.with(RealBuilds.pristine) { target in
            #expect(target.features.isEmpty)
            #expect(target.kind == "build")
            #expect(target.maxParallelism > 1)
        }
    }

    @Test func stockScenariosPassOnPristineNetqmail() async throws {
        try await RealBuilds.with(RealBuilds.pristine) { target in
            let stock = LiveSafety.partition(library.filter { $0.applies(to: target.features, kind: target.kind) }, for: target).runnable
            #expect(stock.count >= 150)
            let results = SuiteRun(runner: ScenarioRunner(replyTimeout: 5, exitTimeout: 5)).run(stock, on: target)
            for result in results where !result.passed {
                Issue.record("\(Reports.failureDetail(result))")
            }
        }
    }

    @Test func referenceAndPristineNetqmailTranscriptsAgree() async throws {
        try await RealBuilds.with(RealBuilds.pristine) { target in
            let shared = library.filter { $0.applies(to: [], kind: "ref") && $0.applies(to: [], kind: "build") }
            let real = SuiteRun().run(shared, on: target)
            let reference = SuiteRun(runner: ScenarioRunner(replyTimeout: 0, exitTimeout: 0), jobs: 4)
                .run(shared, on: ReferenceTarget(features: []))
            let differences = Differential.compare(real, reference)
            #expect(differences.isEmpty, "\(Reports.differences(differences, total: shared.count))")
        }
    }

    /// Every scenario that applies, real TLS handshakes included (server
    /// and client certificates from the suite's PKI against OpenSSL).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs openssl for the suite's certificates"))
    func scenariosPassOnATLSBuild() async throws {
        try await RealBuilds.with(RealBuilds.tlsAuthForceTLS) { target in
            #expect(target.features == [.tls, .auth, .forceTLS])
            let applicable = LiveSafety.partition(library.filter { $0.applies(to: target.features, kind: target.kind) }, for: target).runnable
            #expect(applicable.filter { $0.file == "tls-handshake.scn" }.count >= 15)
            let results = SuiteRun(runner: ScenarioRunner(replyTimeout: 5, exitTimeout: 5)).run(applicable, on: target)
            for result in results where !result.passed {
                Issue.record("\(Reports.failureDetail(result))")
            }
        }
    }

    @Test func aBrokenExpectationFailsOnTheRealBuildWithItsTranscript() async throws {
        try await RealBuilds.with(RealBuilds.pristine) { target in
            let scenario = try #require(try ScenarioParser.parse(Array("""
                name: real-qp
                spec: docs/stock-smtpd.md#replies message accepted
                < 220 mail.example.org ESMTP
                > MAIL FROM:<a@example.com>
                > RCPT TO:<b@example.org>
                > DATA
                < 250 ok
                < 250 ok
                < 354 go ahead
                > .
                < 250 ok
                """.utf8), file: "inline.scn").first)
            let result = ScenarioRunner().run(scenario, on: target)
            let violation = try #require(result.violation)
            #expect(violation.line == 11)
            #expect(violation.message.hasPrefix("expected '250 ok', got '250 ok "))
            #expect(violation.message.contains(" qp "))
            #expect(result.transcript.last == .exited(1))
            #expect(result.transcript.contains { if case .queued(1, _) = $0 { true } else { false } })
        }
    }
}
