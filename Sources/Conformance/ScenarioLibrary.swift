import Foundation
import Workers

/// Loads every `*.scn` file of a directory (sorted by name).
public enum ScenarioLibrary {
    /// All scenarios of `directory`, in file order; names must be unique
    /// across files. Throws the first parse error, naming file and line.
    public static func load(directory: URL) throws -> [Scenario] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".scn") }.sorted()
        guard !names.isEmpty else {
            throw ScenarioParseError(file: directory.path, line: 0, message: "no .scn files in this directory")
        }
        var scenarios: [Scenario] = []
        var seen: [String: Scenario] = [:]
        for name in names {
            let bytes = try Array(Data(contentsOf: directory.appendingPathComponent(name)))
            for scenario in try ScenarioParser.parse(bytes, file: name) {
                if let earlier = seen[scenario.name] {
                    throw ScenarioParseError(file: name, line: scenario.line,
                                             message: "scenario name '\(scenario.name)' is already used at \(earlier.file):\(earlier.line)")
                }
                seen[scenario.name] = scenario
                scenarios.append(scenario)
            }
        }
        return scenarios
    }
}

/// Runs a set of scenarios on a target, several at once where the target allows.
public struct SuiteRun: Sendable {
    public var runner: ScenarioRunner
    /// Requested parallelism; capped by the target's `maxParallelism`.
    public var jobs: Int

    public init(runner: ScenarioRunner = ScenarioRunner(), jobs: Int = 1) {
        self.runner = runner
        self.jobs = jobs
    }

    /// Results in the order of `scenarios`. When scenarios run side by side,
    /// the ones that mostly wait (`Scenario.expectedWait`: a pause, a
    /// timeout, an AUTH delay) start first, each on a thread beside the
    /// `jobs` busy ones, so that their waits overlap the rest of the suite
    /// instead of holding a worker.
    public func run(_ scenarios: [Scenario], on target: any ConformanceTarget) -> [ScenarioResult] {
        let runner = self.runner
        let width = min(jobs, target.maxParallelism)
        let waiting = width > 1 ? scenarios.indices.filter { scenarios[$0].expectedWait >= 0.5 }
            .sorted { scenarios[$0].expectedWait > scenarios[$1].expectedWait } : []
        let order = waiting + scenarios.indices.filter { !waiting.contains($0) }
        let results = parallelMap(count: order.count, width: width + waiting.count) { position in
            runner.run(scenarios[order[position]], on: target)
        }
        var inScenarioOrder = results
        for (position, index) in order.enumerated() { inScenarioOrder[index] = results[position] }
        return inScenarioOrder
    }
}

/// A transcript difference between two targets on the same scenario.
public struct TranscriptDifference: Sendable {
    public var scenario: Scenario
    public var first: ScenarioResult
    public var second: ScenarioResult
    /// The first entry index where the normalised transcripts disagree.
    public var index: Int
}

/// Differential mode: the same scenarios on two targets.
public enum Differential {
    /// Scenarios whose transcripts differ once the values that legitimately
    /// differ are normalised: a reply line that matched a `< ~ regex` step on
    /// both sides counts as equal, as do CRAM-MD5 answers (they depend on the
    /// challenge) and queued messages (their envelopes are compared; the
    /// message text through the scenario's own queue checks). Exit statuses
    /// count only when both targets report them.
    public static func compare(_ first: [ScenarioResult], _ second: [ScenarioResult]) -> [TranscriptDifference] {
        zip(first, second).compactMap { a, b -> TranscriptDifference? in
            let exits = reportsExit(a) && reportsExit(b)
            let left = normalised(a, keepingExit: exits), right = normalised(b, keepingExit: exits)
            guard left != right else { return nil }
            let index = zip(left, right).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(left.count, right.count)
            return TranscriptDifference(scenario: a.scenario, first: a, second: b, index: index)
        }
    }

    private static func reportsExit(_ result: ScenarioResult) -> Bool {
        result.transcript.contains { if case .exited = $0 { true } else { false } }
    }

    /// Transcript lines with the regex-matched replies replaced by their pattern.
    /// In a remote scenario the client is what differs: the peer's replies
    /// (the same engine on both sides, with its own times and pids) are left
    /// out, and sent lines and report fields matched by a regex line count as equal.
    static func normalised(_ result: ScenarioResult, keepingExit: Bool = true) -> [String] {
        var patterns: [String] = result.scenario.steps.compactMap {
            if case .expect(.regex(let pattern)) = $0.kind { pattern } else { nil }
        }
        let remote = result.scenario.remote
        for expectation in (remote?.sent ?? []) + (remote?.report ?? []) {
            if case .regex(let pattern) = expectation.match { patterns.append(pattern) }
        }
        let regexes = patterns.compactMap { try? NSRegularExpression(pattern: $0) }
        return result.transcript.compactMap { entry -> String? in
            switch entry {
            case .received where remote != nil:
                return nil
            case .sent(let line) where remote != nil, .report(let line):
                let text = String(PeerRecording.withoutLineEnd(line).map { Character(Unicode.Scalar($0)) })
                if let hit = regexes.first(where: { $0.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil }) {
                    return "~ " + hit.pattern
                }
                return entry.description
            case .received(let line):
                let text = String(line.map { Character(Unicode.Scalar($0)) })
                if let hit = regexes.first(where: { $0.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil }) {
                    return "S: ~ " + hit.pattern
                }
                return entry.description
            case .sentChallengeResponse:
                return "C: (CRAM-MD5 response)"
            case .tlsFailed:
                return "-- TLS handshake failed"
            case .queued(let index, let message):
                return "Q\(index): envelope " + ByteEscapes.encode(message.envelope)
            case .exited where !keepingExit:
                return nil
            default:
                return entry.description
            }
        }
    }
}
