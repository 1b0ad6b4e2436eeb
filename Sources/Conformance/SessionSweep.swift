import Foundation
import SeededRandom

/// What one target answered to a session.
public struct PlayedSession: Sendable {
    /// The raw transcript (as `ScenarioRunner` records one).
    public var result: ScenarioResult
    /// The session as a checked scenario: its client lines with this
    /// target's replies as expectations (times, pids and CRAM-MD5 challenges
    /// as patterns), `eof` where the server closed, the queued envelopes and
    /// the exit status. Played with `ScenarioRunner` on the same target it passes.
    public var recorded: Scenario
}

/// Two targets that answered one session differently.
public struct SessionDifference: Sendable {
    public var session: RandomSession
    public var first: PlayedSession
    public var second: PlayedSession
    /// Over the canonical transcripts (see `SessionSweep.canonical`).
    public var difference: TranscriptDifference
    /// A queued message whose text (Received date aside) differs; nil when
    /// the transcripts differ elsewhere.
    public var message: (index: Int, first: [UInt8], second: [UInt8])?

    /// The seed, both transcripts from the first differing entry, and the
    /// dialogue as scenario text with the first target's replies, ready to
    /// go into a `.scn` file.
    public var report: String {
        var text = "seed \(SplitMix64.hex(session.seed)): \(session.units.count) unit(s), "
        text += "\(session.units.reduce(0) { $0 + $1.count }) client line(s)\n"
        for played in [first, second] {
            if let violation = played.result.violation { text += "\(played.result.target): \(violation.message)\n" }
        }
        text += Reports.differences([difference], total: 1)
        if let message {
            text += "queued message \(message.index) differs:\n"
            text += "  \(first.result.target): \(ByteEscapes.encode(message.first))\n"
            text += "  \(second.result.target): \(ByteEscapes.encode(message.second))\n"
        }
        text += "the dialogue, with \(first.result.target)'s replies:\n"
        text += ScenarioText.render(first.recorded)
        return text
    }
}

/// Plays random sessions (`RandomSession`) on two targets, normally the
/// reference engine and a real build with the same features, and reports
/// every session whose transcripts differ, shrunk to the fewest units that
/// still show a difference.
///
/// A session has no expectations, so it is played reply by reply: each
/// client line is sent on its own and then one reply per line it ends is
/// read (all lines of a multi-line reply), except while a message is being
/// sent after `354`, when only the final dot is answered. What differs
/// legitimately between two runs — the time and pid of `250 ok … qp …`, the
/// CRAM-MD5 challenge's pid and time, the Received line's date — is made
/// canonical before the comparison, which is then `Differential.compare`'s
/// (CRAM-MD5 answers by presence, envelopes of queued messages, exit status)
/// plus the text of queued messages.
public struct SessionSweep: Sendable {
    public let first: any ConformanceTarget
    public let second: any ConformanceTarget
    public var replyTimeout: Double
    public var exitTimeout: Double

    public init(first: any ConformanceTarget, second: any ConformanceTarget, replyTimeout: Double = 5, exitTimeout: Double = 5) {
        self.first = first
        self.second = second
        self.replyTimeout = replyTimeout
        self.exitTimeout = exitTimeout
    }

    /// The outcome of `run`.
    public struct Report: Sendable {
        public var seed: UInt64
        public var count: Int
        /// Shrunk, in seed order.
        public var differences: [SessionDifference]
        /// Sessions left out by `excluding`, by the name it gave.
        public var excluded: [String: Int]
        /// Client lines sent and replies read per target-independent code
        /// (the first target's), to show what the sessions exercised.
        public var linesSent: Int
        public var replyCodes: [String: Int]
        public var seconds: Double
    }

