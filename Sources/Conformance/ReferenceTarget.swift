import Foundation
import SMTPEngine
import SMTPServer

/// The reference engine (`SMTPSession`) in process, with an in-memory queue,
/// a fixed clock and pid, and `CheckPasswordStandIn` as the check program.
/// Control files are written to a fresh temporary qmail home per connection
/// and read with `ConfigurationLoader`, exactly as the engine's binary would.
/// TLS is real: the transport's `ServerTLS` (certificates, client
/// certificate check) on one in-memory NIOSSL endpoint, the suite's client
/// on another, ciphertext passed between them.
public struct ReferenceTarget: ConformanceTarget {
    public let name = "ref"
    public let kind = "ref"
    public let features: Features
    public let maxParallelism = 8
    /// Changes the session's configuration after loading (mutation testing).
    public let adjust: @Sendable (inout SessionConfiguration) -> Void

    /// Fixed values the engine sees: qmail-smtpd's pid, the queue's pid, the clock.
    public static let processID = 31337
    public static let queuePID = 4242
    public static let clock: Int64 = 1_795_618_026 // 25 Nov 2026 14:47:06 UTC

    /// This host's interfaces (ipme), read once; loopback if they cannot be read.
    static let localAddresses: Set<IPv4Address> =
        (try? ConfigurationLoader.localInterfaceAddresses()) ?? [.any, IPv4Address(127, 0, 0, 1)]

    public init(features: Features, adjust: @escaping @Sendable (inout SessionConfiguration) -> Void = { _ in }) {
        self.features = features
        self.adjust = adjust
    }

    public func connect(_ scenario: Scenario) throws -> any TargetConnection {
        let home = ScratchRoot.folder("qmailkit-ref")
        defer { try? FileManager.default.removeItem(at: home) }
        let control = home.appendingPathComponent("control")
        try ControlDirectory.write(ScenarioBase.controls(for: scenario), into: control)
        let environment = ScenarioBase.environment(for: scenario)
        let localAddresses = Self.localAddresses
        let startup: [Action]
        var session: SMTPSession?
        var tls: ServerTLS?
        do {
            var configuration = try ConfigurationLoader.load(
                qmailHome: home.path, environment: environment,
                checkProgram: scenario.arguments, features: features,
                localAddresses: localAddresses, processID: Self.processID, clock: { Self.clock })
            // Read now (the folder goes when this returns), as the transport
            // does per connection: certificate, cipher list, client authorities.
            if features.contains(.tls), case .usable = configuration.serverCertificate {
                do {
                    let ciphers = try ServerTLS.cipherText(environment: environment, controlDirectory: control.path).get()
                    tls = try ServerTLS(controlDirectory: control.path, ciphers: ciphers.map(ServerCipherList.init))
                } catch {
                    configuration.serverCertificate = .unusable(
                        reason: (error as? ServerTLS.SetupError)?.reason ?? "cannot create context")
                }
            }
            adjust(&configuration)
            session = SMTPSession(configuration: configuration)
            startup = []
        } catch is ConfigurationLoader.UnreadableControl {
            startup = SMTPSession.actions(for: .unreadableControls)
        }
        return ReferenceConnection(session: session, startup: startup, queueOutcome: scenario.queueOutcome, tls: tls)
    }
}

/// Carries out a session's actions on a virtual clock: replies become
/// readable at `.flush`, a `.sleep` delays what follows, queue runs and
/// check programs complete at once, and timeoutsmtpd ends a session that
/// waits for input (or for a handshake) that long, as qmail-smtpd's timed
/// reads do. Reading a reply advances the clock to the moment it is sent;
/// waiting for one that never comes advances it by the wait.
final class ReferenceConnection: TargetConnection {
    private var session: SMTPSession?
    private let queueOutcome: QueueOutcome
    /// Seconds since the connection began, as the client sees them.
    private var now: Double = 0
    /// When the server is done with what it was last given (sleeps included).
    private var busyUntil: Double = 0
    /// When the server last began to wait for the client.
    private var lastActivity: Double = 0
    private var readable: [UInt8] = []
    /// Output not yet sent: when, and what.
    private var scheduled: [(at: Double, bytes: [UInt8])] = []
    private var unflushed: [UInt8] = []
    /// The session has ended (at `closedAt`).
    private var closed = false
    private var closedAt: Double = 0
    private var exitStatus: Int32?
    private var queued: [CapturedMessage] = []
    private var currentMessage: [UInt8] = []
    private var stderr: [UInt8] = []
    private let tls: ServerTLS?
    /// The server's endpoint from `.startTLS` on; the client's once the
    /// handshake is done.
    private var server: (endpoint: TLSEndpoint, outcome: ClientCertificateOutcome)?
    private var client: TLSEndpoint?

    init(session: SMTPSession?, startup: [Action], queueOutcome: QueueOutcome, tls: ServerTLS?) {
        self.session = session
        self.queueOutcome = queueOutcome
        self.tls = tls
        perform(startup)
        if session != nil { perform(self.session!.start()) }
    }

    func send(_ bytes: [UInt8]) {
        guard !closed, session != nil else { return }
        if let client, let server {
            client.send(bytes)
            perform(session!.receive(server.endpoint.incoming(client.outgoing())))
        } else if let server {
            // Clear text where the server awaits a ClientHello: as over a
            // socket, it goes into the handshake (and breaks it).
            _ = server.endpoint.incoming(bytes)
            if let failure = server.endpoint.failureError { handshakeFailed(TLSFailureReason.phrase(for: failure)) }
        } else {
            perform(session!.receive(bytes))
        }
    }

