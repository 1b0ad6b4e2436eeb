import Conformance
import Foundation

/// Renders `qmailkit matrix` results as a terminal table or as JSON rows.
public enum MatrixReport {
    /// One line per selection (status, scenarios passed/run, seconds for patch,
    /// build and checks), then the detail of every selection that did not pass.
    public static func table(_ rows: [MatrixRow], total: Duration) -> String {
        let width = max(9, rows.map(\.name.count).max() ?? 9)
        var text = "STATUS        " + "SELECTION".padding(toLength: width, withPad: " ", startingAt: 0)
            + "  CHECKS       PATCH   BUILD   VERIFY\n"
        for row in rows {
            text += row.status.rawValue.uppercased().padding(toLength: 14, withPad: " ", startingAt: 0)
            text += row.name.padding(toLength: width, withPad: " ", startingAt: 0)
            text += "  " + "\(row.scenariosPassed)/\(row.scenariosRun)".padding(toLength: 9, withPad: " ", startingAt: 0)
            text += String(format: "%7.1fs %6.1fs%@ %6.1fs", row.patchSeconds, row.buildSeconds,
                           row.buildReused ? "*" : " ", row.verifySeconds) + "\n"
        }
        let failing = rows.filter { $0.status != .passed }
        for row in failing {
            text += "\n\(row.status.rawValue.uppercased()) \(row.name): \(row.detail)\n"
            text += "  folder: \(row.directory.path)\n"
            for failure in row.failures { text += Reports.failureDetail(failure) }
        }
        text += "\n\(rows.count - failing.count) of \(rows.count) selections passed in "
        text += String(format: "%.1f s", total.inSeconds)
        if rows.contains(where: \.buildReused) { text += " (* build reused from the work folder)" }
        return text + "\n"
    }

    /// What `--json` prints per selection.
    public struct JSONRow: Encodable, Sendable {
        public var selection: [String]
        public var name: String
        public var status: MatrixRow.Status
        public var detail: String
        public var scenariosRun: Int
        public var scenariosPassed: Int
        public var failedScenarios: [String]
        public var patchSeconds: Double
        public var buildSeconds: Double
        public var verifySeconds: Double
        public var buildReused: Bool
        public var directory: String
    }

    public static func json(_ rows: [MatrixRow]) -> [JSONRow] {
        rows.map { row in
            JSONRow(selection: row.selection, name: row.name, status: row.status, detail: row.detail,
                    scenariosRun: row.scenariosRun, scenariosPassed: row.scenariosPassed,
                    failedScenarios: row.failures.map(\.scenario.name),
                    patchSeconds: rounded(row.patchSeconds), buildSeconds: rounded(row.buildSeconds),
                    verifySeconds: rounded(row.verifySeconds), buildReused: row.buildReused,
                    directory: row.directory.path)
        }
    }

    private static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
