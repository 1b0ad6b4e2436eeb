import Conformance
import Foundation
import SMTPEngine
import Testing
import TestSupport

/// The repository's scenarios folder.
let scenarioDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("scenarios")

let library: [Scenario] = (try? ScenarioLibrary.load(directory: scenarioDirectory)) ?? []

@Suite(.ownThread) struct ReferenceSuiteTests {
    @Test func libraryLoadsWithEnoughScenarios() throws {
        let scenarios = try ScenarioLibrary.load(directory: scenarioDirectory)
        #expect(scenarios.count >= 150)
        #expect(Set(scenarios.map(\.name)).count == scenarios.count)
        #expect(scenarios.allSatisfy { !$0.spec.isEmpty }, "every scenario names the spec line it checks")
        for (feature, name, _) in Features.table {
            #expect(scenarios.contains { $0.features.required.contains(feature) }, "no scenario for \(name)")
        }
    }

    /// Each scenario on the smallest build it applies to (only its required
    /// features) and on the largest (every feature it does not exclude).
    @Test func everyScenarioPassesOnTheReferenceEngine() {
        #expect(library.count >= 150)
        let runner = ScenarioRunner(replyTimeout: 0, exitTimeout: 0)
        for scenario in library where scenario.targets.isEmpty || scenario.targets.contains("ref") {
            let smallest = scenario.features.smallestSelection
            #expect(smallest != nil, "\(scenario.name): no buildable selection satisfies its features line")
            let largest = Features.all.subtracting(scenario.features.excluded)
            for features in [smallest ?? [], largest] {
                let result = runner.run(scenario, on: ReferenceTarget(features: features))
                #expect(result.passed, "\(features.names):\n\(Reports.failureDetail(result))")
            }
        }
    }

    @Test func verifySelectionSkipsScenariosThatDoNotApply() {
        let stock = library.filter { $0.applies(to: [], kind: "ref") }
        #expect(stock.contains { $0.name == "auth-unimplemented-stock" })
        #expect(!stock.contains { $0.name == "auth-plain-initial-response" })
        let full = library.filter { $0.applies(to: .all, kind: "ref") }
        #expect(!full.contains { $0.name == "auth-unimplemented-stock" })
        #expect(full.contains { $0.name == "auth-plain-initial-response" })
    }

    @Test func differentialFindsNoDifferenceBetweenIdenticalTargetsButFindsAMutant() {
        let stock = library.filter { $0.applies(to: [], kind: "ref") }
        let suite = SuiteRun(runner: ScenarioRunner(replyTimeout: 0, exitTimeout: 0), jobs: 4)
        let first = suite.run(stock, on: ReferenceTarget(features: []))
        let second = suite.run(stock, on: ReferenceTarget(features: []))
        #expect(Differential.compare(first, second).isEmpty)
        let relaying = suite.run(stock, on: ReferenceTarget(features: []) { $0.recipientHosts = .open })
        let differences = Differential.compare(first, relaying)
        #expect(differences.contains { $0.scenario.name == "relay-refused" })
        #expect(!differences.contains { $0.scenario.name == "noop-ok" })
        #expect(Reports.differences(differences, total: stock.count).contains("DIFFERS relay-refused"))
    }

    @Test func reportsCarryFailureDetails() throws {
        let scenario = try #require(library.first { $0.name == "relay-refused" })
        let failing = ScenarioRunner(replyTimeout: 0, exitTimeout: 0)
            .run(scenario, on: ReferenceTarget(features: []) { $0.recipientHosts = .open })
        let passing = ScenarioRunner(replyTimeout: 0, exitTimeout: 0).run(scenario, on: ReferenceTarget(features: []))
        #expect(!failing.passed && passing.passed)
        let table = Reports.table([passing, failing])
        #expect(table.contains("FAIL    relay-refused"))
        #expect(table.contains("spec: docs/stock-smtpd.md#replies RCPT domain not allowed"))
        #expect(table.contains("S: 250 ok"))
        #expect(table.contains("1 passed, 1 failed, 2 scenarios"))
        let junit = Reports.junit([passing, failing])
        #expect(junit.contains("<testsuites tests=\"2\" failures=\"1\">"))
        #expect(junit.contains("<failure message=\"expected &apos;") || junit.contains("<failure message=\"expected '"))
        let tap = Reports.tap([passing, failing])
        #expect(tap.hasPrefix("TAP version 13\n1..2\nok 1 - relay-refused\nnot ok 2 - relay-refused\n"))
    }
}
