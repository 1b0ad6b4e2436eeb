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
    /// A `reconnect`: a new connection begins.
    case reconnected
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
        case .reconnected: return "-- new connection"
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

    /// The reply wait outlasts the longest AUTH failure delay (5 s), so a
    /// build that always pauses fails only the scenarios about the pause.
    public init(replyTimeout: Double = 8, exitTimeout: Double = 5) {
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
        var setup = scenario
        var connection: any TargetConnection
        do {
            connection = try target.connect(setup)
        } catch {
            return ScenarioResult(scenario: scenario, target: target.name, transcript: [],
                                  violation: Violation(line: scenario.line, message: "could not start: \(error)"),
                                  seconds: Date().timeIntervalSince(started))
        }
        var pending: [UInt8] = []
        var lastLine: [UInt8] = []
        var clientClosed = false
        /// A `within:` bound for the next `<` or `eof`.
        var bound: Double?
        var queued: [CapturedMessage] = []
        var stderr: [UInt8]? = []
        var exitStatus: Int32?
        func sendPending() {
            guard !pending.isEmpty else { return }
            connection.send(pending)
            transcript.append(.sent(pending))
            pending = []
        }
        func read() -> (LineRead, Double) {
            let wait = bound ?? replyTimeout
            bound = nil
            return (connection.nextLine(timeout: wait), wait)
        }
        /// The client closes (unless it did); every further line is
        /// unexpected; then the server must end and its results are kept.
        func end(at line: Int) {
            sendPending()
            if !clientClosed && transcript.last != .serverClosed {
                connection.shutdownInput()
                transcript.append(.clientClosed)
            }
            drain: while true {
                switch connection.nextLine(timeout: replyTimeout) {
                case .line(let reply):
                    transcript.append(.received(reply))
                    violate(line, "unexpected reply after the last expected one: '\(ByteEscapes.encode(reply))'")
                case .closed:
                    if transcript.last != .serverClosed { transcript.append(.serverClosed) }
                    break drain
                case .timedOut:
                    transcript.append(.noReply(seconds: replyTimeout))
                    violate(line, "the server did not close the connection after the client did")
                    break drain
                }
            }
            let completion = connection.finish(timeout: exitTimeout)
            for (index, message) in completion.queued.enumerated() { transcript.append(.queued(index: queued.count + index + 1, message)) }
            if !target.isLive { transcript.append(.exited(completion.exitStatus)) }
            queued += completion.queued
            stderr = completion.stderr.flatMap { bytes in stderr.map { $0 + bytes } }
            exitStatus = completion.exitStatus
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
                switch read() {
                case (.line(let line), _):
                    transcript.append(.received(line))
                    lastLine = line
                    if !Self.matches(match, line) {
                        violate(step.line, "expected '\(match)', got '\(ByteEscapes.encode(line))'")
                    }
                case (.closed, _):
                    if transcript.last != .serverClosed { transcript.append(.serverClosed) }
                    violate(step.line, "expected '\(match)', but the server had closed the connection")
                case (.timedOut, let wait):
                    transcript.append(.noReply(seconds: wait))
                    violate(step.line, "expected '\(match)', but no reply came within \(wait) s")
                }
            case .startTLS(let offer):
                sendPending()
                if let failure = connection.startTLS(offer: offer, timeout: replyTimeout) {
                    transcript.append(.tlsFailed(failure))
                    violate(step.line, "TLS handshake failed: \(failure)")
                } else {
                    transcript.append(.tlsEstablished(clientCertificate: offer.certificate))
                }
            case .refusedTLS(let offer):
                sendPending()
                guard let failure = connection.startTLS(offer: offer, timeout: replyTimeout) else {
                    transcript.append(.tlsEstablished(clientCertificate: offer.certificate))
                    violate(step.line, "expected the server to refuse a handshake offering \(offer.words.joined(separator: " ")), but it completed")
                    continue
                }
                transcript.append(.tlsFailed(failure))
                // Whatever the server writes now (an alert, a 454 in clear)
                // is neither checked nor recorded: TLS stacks differ in what
                // the client gets to see of it. It must end the connection.
                var rest = connection.nextLine(timeout: replyTimeout)
                while case .line = rest { rest = connection.nextLine(timeout: replyTimeout) }
                if rest == .closed {
                    transcript.append(.serverClosed)
                } else {
                    violate(step.line, "the handshake failed, but the server kept the connection open")
                }
            case .silence(let seconds):
                sendPending()
                switch connection.nextLine(timeout: seconds) {
                case .timedOut:
                    transcript.append(.noReply(seconds: seconds))
                case .line(let line):
                    transcript.append(.received(line))
                    violate(step.line, "expected \(seconds) s of silence, got '\(ByteEscapes.encode(line))'")
                case .closed:
                    transcript.append(.serverClosed)
                    violate(step.line, "expected \(seconds) s of silence, but the server closed the connection")
                }
            case .within(let seconds):
                bound = seconds
            case .reconnect(let controls):
                end(at: step.line)
                for (name, file) in controls { setup.controls[name] = file }
                clientClosed = false
                lastLine = []
                do {
                    connection = try target.connect(setup)
                    transcript.append(.reconnected)
                } catch {
                    violate(step.line, "could not start the next connection: \(error)")
                    break
                }
            case .close:
                sendPending()
                connection.shutdownInput()
                clientClosed = true
                transcript.append(.clientClosed)
            case .expectEOF:
                sendPending()
                switch read() {
                case (.closed, _):
                    if transcript.last != .serverClosed { transcript.append(.serverClosed) }
                case (.line(let line), _):
                    transcript.append(.received(line))
                    violate(step.line, "expected the server to close the connection, got '\(ByteEscapes.encode(line))'")
                case (.timedOut, let wait):
                    transcript.append(.noReply(seconds: wait))
                    violate(step.line, "expected the server to close the connection, but it kept it open for \(wait) s")
                }
            }
        }
        let endLine = scenario.steps.last?.line ?? scenario.line
        end(at: endLine)
        checkQueue(scenario, queued, violate)
        if let expected = scenario.exitStatus, exitStatus != expected {
            violate(endLine, "expected exit status \(expected), got \(exitStatus.map(String.init) ?? "none (killed after \(exitTimeout) s)")")
        }
        if let expected = scenario.stderr, let stderr, !Self.matches(expected, stderr) {
            violate(endLine, "expected stderr '\(expected == .exact([]) ? "empty" : expected.description)', got '\(ByteEscapes.encode(stderr))'")
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
