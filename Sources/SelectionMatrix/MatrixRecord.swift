import Conformance
import Foundation

/// One selection's outcome as `qmailkit matrix --json` prints it and as a
/// results folder keeps it (`<selection>.json`): everything the table shows,
/// the failure details included, so shards merged later print the same table.
public struct MatrixRecord: Codable, Sendable, Equatable {
    public var selection: [String]
    public var name: String
    public var status: MatrixRow.Status
    public var detail: String
    public var scenariosRun: Int
    public var scenariosPassed: Int
    public var failedScenarios: [String]
    /// Each failed scenario as the table shows it: expectation, spec, transcript.
    public var failureDetails: [String]
    public var patchSeconds: Double
    public var buildSeconds: Double
    public var verifySeconds: Double
    public var buildReused: Bool
    public var directory: String

    public init(_ row: MatrixRow) {
        selection = row.selection
        name = row.name
        status = row.status
        detail = row.detail
        scenariosRun = row.scenariosRun
        scenariosPassed = row.scenariosPassed
        failedScenarios = row.failures.map(\.scenario.name)
        failureDetails = row.failures.map(Reports.failureDetail)
        patchSeconds = Self.rounded(row.patchSeconds)
        buildSeconds = Self.rounded(row.buildSeconds)
        verifySeconds = Self.rounded(row.verifySeconds)
        buildReused = row.buildReused
        directory = row.directory.path
    }

    /// Seconds of patching, building and checking together.
    public var seconds: Double { patchSeconds + buildSeconds + verifySeconds }

    /// What is inconsistent in a record read back from a file; nil when it holds together.
    public var inconsistency: String? {
        if name != MatrixRow.name(of: selection) {
            return "name '\(name)' does not spell selection \(selection)"
        }
        if scenariosPassed < 0 || scenariosPassed > scenariosRun {
            return "\(scenariosPassed) of \(scenariosRun) scenarios passed"
        }
        if failedScenarios.count != failureDetails.count {
            return "\(failedScenarios.count) failed scenarios but \(failureDetails.count) failure details"
        }
        if (status == .failed) != !failedScenarios.isEmpty {
            return "status \(status.rawValue) with \(failedScenarios.count) failed scenarios"
        }
        return nil
    }

    private static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
