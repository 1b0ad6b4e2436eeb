import Foundation

extension ScenarioRunner {
    /// Runs a `program: qmail-remote` scenario: starts the test peer, gives
    /// qmail-remote its control files (route to the peer's port) through the
    /// target's `RemoteClient`, runs it once, and checks the
    /// commands the peer received (`sent:`), the report (`report:`), what the
    /// peer queued (`queue:`) and the exit status (`expect-exit:`, default 0).
    /// The transcript is the peer's view (C: what qmail-remote sent, S: what
    /// it was answered), then the report fields, queued messages and exit.
    /// qmail-remote gets `exitTimeout` plus its own control/timeoutremote.
    func runRemote(_ scenario: Scenario, _ remote: RemoteSetup, on target: any ConformanceTarget) -> ScenarioResult {
        let started = Date()
        var violation: Violation?
        func violate(_ line: Int, _ message: String) {
            if violation == nil { violation = Violation(line: line, message: message) }
        }
        func result(_ transcript: [TranscriptEntry]) -> ScenarioResult {
            ScenarioResult(scenario: scenario, target: target.name, transcript: transcript, violation: violation,
                           seconds: Date().timeIntervalSince(started))
        }
        guard let client = target.remoteClient else {
            violate(scenario.line, "\(target.name) has no qmail-remote to run; remote scenarios need a build that installed bin/qmail-remote")
            return result([])
        }
        let peer: TestPeer
        let delivery: RemoteDelivery
        do {
            peer = try TestPeer(remote.peer)
        } catch {
            violate(scenario.line, "could not start the test peer: \(error)")
            return result([])
        }
        do {
            let launch = try client.command(try ScenarioBase.remoteControls(for: scenario, port: peer.port))
            delivery = try RemoteDelivery.run(launch, host: remote.host, sender: remote.sender,
                                              recipients: remote.effectiveRecipients, message: remote.message,
                                              timeout: exitTimeout + 10)
        } catch {
            peer.stop(waitingForClose: 0)
            violate(scenario.line, "could not run qmail-remote: \(error)")
            return result([])
        }
        peer.stop(waitingForClose: replyTimeout)

        var transcript = peer.recording.transcript
        let queued = peer.sink.messages.map { message in
            CapturedMessage(message: message.bytes, envelope: Array("F".utf8) + message.sender + [0]
                                + message.recipients.flatMap { Array("T".utf8) + $0 + [0] } + [0])
        }
        transcript += delivery.report.fields.map(TranscriptEntry.report)
        for (index, message) in queued.enumerated() { transcript.append(.queued(index: index + 1, message)) }
        transcript.append(.exited(delivery.status))

        let endLine = remote.report.last?.line ?? scenario.line
        let commands = peer.recording.commands
        // qmail-remote stopping early is a symptom: its report (checked
        // first) says why it stopped.
        var stoppedEarly: (line: Int, message: String)?
        for (index, expected) in remote.sent.enumerated() {
            guard index < commands.count else {
                stoppedEarly = (expected.line, "expected qmail-remote to send '\(expected.match)', but it sent only \(commands.count) command(s)")
                break
            }
            if !Self.matches(expected.match, commands[index]) {
                violate(expected.line, "expected qmail-remote to send '\(expected.match)', it sent '\(ByteEscapes.encode(commands[index]))'")
            }
        }
        if commands.count > remote.sent.count {
            violate(remote.sent.last?.line ?? endLine, "qmail-remote sent more than the scenario's sent: lines: '\(ByteEscapes.encode(commands[remote.sent.count]))'")
        }
        let fields = delivery.report.fields
        for (index, expected) in remote.report.enumerated() {
            guard index < fields.count else {
                violate(expected.line, "expected report field '\(expected.match)', but the report has only \(fields.count) field(s): \(delivery.report.text)")
                break
            }
            if !Self.matches(expected.match, fields[index]) {
                violate(expected.line, "expected report field '\(expected.match)', got '\(ByteEscapes.encode(fields[index]))'")
            }
        }
        if let stoppedEarly { violate(stoppedEarly.line, stoppedEarly.message) }
        if fields.count > remote.report.count {
            violate(endLine, "the report has more fields than expected: '\(ByteEscapes.encode(fields[remote.report.count]))'")
        }
        checkQueue(scenario, queued, violate)
        let expectedStatus = scenario.exitStatus ?? 0
        if delivery.status != expectedStatus {
            violate(endLine, "expected qmail-remote to exit \(expectedStatus), got \(delivery.status.map(String.init) ?? "none (killed)")")
        }
        return result(transcript)
    }
}
