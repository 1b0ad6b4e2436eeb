import Foundation
import SMTPEngine

/// Renders results as a terminal table, JUnit XML or TAP.
public enum Reports {
    /// One row per scenario (status, name, area file, seconds), then, for every
    /// failure, the violated expectation, its spec lines and the full
    /// transcript; skipped scenarios are listed with their reason.
    public static func table(_ results: [ScenarioResult], skipped: [SkippedScenario] = []) -> String {
        let names = results.map(\.scenario.name) + skipped.map(\.scenario.name)
        let width = max(8, names.map(\.count).max() ?? 8)
        var text = "STATUS  " + "SCENARIO".padding(toLength: width, withPad: " ", startingAt: 0) + "  FILE\n"
        for result in results {
            text += (result.passed ? "pass    " : "FAIL    ")
                + result.scenario.name.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  \(result.scenario.file):\(result.scenario.line)\n"
        }
        for skip in skipped {
            text += "skip    " + skip.scenario.name.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  \(skip.scenario.file):\(skip.scenario.line)  \(skip.reason)\n"
        }
        let failed = results.filter { !$0.passed }
        for result in failed { text += "\n" + failureDetail(result) }
        let skippedPart = skipped.isEmpty ? "" : ", \(skipped.count) skipped"
        text += "\n\(results.count - failed.count) passed, \(failed.count) failed\(skippedPart), \(results.count) scenarios on \(results.first?.target ?? "no target")\n"
        return text
    }

    /// The scenarios that do not apply to a target with `features` (and, if
    /// given, of `kind`), one line per reason: the features they need, the
    /// ones they need absent, or the target kinds they are written for.
    /// Each line begins with `verb` ("not run", "not compared").
    public static func notApplicable(_ scenarios: [Scenario], to features: Features, kind: String? = nil,
                                     verb: String = "not run") -> [String] {
        var groups: [String: [Scenario]] = [:]
        for scenario in scenarios {
            let reason: String
            if !scenario.features.isSatisfied(by: features) {
                let missing = scenario.features.required.subtracting(features)
                let present = scenario.features.excluded.intersection(features)
                reason = missing.isEmpty ? "for builds without \(present.names.joined(separator: " and "))"
                    : "that need \(missing.names.joined(separator: " and "))"
            } else if let kind, !scenario.targets.isEmpty, !scenario.targets.contains(kind) {
                reason = "only for \(scenario.targets.sorted().joined(separator: " and ")) targets, not \(kind)"
            } else {
                continue
            }
            groups[reason, default: []].append(scenario)
        }
        return groups.sorted { $0.key < $1.key }.map { reason, group in
            var files: [String] = []
            for scenario in group where !files.contains(scenario.file) { files.append(scenario.file) }
            return "\(verb): \(group.count) scenario(s) \(reason) (\(files.joined(separator: ", ")))"
        }
    }

    /// What failed, where, which spec it violates, and the transcript.
    public static func failureDetail(_ result: ScenarioResult) -> String {
        guard let violation = result.violation else { return "" }
        var text = "FAIL \(result.scenario.name) on \(result.target)\n"
        text += "  \(result.scenario.file):\(violation.line): \(violation.message)\n"
        if let summary = result.scenario.summary { text += "  scenario: \(summary)\n" }
        for spec in result.scenario.spec { text += "  spec: \(spec)\n" }
        text += "  transcript:\n"
        for entry in result.transcript {
            for line in entry.description.split(separator: "\n") { text += "    \(line)\n" }
        }
        return text
    }

    /// JUnit XML: one testsuite per target, one testcase per scenario
    /// (classname = scenario file), failures carry the detail text.
    public static func junit(_ results: [ScenarioResult], skipped: [SkippedScenario] = []) -> String {
        JUnit.document(suite: results.first?.target ?? "qmailkit verify",
                       cases: results.map(JUnit.scenarioCase) + skipped.map(JUnit.skippedCase))
    }

    /// TAP version 13 with a YAML block per failure; skipped scenarios come
    /// last with a SKIP directive.
    public static func tap(_ results: [ScenarioResult], skipped: [SkippedScenario] = []) -> String {
        var text = "TAP version 13\n1..\(results.count + skipped.count)\n"
        for (index, result) in results.enumerated() {
            text += "\(result.passed ? "ok" : "not ok") \(index + 1) - \(result.scenario.name)\n"
            if !result.passed {
                text += "  ---\n"
                for line in failureDetail(result).split(separator: "\n") { text += "  # \(line)\n" }
                text += "  ...\n"
            }
        }
        for (index, skip) in skipped.enumerated() {
            text += "ok \(results.count + index + 1) - \(skip.scenario.name) # SKIP \(skip.reason)\n"
        }
        return text
    }

    /// The differential report: per differing scenario, both transcripts
    /// side by side from the first differing entry.
    public static func differences(_ differences: [TranscriptDifference], total: Int) -> String {
        var text = ""
        for difference in differences {
            let left = Differential.normalised(difference.first), right = Differential.normalised(difference.second)
            text += "DIFFERS \(difference.scenario.name) (\(difference.scenario.file):\(difference.scenario.line)) from entry \(difference.index + 1)\n"
            text += "  \(difference.first.target):\n"
            for line in left.dropFirst(difference.index) { text += "    \(line)\n" }
            text += "  \(difference.second.target):\n"
            for line in right.dropFirst(difference.index) { text += "    \(line)\n" }
        }
        text += "\(differences.count) of \(total) scenarios differ\n"
        return text
    }
}
