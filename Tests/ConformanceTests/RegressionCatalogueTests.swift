import Conformance
import Foundation
import RealBuildSupport
import SMTPEngine
import Testing
import TestSupport

/// `regressions/*.patch`: realistic defects of our own C patches, each a
/// small patch on top of the tree with every feature, headed by the feature
/// it breaks and the scenario that must catch it (or, for a feature no
/// SMTP session shows, the name of a check in `Regression.checks`):
///
///     Description: the protocol floor lowered to TLS 1.0
///     Feature: tls
///     Caught-by: tls-floor-tls10-refused
///     ---
///     --- a/smtpd_tls.c
struct Regression: Sendable, CustomStringConvertible {
    var patch: URL
    var summary: String
    var feature: String
    var caughtBy: String

    var description: String { patch.deletingPathExtension().lastPathComponent }

    /// Catchers that are not scenarios, by the name `Caught-by:` gives:
    /// each runs on a build and returns what it found wrong (nothing on
    /// the clean build).
    static let checks: [String: @Sendable (PatchedBuild) throws -> [String]] = [
        "msgid-log-queue-run": MsgidLogTests.problems(on:),
    ]

    static let directory = scenarioDirectory.deletingLastPathComponent().appendingPathComponent("regressions")

    /// Every patch of the catalogue, by name; a header field missing is an error naming the file.
    static func catalogue() throws -> [Regression] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".patch") }.sorted()
        return try names.map { name in
            let url = directory.appendingPathComponent(name)
            let header = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").prefix { $0 != "---" }
            func field(_ key: String) throws -> String {
                guard let line = header.first(where: { $0.hasPrefix(key + ": ") }) else {
                    throw HarnessError("\(url.path): no '\(key): …' line before '---'")
                }
                return String(line.dropFirst(key.count + 2))
            }
            return Regression(patch: url, summary: try field("Description"), feature: try field("Feature"),
                              caughtBy: try field("Caught-by"))
        }
    }
}

@Suite(.ownThread) struct RegressionCatalogueShapeTests {
    @Test func everyFeatureHasRegressionsCaughtByExistingScenarios() throws {
        let catalogue = try Regression.catalogue()
        #expect(catalogue.count >= 25)
        let names = Set(library.map(\.name))
        for regression in catalogue {
            #expect(names.contains(regression.caughtBy) || Regression.checks[regression.caughtBy] != nil,
                    "\(regression): no scenario or check \(regression.caughtBy)")
        }
        let features = Set(catalogue.map(\.feature))
        for feature in Features.table.map(\.name) + ["stock"] {
            #expect(features.contains(feature), "no regression of \(feature)")
        }
    }
}

/// Builds every regression of the catalogue (all features plus its patch)
/// and plays its scenario: each must fail there and pass on the clean build.
/// The kill rate is printed (BENCHMARKS.md records it). About half a minute
/// per build with ccache warm.
@Suite(.ownThread, .tags(.realBuild, .slow), TestScope.regressions, .serialized,
       .enabled(if: QmailkitCache.hasNetqmail, QmailkitCache.netqmailMissing),
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs openssl for the suite's certificates"),
       privateViews)
struct RegressionCatalogueTests {
    static let features = RealBuilds.combinedFeatures

    @Test func verifyKillsEveryRegression() async throws {
        let catalogue = try Regression.catalogue()
        let filter = ProcessInfo.processInfo.environment["QMAILKIT_REGRESSIONS"].map { Set($0.split(separator: ",").map(String.init)) }
        let selected = catalogue.filter { filter?.contains($0.description) ?? true }
        let scenarios = Dictionary(library.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let runner = ScenarioRunner()
        try await RealBuilds.with(RealBuilds.combined) { target in
            for name in Set(selected.map(\.caughtBy)).sorted() where Regression.checks[name] == nil {
                let result = runner.run(try #require(scenarios[name]), on: target)
                #expect(result.passed, "\(name) fails on the clean build: \(Reports.failureDetail(result))")
            }
        }
        let clean = try PatchedBuild.sandbox(features: Self.features)
        for name in Set(selected.map(\.caughtBy)).sorted() {
            guard let check = Regression.checks[name] else { continue }
            let problems = try check(clean)
            #expect(problems.isEmpty, "\(name) fails on the clean build: \(problems.joined(separator: "\n"))")
        }
        var survivors: [String] = []
        for regression in selected {
            let build = try PatchedBuild.sandbox(features: Self.features, regression: regression.patch)
            if let check = Regression.checks[regression.caughtBy] {
                let problems = try check(build)
                if let first = problems.first {
                    print("killed \(regression) by \(regression.caughtBy): \(first)")
                } else {
                    survivors.append(regression.description)
                    Issue.record("\(regression) (\(regression.summary)) survived \(regression.caughtBy)")
                }
                continue
            }
            let target = try BuildTarget(buildDirectory: build.buildDirectory)
            let scenario = try #require(scenarios[regression.caughtBy])
            let result = try await build.exclusively { runner.run(scenario, on: target) }
            if let violation = result.violation {
                print("killed \(regression) by \(scenario.name) line \(violation.line): \(violation.message)")
            } else {
                survivors.append(regression.description)
                Issue.record("\(regression) (\(regression.summary)) survived \(scenario.name)")
            }
        }
        print("regression catalogue: \(selected.count - survivors.count) of \(selected.count) killed"
              + (survivors.isEmpty ? "" : "; survivors: \(survivors.joined(separator: ", "))"))
    }
}
