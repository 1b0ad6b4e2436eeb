import Foundation

/// One line of what happened on a connection, in order.
public enum TranscriptEntry: Equatable, Sendable, CustomStringConvertible {
    case sent([UInt8])
    /// A computed CRAM-MD5 answer (sent as its own write); it depends on the
    /// challenge, so differential mode compares only its presence.
    case sentChallengeResponse([UInt8])
    case received([UInt8])
    case clientClosed
    case serverClosed
    case noReply(seconds: Double)
    /// A completed TLS handshake (with this client certificate).
    case tlsEstablished(clientCertificate: String?)
    case tlsFailed(String)
    case queued(index: Int, CapturedMessage)
    /// One field of qmail-remote's report.
    case report([UInt8])
    case exited(Int32?)

    public var description: String {
        switch self {
        case .sent(let bytes): return "C: " + ByteEscapes.encode(bytes)
        case .sentChallengeResponse(let bytes): return "C: (CRAM-MD5) " + ByteEscapes.encode(bytes)
        case .received(let line): return "S: " + ByteEscapes.encode(line)
        case .clientClosed: return "-- client closed its side"
        case .serverClosed: return "-- server closed the connection"
        case .noReply(let seconds): return "-- no reply within \(seconds) s"
        case .tlsEstablished(let certificate):
            return "-- TLS established" + (certificate.map { " (client certificate \($0))" } ?? "")
        case .tlsFailed(let reason): return "-- TLS handshake failed: " + reason
        case .queued(let index, let message):
            return "Q\(index): envelope " + ByteEscapes.encode(message.envelope) + "\nQ\(index): message " + ByteEscapes.encode(message.message)
        case .report(let field): return "R: " + ByteEscapes.encode(field)
        case .exited(let status): return "-- exit " + (status.map(String.init) ?? "(did not end; killed)")
        }
    }
}

/// A scenario's expectation that did not hold.
public struct Violation: Equatable, Sendable {
    /// The scenario file line of the expectation.
    public var line: Int
    public var message: String
}

/// The outcome of one scenario on one target.
public struct ScenarioResult: Sendable {
    public var scenario: Scenario
    public var target: String
    public var transcript: [TranscriptEntry]
    /// The first expectation that failed; nil = passed.
    public var violation: Violation?
    public var seconds: Double

    public var passed: Bool { violation == nil }
}

/// Plays scenarios against targets and checks every expectation.
public struct ScenarioRunner: Sendable {
    /// Seconds to wait for each reply line.
    public var replyTimeout: Double
    /// Seconds to wait for the server to end after the dialogue.
    public var exitTimeout: Double

    public init(replyTimeout: Double = 5, exitTimeout: Double = 5) {
        self.replyTimeout = replyTimeout
        self.exitTimeout = exitTimeout
    }

