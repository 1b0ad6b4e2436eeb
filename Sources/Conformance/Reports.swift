import Foundation

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
        let failures = results.filter { !$0.passed }.count
        let time = results.reduce(0) { $0 + $1.seconds }
        let tests = results.count + skipped.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites tests=\"\(tests)\" failures=\"\(failures)\">\n"
        xml += "  <testsuite name=\"\(escape(results.first?.target ?? "qmailkit verify"))\" tests=\"\(tests)\" failures=\"\(failures)\" skipped=\"\(skipped.count)\" time=\"\(String(format: "%.3f", time))\">\n"
        for result in results {
            xml += "    <testcase classname=\"\(escape(classname(result.scenario)))\" name=\"\(escape(result.scenario.name))\" time=\"\(String(format: "%.3f", result.seconds))\""
            if let violation = result.violation {
                xml += ">\n      <failure message=\"\(escape(violation.message))\">\(escape(failureDetail(result)))</failure>\n    </testcase>\n"
            } else {
                xml += "/>\n"
            }
        }
        for skip in skipped {
            xml += "    <testcase classname=\"\(escape(classname(skip.scenario)))\" name=\"\(escape(skip.scenario.name))\" time=\"0.000\">\n"
            xml += "      <skipped message=\"\(escape(skip.reason))\"/>\n    </testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
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

    /// The JUnit class of a scenario: its file without `.scn`.
    private static func classname(_ scenario: Scenario) -> String {
        scenario.file.hasSuffix(".scn") ? String(scenario.file.dropLast(4)) : scenario.file
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

    private static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\n", "\t": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20: result += "?"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
