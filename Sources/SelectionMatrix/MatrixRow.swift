import Conformance
import Foundation

/// The outcome of one selection of `qmailkit matrix`: patched, built, checked.
public struct MatrixRow: Sendable {
    public enum Status: String, Sendable, Codable {
        /// Built, and every scenario that applies to the selection passed.
        case passed
        /// Built, but at least one scenario failed.
        case failed
        /// The patches did not apply (a conflict, or a patch that does not fit its base).
        case conflict
        /// make failed, or the build could not be set up.
        case buildFailed = "build-failed"
    }

    /// Features in recipe order; empty for stock netqmail.
    public var selection: [String]
    public var status: Status
    /// One line: the failing scenarios, the first compiler error, or the conflict.
    public var detail: String
    public var scenariosRun: Int
    public var scenariosPassed: Int
    /// Every scenario that ran, with its transcript.
    public var results: [ScenarioResult]
    /// The scenarios that apply but were not run, with the reason.
    public var skipped: [SkippedScenario]
    public var patchSeconds: Double
    public var buildSeconds: Double
    public var verifySeconds: Double
    /// True when QmailBuilder found an identical earlier build in the work folder.
    public var buildReused: Bool
    /// The selection's folder (`tree/`, `build/`, `home/`).
    public var directory: URL

    public var name: String { MatrixRow.name(of: selection) }

    /// The failed scenarios with their transcripts.
    public var failures: [ScenarioResult] { results.filter { !$0.passed } }

    /// `stock` for the empty selection, else the features joined by `+`.
    public static func name(of selection: [String]) -> String {
        selection.isEmpty ? "stock" : selection.joined(separator: "+")
    }
}
