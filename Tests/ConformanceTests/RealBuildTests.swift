import Conformance
import Foundation
import QmailBuild
import Testing

/// The project's cached copy of the netqmail-1.06 tarball.
let cachedTarball = FileManager.default.homeDirectoryForCurrentUser
    .appendingPathComponent(".cache/qmailkit/sources/netqmail-1.06.tar.gz").path

/// A sandbox build of pristine netqmail-1.06 (qmail-smtpd only) in a scratch
/// directory, built once per test process and removed at exit.
let pristineBuild: Result<BuildTarget, any Error> = Result {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-conformance-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    scratchToRemove = scratch.path
    atexit { if let path = scratchToRemove { try? FileManager.default.removeItem(atPath: path) } }
    let tar = Process()
    tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    tar.arguments = ["tar", "-xzf", cachedTarball, "-C", scratch.path]
    try tar.run()
    tar.waitUntilExit()
    guard tar.terminationStatus == 0 else { throw BuildTarget.SetupError(description: "tar -xzf \(cachedTarball) failed") }
    let tree = scratch.appendingPathComponent("netqmail-1.06")
    let options = BuildOptions(testUsers: TestUsers(user: "root"), sandbox: scratch.appendingPathComponent("sandbox"),
                               jobs: 2, targets: ["qmail-smtpd"])
    let request = BuildRequest(tree: tree, treeIdentity: try DirectoryHash.identity(of: tree),
                               output: scratch.appendingPathComponent("build"), options: options)
    let result = try QmailBuilder.build(request)
    return try BuildTarget(buildDirectory: result.provenanceFile.deletingLastPathComponent())
}
/// Written once by `pristineBuild` before `atexit` is registered.
nonisolated(unsafe) private var scratchToRemove: String?

@Suite(.serialized, .enabled(if: FileManager.default.fileExists(atPath: cachedTarball),
                             "needs the cached tarball ~/.cache/qmailkit/sources/netqmail-1.06.tar.gz to build real qmail-smtpd"))
struct RealBuildTests {
    @Test func pristineBuildHasNoFeatures() throws {
        let target = try pristineBuild.get()
        #expect(target.features.isEmpty)
        #expect(target.kind == "build")
        #expect(target.maxParallelism == 1)
    }

    @Test func stockScenariosPassOnPristineNetqmail() throws {
        let target = try pristineBuild.get()
        let stock = library.filter { $0.applies(to: target.features, kind: target.kind) }
        #expect(stock.count >= 150)
        let results = SuiteRun(runner: ScenarioRunner(replyTimeout: 5, exitTimeout: 5)).run(stock, on: target)
        for result in results where !result.passed {
            Issue.record("\(Reports.failureDetail(result))")
        }
    }

    @Test func referenceAndPristineNetqmailTranscriptsAgree() throws {
        let target = try pristineBuild.get()
        let shared = library.filter { $0.applies(to: [], kind: "ref") && $0.applies(to: [], kind: "build") }
        let real = SuiteRun().run(shared, on: target)
        let reference = SuiteRun(runner: ScenarioRunner(replyTimeout: 0, exitTimeout: 0), jobs: 4)
            .run(shared, on: ReferenceTarget(features: []))
        let differences = Differential.compare(real, reference)
        #expect(differences.isEmpty, "\(Reports.differences(differences, total: shared.count))")
    }

    @Test func aBrokenExpectationFailsOnTheRealBuildWithItsTranscript() throws {
        let target = try pristineBuild.get()
        let scenario = try #require(try ScenarioParser.parse(Array("""
            name: real-qp
            spec: smtp-notes.md#1.4 message accepted
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