    /// Runs one scenario. Client lines up to the next expected reply are sent
    /// in one write (a pipelined group); then one line is read per `<`. After
    /// the last step the client closes (unless it did), every further line is
    /// an unexpected reply, and exit status and queued messages are checked.
    /// A remote scenario runs the target's qmail-remote against a test peer
    /// instead (see `runRemote`).
    public func run(_ scenario: Scenario, on target: any ConformanceTarget) -> ScenarioResult {
        if let remote = scenario.remote { return runRemote(scenario, remote, on: target) }
        let started = Date()
        var transcript: [TranscriptEntry] = []
        var violation: Violation?
        func violate(_ line: Int, _ message: String) {
            if violation == nil { violation = Violation(line: line, message: message) }
        }
        let connection: any TargetConnection
        do {
            connection = try target.connect(scenario)
        } catch {
            return ScenarioResult(scenario: scenario, target: target.name, transcript: [],
                                  violation: Violation(line: scenario.line, message: "could not start: \(error)"),
                                  seconds: Date().timeIntervalSince(started))
        }
        var pending: [UInt8] = []
        var lastLine: [UInt8] = []
        var clientClosed = false
        // The step at which a reply was missing because the server had gone:
        // its exit status, known only at the end, is the cause to name there.
        var closedEarly: Int?
        func sendPending() {
            guard !pending.isEmpty else { return }
            connection.send(pending)
            transcript.append(.sent(pending))
            pending = []
        }
        for step in scenario.steps {
            switch step.kind {
            case .send(let bytes):
                pending += bytes
            case .cramResponse(let user, let password):
                guard lastLine.starts(with: Array("334 ".utf8)),
                      let challenge = Data(base64Encoded: Data(lastLine.dropFirst(4))) else {
                    violate(step.line, "cram: needs a '334 <base64 challenge>' reply before it, the last reply was '\(ByteEscapes.encode(lastLine))'")
                    continue
                }
                let digest = CheckPasswordStandIn.cramDigest(challenge: Array(challenge), password: password)
                let response = Array(Data("\(user) \(digest)".utf8).base64EncodedString().utf8) + [13, 10]
                sendPending()
                connection.send(response)
                transcript.append(.sentChallengeResponse(response))
            case .expect(let match):
                sendPending()
                switch connection.nextLine(timeout: replyTimeout) {
                case .line(let line):
                    transcript.append(.received(line))
                    lastLine = line
                    if !Self.matches(match, line) {
                        violate(step.line, "expected '\(match)', got '\(ByteEscapes.encode(line))'")
                    }
                case .closed:
                    if transcript.last != .serverClosed { transcript.append(.serverClosed) }
                    if violation == nil { closedEarly = step.line }
                    violate(step.line, "expected '\(match)', but the server had closed the connection")
                case .timedOut:
                    transcript.append(.noReply(seconds: replyTimeout))
                    violate(step.line, "expected '\(match)', but no reply came")
                }
            case .startTLS(let item):
                sendPending()
                let failure: String?
                do {
                    failure = connection.startTLS(clientCertificate: try item.map(SuitePKI.pem), timeout: replyTimeout)
                } catch {
                    failure = "\(error)"
                }
                if let failure {
                    transcript.append(.tlsFailed(failure))
                    violate(step.line, "TLS handshake failed: \(failure)")
                } else {
                    transcript.append(.tlsEstablished(clientCertificate: item))
                }
            case .close:
                sendPending()
                connection.shutdownInput()
                clientClosed = true
                transcript.append(.clientClosed)
            case .expectEOF:
                sendPending()
                switch connection.nextLine(timeout: replyTimeout) {
                case .closed:
                    if transcript.last != .serverClosed { transcript.append(.serverClosed) }
                case .line(let line):
                    transcript.append(.received(line))
                    violate(step.line, "expected the server to close the connection, got '\(ByteEscapes.encode(line))'")
                case .timedOut:
                    transcript.append(.noReply(seconds: replyTimeout))
                    violate(step.line, "expected the server to close the connection, but it kept it open")
                }
            }
        }
        sendPending()
        if !clientClosed {
            connection.shutdownInput()
            transcript.append(.clientClosed)
        }
        let endLine = scenario.steps.last?.line ?? scenario.line
        drain: while true {
            switch connection.nextLine(timeout: replyTimeout) {
            case .line(let line):
                transcript.append(.received(line))
                violate(endLine, "unexpected reply after the last expected one: '\(ByteEscapes.encode(line))'")
            case .closed:
                if transcript.last != .serverClosed { transcript.append(.serverClosed) }
                break drain
            case .timedOut:
                transcript.append(.noReply(seconds: replyTimeout))
                violate(endLine, "the server did not close the connection after the client did")
                break drain
            }
        }
        let completion = connection.finish(timeout: exitTimeout)
        if let line = closedEarly, violation?.line == line, !target.isLive, let status = completion.exitStatus, status != 0 {
            violation?.message += status > 128 ? " (it had died of signal \(status - 128))" : " (it had exited \(status))"
        }
        for (index, message) in completion.queued.enumerated() { transcript.append(.queued(index: index + 1, message)) }
        if !target.isLive { transcript.append(.exited(completion.exitStatus)) }
        checkQueue(scenario, completion.queued, violate)
        if let expected = scenario.exitStatus, completion.exitStatus != expected {
            let line = scenario.steps.last?.line ?? scenario.line
            violate(line, "expected exit status \(expected), got \(completion.exitStatus.map(String.init) ?? "none (killed after \(exitTimeout) s)")")
        }
        return ScenarioResult(scenario: scenario, target: target.name, transcript: transcript, violation: violation,
                              seconds: Date().timeIntervalSince(started))
    }

    func checkQueue(_ scenario: Scenario, _ queued: [CapturedMessage], _ violate: (Int, String) -> Void) {
        for (index, expected) in scenario.queue.enumerated() {
            guard index < queued.count else {
                violate(expected.line, "expected queued message \(index + 1), but only \(queued.count) reached the queue")
                return
            }
            let message = queued[index]
            if !Self.matches(expected.envelope, message.envelope) {
                violate(expected.line, "message \(index + 1): expected envelope '\(expected.envelope)', got '\(ByteEscapes.encode(message.envelope))'")
            }
            let (received, body) = Self.splitReceived(message.message)
            if let match = expected.received, !Self.matches(match, received) {
                violate(expected.line, "message \(index + 1): expected Received header '\(match)', got '\(ByteEscapes.encode(received))'")
            }
            if let match = expected.body, !Self.matches(match, body) {
                violate(expected.line, "message \(index + 1): expected body '\(match)', got '\(ByteEscapes.encode(body))'")
            }
        }
        if queued.count > scenario.queue.count {
            violate(scenario.steps.last?.line ?? scenario.line,
                    "\(queued.count) message(s) reached the queue, the scenario expects \(scenario.queue.count)")
        }
    }

    /// The first two lines (qmail-smtpd's Received header) and the rest.
    static func splitReceived(_ message: [UInt8]) -> (received: [UInt8], body: [UInt8]) {
        var newlines = 0
        for (index, byte) in message.enumerated() where byte == 10 {
            newlines += 1
            if newlines == 2 { return (Array(message[...index]), Array(message[(index + 1)...])) }
        }
        return (message, [])
    }

    /// Exact comparison, or the regex matching anywhere (bytes read as Latin-1
    /// so that every byte is one character).
    public static func matches(_ match: LineMatch, _ bytes: [UInt8]) -> Bool {
        switch match {
        case .exact(let expected):
            return expected == bytes
        case .regex(let pattern):
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
            let text = String(bytes.map { Character(Unicode.Scalar($0)) })
            return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }
}