    func startTLS(offer: TLSOffer, timeout: Double) -> String? {
        guard client == nil, let server, !closed else { return "the server did not start a TLS handshake" }
        let newClient: TLSEndpoint
        do { newClient = try TLSEndpoint.client(offer: offer) } catch { return "TLS client: \(error)" }
        var quiet = false
        var serverHello = ServerHelloReader()
        while !quiet {
            let toServer = newClient.outgoing()
            _ = server.endpoint.incoming(toServer)
            let toClient = server.endpoint.outgoing()
            serverHello.feed(toClient)
            _ = newClient.incoming(toClient)
            if let failure = server.endpoint.failureError ?? newClient.failureError {
                handshakeFailed(TLSFailureReason.phrase(for: failure))
                return String(describing: failure)
            }
            quiet = toServer.isEmpty && toClient.isEmpty
        }
        guard newClient.isEstablished, server.endpoint.isEstablished else {
            handshakeFailed("the handshake stalled")
            return "the handshake stalled"
        }
        client = newClient
        let cipher = serverHello.cipherSuite.flatMap(CipherSuiteName.openSSL)
            ?? server.endpoint.version.map(ServerTLS.versionName) ?? "TLS"
        perform(session!.handle(.tlsEstablished(cipher: cipher, verifiedClientEmails: server.outcome.verifiedEmails)))
        return nil
    }

    private func handshakeFailed(_ reason: String) {
        server = nil
        perform(session!.handle(.tlsFailed(reason: reason)))
    }

    /// Encrypts written replies once TLS is on.
    private func encrypted(_ bytes: [UInt8]) -> [UInt8] {
        guard let client, let server else { return bytes }
        server.endpoint.send(bytes)
        return client.incoming(server.endpoint.outgoing())
    }

    func nextLine(timeout: Double) -> LineRead {
        let limit = now + timeout
        while true {
            if let end = readable.firstIndex(of: 10) {
                var line = Array(readable[..<end])
                readable.removeSubrange(...end)
                if line.last == 13 { line.removeLast() }
                return .line(line)
            }
            if closed, scheduled.isEmpty, closedAt <= now {
                guard readable.isEmpty else {
                    defer { readable = [] }
                    return .line(readable)
                }
                return .closed
            }
            guard let next = nextEvent(), next <= limit else {
                now = limit
                return .timedOut
            }
            now = max(now, next)
            catchUp()
        }
    }

    /// When something next happens on the server's side: output, the end,
    /// or the timeout of the read (or handshake) it waits in.
    private func nextEvent() -> Double? {
        if let first = scheduled.first { return first.at }
        if closed { return closedAt }
        guard session?.isAwaitingInput == true || (server != nil && client == nil) else { return nil }
        return max(lastActivity, busyUntil) + Double(session!.configuration.readTimeoutSeconds)
    }

    /// Makes due output readable and fires a timeout that is due.
    private func catchUp() {
        while let first = scheduled.first, first.at <= now {
            readable += first.bytes
            scheduled.removeFirst()
        }
        guard scheduled.isEmpty, !closed, let due = nextEvent(), due <= now else { return }
        busyUntil = due
        if server != nil, client == nil {
            handshakeFailed("timeout")
        } else {
            perform(session!.timeout())
        }
    }

    func shutdownInput() {
        guard !closed, session != nil else { return }
        perform(session!.endOfInput())
    }

    func finish(timeout: Double) -> Completion {
        now = max(now, closedAt)
        catchUp()
        return Completion(exitStatus: closed ? exitStatus : nil, queued: queued, stderr: stderr)
    }

    /// Carries out `actions` from the moment the server is free; `busyUntil`
    /// is the action clock (a `.sleep` moves it on).
    private func perform(_ actions: [Action]) {
        busyUntil = max(now, busyUntil)
        defer { lastActivity = busyUntil }
        for action in actions {
            switch action {
            case .reply(let bytes):
                unflushed += bytes
            case .flush:
                if !unflushed.isEmpty { scheduled.append((busyUntil, encrypted(unflushed))) }
                unflushed = []
            case .startQueue:
                currentMessage = []
                perform(session!.handle(.queueStarted(pid: ReferenceTarget.queuePID)))
            case .queueMessage(let bytes):
                currentMessage += bytes
            case .finishQueue(let envelope):
                if let envelope { queued.append(CapturedMessage(message: currentMessage, envelope: envelope)) }
                let termination: QueueTermination = switch queueOutcome {
                case .exit(let code): envelope == nil && code == 0 ? .exited(81) : .exited(code)
                case .crash: .crashed
                }
                perform(session!.handle(.queueFinished(termination, messageWriteFailed: false)))
            case .runCheckProgram(let argv, let payload):
                let termination: CheckProgramTermination
                if argv.first == CheckPasswordStandIn.argumentName {
                    switch CheckPasswordStandIn.exitsSuccessfully(payload: payload) {
                    case true?: termination = .exited(0)
                    case false?: termination = .exited(1)
                    case nil: termination = .crashed
                    }
                } else {
                    termination = .couldNotRun
                }
                perform(session!.handle(.checkProgramFinished(termination)))
            case .sleep(let seconds):
                busyUntil += Double(seconds)
            case .startTLS:
                do {
                    guard let tls else { throw SuitePKI.SetupError(description: "tls is not built in") }
                    let (handler, outcome) = tls.makeHandler()
                    server = (try TLSEndpoint(handler), outcome)
                } catch {
                    perform(session!.handle(.tlsFailed(reason: "\(error)")))
                }
            case .diagnostic(let line):
                stderr += Array(line.utf8) + [10]
            case .close(let code):
                if !unflushed.isEmpty { scheduled.append((busyUntil, encrypted(unflushed))) }
                unflushed = []
                closed = true
                closedAt = busyUntil
                exitStatus = code
            }
        }
    }
}
