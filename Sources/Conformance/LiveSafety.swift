/// Which scenarios may run against a live server (`remote:HOST:PORT`), decided
/// from the scenario itself rather than a tag, so a new scenario cannot be
/// mislabelled.
///
/// A live server keeps its own environment and control files and delivers what
/// it accepts, and nobody can read its exit status. So a scenario is safe when
/// it needs no setup of its own, can never complete a message (even on a
/// server that wrongly accepts one), checks nothing a remote server does not
/// show, and does not flood.
public enum LiveSafety {
    /// Most command lines a scenario may pipeline in one write.
    public static let maxPipelinedLines = 10
    /// Most bytes a scenario may send in all.
    public static let maxBytesSent = 16 * 1024

    /// `scenarios` split into those `target` runs and those it skips, with
    /// the reason: a live target skips the unsafe ones; any target skips an
    /// SMTPS peer scenario when this process may not listen on port 465.
    public static func partition(_ scenarios: [Scenario], for target: any ConformanceTarget)
        -> (runnable: [Scenario], skipped: [SkippedScenario]) {
        var runnable: [Scenario] = []
        var skipped: [SkippedScenario] = []
        for scenario in scenarios {
            if let reason = target.isLive ? unsafeReason(scenario) : machineReason(scenario) {
                skipped.append(SkippedScenario(scenario: scenario, reason: reason))
            } else {
                runnable.append(scenario)
            }
        }
        return (runnable, skipped)
    }

    /// Why this machine cannot run `scenario` for a local target; nil if it can.
    public static func machineReason(_ scenario: Scenario) -> String? {
        guard let peer = scenario.remote?.peer, peer.smtps else { return nil }
        return PortPrivilege.refusal(port: peer.port).map { "its SMTPS test peer " + $0 }
    }

    /// Why `scenario` must not run against a live server; nil if it may.
    public static func unsafeReason(_ scenario: Scenario) -> String? {
        if !scenario.environment.isEmpty { return "sets its own environment (env:)" }
        if !scenario.controls.isEmpty || scenario.steps.contains(where: {
            if case .reconnect(let controls) = $0.kind { !controls.isEmpty } else { false }
        }) { return "writes its own control files (control:)" }
        if !scenario.arguments.isEmpty { return "runs qmail-smtpd with arguments (args:)" }
        if scenario.queueOutcome != .exit(0) { return "sets how the queue program ends (queue-exit:)" }
        if !scenario.queue.isEmpty || expectsDataAccepted(scenario) {
            return "has a message accepted (354 or queue:), which a live server would deliver"
        }
        if couldCompleteMessage(scenario) {
            return "sends DATA and a final '.', which completes a message on a server that accepts the DATA"
        }
        if scenario.exitStatus != nil { return "checks the exit status (expect-exit:), which a remote server does not show" }
        if scenario.stderr != nil { return "checks qmail-smtpd's stderr (stderr:), which a remote server does not show" }
        let groups = pipelinedGroups(scenario)
        if let largest = groups.map(lineCount).max(), largest > maxPipelinedLines {
            return "floods: \(largest) lines in one write (more than \(maxPipelinedLines))"
        }
        let total = groups.reduce(0) { $0 + $1.count }
        if total > maxBytesSent { return "floods: sends \(total) bytes (more than \(maxBytesSent))" }
        return nil
    }

    private static func expectsDataAccepted(_ scenario: Scenario) -> Bool {
        scenario.steps.contains { step in
            guard case .expect(let match) = step.kind else { return false }
            switch match {
            case .exact(let bytes): return bytes.starts(with: Array("354".utf8))
            case .regex(let pattern): return pattern.contains("354")
            }
        }
    }

    /// A DATA command followed, anywhere later, by a line that is only ".".
    private static func couldCompleteMessage(_ scenario: Scenario) -> Bool {
        let sent = scenario.steps.reduce(into: [UInt8]()) { bytes, step in
            if case .send(let chunk) = step.kind { bytes += chunk }
        }
        var sawData = false
        for rawLine in sent.split(separator: 10, omittingEmptySubsequences: false) {
            var line = Array(rawLine)
            if line.last == 13 { line.removeLast() }
            if line == [UInt8(ascii: ".")] && sawData { return true }
            let verb = line.prefix { $0 != UInt8(ascii: " ") }.map { $0 & 0xDF }
            if verb == Array("DATA".utf8) { sawData = true }
        }
        return false
    }

    /// The bytes of each write the runner makes: consecutive sends up to the
    /// next expectation, close or CRAM answer.
    private static func pipelinedGroups(_ scenario: Scenario) -> [[UInt8]] {
        var groups: [[UInt8]] = []
        var pending: [UInt8] = []
        for step in scenario.steps {
            if case .send(let bytes) = step.kind {
                pending += bytes
            } else if !pending.isEmpty {
                groups.append(pending)
                pending = []
            }
        }
        if !pending.isEmpty { groups.append(pending) }
        return groups
    }

    private static func lineCount(_ bytes: [UInt8]) -> Int {
        bytes.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }
}

/// A scenario a target does not run, and why.
public struct SkippedScenario: Sendable, Equatable {
    public var scenario: Scenario
    public var reason: String
}
