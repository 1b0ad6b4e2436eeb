import Conformance
import Foundation

/// Renders `qmailkit matrix` results as a terminal table, JSON records or
/// JUnit XML; a whole run and a merge of shards print through the same code.
public enum MatrixReport {
    /// How the table's last line gives the time.
    public enum Total: Sendable {
        /// The wall-clock time of this run.
        case elapsed(Duration)
        /// The selections' own times added up (a merge of shards run elsewhere).
        case summed
    }

    /// One line per selection (status, scenarios passed/run, seconds for patch,
    /// build and checks), then the detail of every selection that did not pass.
    public static func table(_ records: [MatrixRecord], total: Total) -> String {
        let width = max(9, records.map(\.name.count).max() ?? 9)
        var text = "STATUS        " + "SELECTION".padding(toLength: width, withPad: " ", startingAt: 0)
            + "  CHECKS       PATCH   BUILD   VERIFY\n"
        for record in records {
            text += record.status.rawValue.uppercased().padding(toLength: 14, withPad: " ", startingAt: 0)
            text += record.name.padding(toLength: width, withPad: " ", startingAt: 0)
            text += "  " + "\(record.scenariosPassed)/\(record.scenariosRun)".padding(toLength: 9, withPad: " ", startingAt: 0)
            text += String(format: "%7.1fs %6.1fs%@ %6.1fs", record.patchSeconds, record.buildSeconds,
                           record.buildReused ? "*" : " ", record.verifySeconds) + "\n"
        }
        let failing = records.filter { $0.status != .passed }
        for record in failing {
            text += "\n\(record.status.rawValue.uppercased()) \(record.name): \(record.detail)\n"
            text += "  folder: \(record.directory)\n"
            for detail in record.failureDetails { text += detail }
        }
        text += "\n\(records.count - failing.count) of \(records.count) selections passed in "
        switch total {
        case .elapsed(let duration): text += String(format: "%.1f s", duration.inSeconds)
        case .summed: text += String(format: "%.1f s of selection time", records.reduce(0) { $0 + $1.seconds })
        }
        if records.contains(where: \.buildReused) { text += " (* build reused from the work folder)" }
        return text + "\n"
    }

    /// One JUnit suite named after the selection: a `patch` and a `build`
    /// case (class `matrix`), then one case per scenario that ran or was
    /// skipped. A conflict fails `patch` (and the rest is absent); a failed
    /// build fails `build`; a failed scenario carries its first wrong reply.
    public static func junit(_ row: MatrixRow) -> String {
        var cases: [JUnit.Case] = []
        let patchOutcome: JUnit.Case.Outcome = row.status == .conflict
            ? .failed(message: row.detail, detail: row.detail) : .passed
        cases.append(JUnit.Case(classname: "matrix", name: "patch", seconds: row.patchSeconds, outcome: patchOutcome))
        if row.status != .conflict {
            let buildOutcome: JUnit.Case.Outcome = row.status == .buildFailed
                ? .failed(message: row.detail, detail: row.detail) : .passed
            cases.append(JUnit.Case(classname: "matrix", name: "build", seconds: row.buildSeconds, outcome: buildOutcome))
        }
        cases += row.results.map(JUnit.scenarioCase) + row.skipped.map(JUnit.skippedCase)
        return JUnit.document(suite: row.name, cases: cases)
    }
}
