import Foundation

/// JUnit XML, the format CI systems read test results from: one
/// `<testsuites>` holding one `<testsuite>` of test cases.
public enum JUnit {
    /// One `<testcase>`.
    public struct Case: Sendable {
        public enum Outcome: Sendable {
            case passed
            /// `message` is one line (the attribute); `detail` the element's text.
            case failed(message: String, detail: String)
            case skipped(reason: String)
        }

        public var classname: String
        public var name: String
        public var seconds: Double
        public var outcome: Outcome

        public init(classname: String, name: String, seconds: Double, outcome: Outcome) {
            self.classname = classname
            self.name = name
            self.seconds = seconds
            self.outcome = outcome
        }

        var failed: Bool {
            if case .failed = outcome { return true }
            return false
        }

        var skipped: Bool {
            if case .skipped = outcome { return true }
            return false
        }
    }

    /// The document: counts and total time in the suite's attributes.
    public static func document(suite: String, cases: [Case]) -> String {
        let failures = cases.filter(\.failed).count
        let skipped = cases.filter(\.skipped).count
        let time = cases.reduce(0) { $0 + $1.seconds }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites tests=\"\(cases.count)\" failures=\"\(failures)\">\n"
        xml += "  <testsuite name=\"\(escape(suite))\" tests=\"\(cases.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", time))\">\n"
        for item in cases {
            xml += "    <testcase classname=\"\(escape(item.classname))\" name=\"\(escape(item.name))\" time=\"\(String(format: "%.3f", item.seconds))\""
            switch item.outcome {
            case .passed:
                xml += "/>\n"
            case let .failed(message, detail):
                xml += ">\n      <failure message=\"\(escape(message))\">\(escape(detail))</failure>\n    </testcase>\n"
            case let .skipped(reason):
                xml += ">\n      <skipped message=\"\(escape(reason))\"/>\n    </testcase>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    /// The opening of the suite element `document` writes for `suite`, up to its name.
    public static func suiteOpening(_ suite: String) -> String {
        "<testsuite name=\"\(escape(suite))\" "
    }

    /// A scenario's case: class = its file without `.scn`; a failure carries
    /// the violated expectation (the first wrong reply) and the transcript.
    public static func scenarioCase(_ result: ScenarioResult) -> Case {
        let outcome: Case.Outcome = result.violation.map { .failed(message: $0.message, detail: Reports.failureDetail(result)) } ?? .passed
        return Case(classname: classname(result.scenario), name: result.scenario.name, seconds: result.seconds, outcome: outcome)
    }

    public static func skippedCase(_ skip: SkippedScenario) -> Case {
        Case(classname: classname(skip.scenario), name: skip.scenario.name, seconds: 0, outcome: .skipped(reason: skip.reason))
    }

    private static func classname(_ scenario: Scenario) -> String {
        scenario.file.hasSuffix(".scn") ? String(scenario.file.dropLast(4)) : scenario.file
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