    /// Sessions `SplitMix64.sessionSeed(seed, 0..<count)`, one after the
    /// other. `excluding` names a known, reported difference to leave out
    /// (nil = count it). `progress` is called after each session.
    public func run(seed: UInt64, count: Int,
                    excluding: (SessionDifference) -> String? = { _ in nil },
                    progress: (Int, Report) -> Void = { _, _ in }) -> Report {
        let started = Date()
        var report = Report(seed: seed, count: count, differences: [], excluded: [:], linesSent: 0, replyCodes: [:], seconds: 0)
        for index in 0..<count {
            let session = RandomSession.generate(seed: SplitMix64.sessionSeed(seed, index))
            let (difference, played) = compare(session)
            for entry in played.result.transcript {
                switch entry {
                case .sent, .sentChallengeResponse: report.linesSent += 1
                case .received(let line) where line.count >= 3 && (line.count == 3 || line[3] != UInt8(ascii: "-")):
                    report.replyCodes[String(decoding: line.prefix(3), as: UTF8.self), default: 0] += 1
                default: break
                }
            }
            if let difference {
                if let name = excluding(difference) {
                    report.excluded[name, default: 0] += 1
                } else {
                    report.differences.append(shrink(difference))
                }
            }
            report.seconds = Date().timeIntervalSince(started)
            progress(index, report)
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Plays `session` on both targets; the difference, if any, and the first target's play.
    public func compare(_ session: RandomSession) -> (SessionDifference?, PlayedSession) {
        var scenario = session.scenario
        if scenario.features == FeatureRequirement() {
            scenario.features.required = first.features.intersection(second.features)
        }
        let a = play(scenario, on: first), b = play(scenario, on: second)
        let left = Self.canonical(a.result), right = Self.canonical(b.result)
        if a.result.violation != nil || b.result.violation != nil {
            // A target that could not even start is never "the same".
            let difference = TranscriptDifference(scenario: scenario, first: left, second: right, index: 0)
            return (SessionDifference(session: session, first: a, second: b, difference: difference, message: nil), a)
        }
        if let difference = Differential.compare([left], [right]).first {
            return (SessionDifference(session: session, first: a, second: b, difference: difference, message: nil), a)
        }
        let messages = (Self.queued(left), Self.queued(right))
        for (index, pair) in zip(messages.0, messages.1).enumerated() where pair.0 != pair.1 {
            let position = Differential.normalised(left).firstIndex { $0.hasPrefix("Q\(index + 1):") } ?? 0
            let difference = TranscriptDifference(scenario: scenario, first: left, second: right, index: position)
            return (SessionDifference(session: session, first: a, second: b, difference: difference,
                                      message: (index + 1, pair.0, pair.1)), a)
        }
        return (nil, a)
    }

    /// The smallest session found by dropping units, then steps inside units,
    /// then settings (each back to the scenario base), one at a time, for as
    /// long as some difference remains.
    public func shrink(_ found: SessionDifference) -> SessionDifference {
        var best = found
        func attempt(_ candidate: RandomSession) -> Bool {
            guard let difference = compare(candidate).0 else { return false }
            best = difference
            return true
        }
        var changed = true
        while changed {
            changed = false
            var unit = best.session.units.count - 1
            while unit >= 0 {
                var candidate = best.session
                candidate.units.remove(at: unit)
                if !candidate.units.isEmpty, attempt(candidate) { changed = true }
                unit -= 1
            }
            for unit in best.session.units.indices.reversed() where best.session.units[unit].count > 1 {
                var step = best.session.units[unit].count - 1
                while step >= 0 {
                    if step < best.session.units[unit].count && best.session.units[unit].count > 1 {
                        var candidate = best.session
                        candidate.units[unit].remove(at: step)
                        if attempt(candidate) { changed = true }
                    }
                    step -= 1
                }
            }
            for name in best.session.setting.environment.keys.sorted() {
                var candidate = best.session
                candidate.setting.environment[name] = nil
                if attempt(candidate) { changed = true }
            }
            for name in best.session.setting.controls.keys.sorted() {
                var candidate = best.session
                candidate.setting.controls[name] = nil
                if attempt(candidate) {
                    changed = true
                    continue
                }
                // Else its lines, one at a time.
                guard case .contents(let bytes)? = best.session.setting.controls[name] else { continue }
                let lines = bytes.split(separator: 10, omittingEmptySubsequences: false).dropLast()
                guard lines.count > 1 else { continue }
                for drop in lines.indices.reversed() {
                    guard case .contents(let current)? = best.session.setting.controls[name] else { break }
                    let now = current.split(separator: 10, omittingEmptySubsequences: false).dropLast()
                    guard drop < now.count, now.count > 1 else { continue }
                    var kept = Array(now)
                    kept.remove(at: drop)
                    candidate = best.session
                    candidate.setting.controls[name] = .contents(kept.flatMap { Array($0) + [10] })
                    if attempt(candidate) { changed = true }
                }
            }
            if !best.session.setting.arguments.isEmpty {
                var candidate = best.session
                candidate.setting.arguments = []
                if attempt(candidate) { changed = true }
            }
            if best.session.setting.queueOutcome != .exit(0) {
                var candidate = best.session
                candidate.setting.queueOutcome = .exit(0)
                if attempt(candidate) { changed = true }
            }
        }
        return best
    }

    /// Plays `scenario`'s client lines on `target`, reading replies as they come.
    public func play(_ scenario: Scenario, on target: any ConformanceTarget) -> PlayedSession {
        let started = Date()
        var recorded = scenario
        recorded.steps = []
        recorded.queue = []
        var line = scenario.line + 1
        func record(_ kind: Step.Kind) {
            recorded.steps.append(Step(kind, line: line))
            line += 1
        }
        var transcript: [TranscriptEntry] = []
        let connection: any TargetConnection
        do {
            connection = try target.connect(scenario)
        } catch {
            let result = ScenarioResult(scenario: scenario, target: target.name, transcript: [],
                                        violation: Violation(line: scenario.line, message: "could not start: \(error)"),
                                        seconds: Date().timeIntervalSince(started))
            return PlayedSession(result: result, recorded: recorded)
        }
        var closed = false
        var inMessage = false
        var lastLine: [UInt8] = []
        /// Reads one whole reply; false when none came.
        func readReply() -> Bool {
            while true {
                switch connection.nextLine(timeout: replyTimeout) {
                case .line(let reply):
                    transcript.append(.received(reply))
                    record(.expect(Self.expectation(for: reply)))
                    lastLine = reply
                    guard reply.count < 4 || reply[3] != UInt8(ascii: "-") else { continue }
                    inMessage = !inMessage && reply.starts(with: Array("354".utf8))
                    return true
                case .closed:
                    closed = true
                    transcript.append(.serverClosed)
                    record(.expectEOF)
                    return false
                case .timedOut:
                    transcript.append(.noReply(seconds: replyTimeout))
                    return false
                }
            }
        }
        _ = readReply()
        for step in scenario.steps where !closed {
            switch step.kind {
            case .send(let bytes):
                connection.send(bytes)
                transcript.append(.sent(bytes))
                record(step.kind)
                if inMessage {
                    if bytes == Array(".\r\n".utf8) { _ = readReply() }
                } else {
                    for _ in 0..<max(1, bytes.filter { $0 == 10 }.count) where !closed && !inMessage {
                        if !readReply() { break }
                    }
                }
            case .cramResponse(let user, let password):
                // After a refused AUTH there is no challenge to answer: the
                // same bytes go out, as a plain line, to both targets.
                let response = Self.cramAnswer(to: lastLine, user: user, password: password)
                connection.send(response)
                if Self.isChallenge(lastLine) {
                    transcript.append(.sentChallengeResponse(response))
                    record(step.kind)
                } else {
                    transcript.append(.sent(response))
                    record(.send(response))
                }
                if !inMessage { _ = readReply() }
            case .close, .expect, .expectEOF, .startTLS, .refusedTLS, .silence, .within, .reconnect:
                continue // random sessions have none of these
            }
        }
        if !closed {
            connection.shutdownInput()
            transcript.append(.clientClosed)
            record(.close)
            while readReply() {}
        }
        let completion = connection.finish(timeout: exitTimeout)
        for (index, message) in completion.queued.enumerated() {
            transcript.append(.queued(index: index + 1, message))
            recorded.queue.append(QueuedMessage(envelope: .exact(message.envelope), line: line))
            line += 1
        }
        if !target.isLive { transcript.append(.exited(completion.exitStatus)) }
        recorded.exitStatus = completion.exitStatus
        let result = ScenarioResult(scenario: scenario, target: target.name, transcript: transcript, violation: nil,
                                    seconds: Date().timeIntervalSince(started))
        return PlayedSession(result: result, recorded: recorded)
    }

    /// The client's CRAM-MD5 answer to the last line if it is a `334`
    /// challenge, else to the bytes it decodes to (or to nothing): the same
    /// bytes for the same reply on every target.
    static func cramAnswer(to lastLine: [UInt8], user: String, password: String) -> [UInt8] {
        var challenge: [UInt8] = []
        if isChallenge(lastLine), let decoded = Data(base64Encoded: Data(lastLine.dropFirst(4))) {
            challenge = Array(decoded)
        }
        let digest = CheckPasswordStandIn.cramDigest(challenge: challenge, password: password)
        return Array(Data("\(user) \(digest)".utf8).base64EncodedString().utf8) + [13, 10]
    }

    /// What `ScenarioRunner` answers with a `cram:` step: a `334` with base64 after it.
    static func isChallenge(_ line: [UInt8]) -> Bool {
        line.starts(with: Array("334 ".utf8)) && Data(base64Encoded: Data(line.dropFirst(4))) != nil
    }

    /// The queue's acceptance and a CRAM-MD5 challenge carry a time and a
    /// pid; every other reply is fixed.
    static let queueAccepted = #"^250 ok \d+ qp \d+$"#
    static let cramChallenge = #"^334 [A-Za-z0-9+/]+=*$"#

    static func expectation(for reply: [UInt8]) -> LineMatch {
        if ScenarioRunner.matches(.regex(queueAccepted), reply) { return .regex(queueAccepted) }
        if cramChallengeText(reply) != nil { return .regex(cramChallenge) }
        return .exact(reply)
    }

    /// `<pid.time@host>` of a `334` line, when it is a CRAM-MD5 challenge.
    static func cramChallengeText(_ reply: [UInt8]) -> [UInt8]? {
        guard reply.starts(with: Array("334 ".utf8)), let decoded = Data(base64Encoded: Data(reply.dropFirst(4))) else {
            return nil
        }
        let text = Array(decoded)
        return ScenarioRunner.matches(.regex(#"^<\d+\.\d+@[^>]*>$"#), text) ? text : nil
    }

    /// `result` with the values that differ between runs replaced: `250 ok
    /// <time> qp <pid>`, a CRAM-MD5 challenge as `334 <pid.time@host>`
    /// (decoded, the host kept), and the date of each queued message's
    /// Received line.
    public static func canonical(_ result: ScenarioResult) -> ScenarioResult {
        var result = result
        result.transcript = canonical(result.transcript)
        return result
    }

    /// The transcript part of `canonical(_:)`.
    public static func canonical(_ transcript: [TranscriptEntry]) -> [TranscriptEntry] {
        transcript.map { entry in
            switch entry {
            case .received(let reply):
                if ScenarioRunner.matches(.regex(queueAccepted), reply) { return .received(Array("250 ok <time> qp <pid>".utf8)) }
                if let challenge = cramChallengeText(reply) {
                    let host = challenge.drop { $0 != UInt8(ascii: "@") }
                    return .received(Array("334 (CRAM-MD5 challenge) <pid.time".utf8) + host)
                }
                return entry
            case .queued(let index, var message):
                message.message = withoutReceivedDate(message.message)
                return .queued(index: index, message)
            default:
                return entry
            }
        }
    }

    /// `; 25 Nov 2026 14:47:06 -0000` in the first two lines becomes `; <date> -0000`.
    static func withoutReceivedDate(_ message: [UInt8]) -> [UInt8] {
        let (received, body) = ScenarioRunner.splitReceived(message)
        let text = String(received.map { Character(Unicode.Scalar($0)) })
        guard let regex = try? NSRegularExpression(pattern: #"; \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d -0000\n$"#),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range, in: text) else { return message }
        let replaced = text.replacingCharacters(in: range, with: "; <date> -0000\n")
        return replaced.unicodeScalars.map { UInt8($0.value) } + body
    }

    private static func queued(_ result: ScenarioResult) -> [[UInt8]] {
        result.transcript.compactMap { if case .queued(_, let message) = $0 { message.message } else { nil } }
    }
}

/// Scenario text (`scenarios/README.md`) for a `Scenario`: what
/// `ScenarioParser` reads back into the same scenario (file and line numbers
/// aside). Control files whose text does not end in a newline cannot be written.
public enum ScenarioText {
    public static func render(_ scenario: Scenario) -> String {
        var lines = ["name: \(scenario.name)"]
        if let summary = scenario.summary { lines.append("desc: \(summary)") }
        lines += scenario.spec.map { "spec: \($0)" }
        let features = scenario.features.required.names + scenario.features.excluded.names.map { "!" + $0 }
        if !features.isEmpty { lines.append("features: " + features.joined(separator: " ")) }
        for name in scenario.environment.keys.sorted() {
            if let value = scenario.environment[name] ?? nil {
                lines.append("env: \(name)=" + ByteEscapes.encode(Array(value.utf8)))
            } else {
                lines.append("env: -\(name)")
            }
        }
        for name in scenario.controls.keys.sorted() {
            switch scenario.controls[name]! {
            case .absent: lines.append("control: -\(name)")
            case .directory: lines.append("control: \(name)/")
            case .certificate(let item): lines.append("pki: \(name)=\(item)")
            case .contents(let bytes):
                var fileLines = bytes.split(separator: 10, omittingEmptySubsequences: false)
                if fileLines.last?.isEmpty == true { fileLines.removeLast() }
                lines += fileLines.map { "control: \(name)=" + ByteEscapes.encode(Array($0)) }
            }
        }
        if !scenario.arguments.isEmpty { lines.append("args: " + scenario.arguments.joined(separator: " ")) }
        switch scenario.queueOutcome {
        case .exit(0): break
        case .exit(let code): lines.append("queue-exit: \(code)")
        case .crash: lines.append("queue-exit: crash")
        }
        if !scenario.targets.isEmpty { lines.append("targets: " + scenario.targets.sorted().joined(separator: " ")) }
        for step in scenario.steps {
            switch step.kind {
            case .send(let bytes):
                if bytes.count >= 2, bytes.suffix(2) == [13, 10] {
                    lines.append("> " + ByteEscapes.encode(Array(bytes.dropLast(2))))
                } else {
                    lines.append(">> " + ByteEscapes.encode(bytes))
                }
            case .expect(.exact(let bytes)): lines.append("< " + ByteEscapes.encode(bytes))
            case .expect(.regex(let pattern)): lines.append("< ~ " + pattern)
            case .cramResponse(let user, let password): lines.append("cram: \(user) \(password)")
            case .close: lines.append("close")
            case .expectEOF: lines.append("eof")
            case .startTLS(let offer): lines.append(offer.words.isEmpty ? "tls" : (["tls:"] + offer.words).joined(separator: " "))
            case .refusedTLS(let offer):
                lines.append(offer.words.isEmpty ? "tls-refused" : (["tls-refused:"] + offer.words).joined(separator: " "))
            case .silence(let seconds): lines.append("silence: \(seconds)")
            case .within(let seconds): lines.append("within: \(seconds)")
            case .reconnect(let controls):
                lines.append("reconnect")
                for (name, file) in controls.sorted(by: { $0.key < $1.key }) {
                    switch file {
                    case .contents(let bytes):
                        for line in bytes.split(separator: 10) { lines.append("control: \(name)=" + ByteEscapes.encode(Array(line))) }
                    case .absent: lines.append("control: -\(name)")
                    case .directory: lines.append("control: \(name)/")
                    case .certificate(let item): lines.append("pki: \(name)=\(item)")
                    }
                }
            }
        }
        for message in scenario.queue {
            lines.append("queue: " + message.envelope.description)
            if let received = message.received { lines.append("queue-received: \(received)") }
            if let body = message.body { lines.append("queue-body: \(body)") }
        }
        if let status = scenario.exitStatus { lines.append("expect-exit: \(status)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
