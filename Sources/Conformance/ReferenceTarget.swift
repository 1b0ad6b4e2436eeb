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
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-ref-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        try ControlDirectory.write(ScenarioBase.controls(for: scenario), into: home.appendingPathComponent("control"))
        let localAddresses = Self.localAddresses
        let startup: [Action]
        var session: SMTPSession?
        do {
            var configuration = try ConfigurationLoader.load(
                qmailHome: home.path, environment: ScenarioBase.environment(for: scenario),
                checkProgram: scenario.arguments, features: features,
                localAddresses: localAddresses, processID: Self.processID, clock: { Self.clock })
            adjust(&configuration)
            session = SMTPSession(configuration: configuration)
            startup = []
        } catch is ConfigurationLoader.UnreadableControl {
            startup = SMTPSession.actions(for: .unreadableControls)
        }
        // Read now: the folder goes when this returns.
        let tls = features.contains(.tls)
            ? Result { try ServerTLS(controlDirectory: home.appendingPathComponent("control").path) } : nil
        return ReferenceConnection(session: session, startup: startup, queueOutcome: scenario.queueOutcome, tls: tls)
    }
}

/// Carries out a session's actions: replies become readable at `.flush`,
/// queue runs and check programs complete at once, a handshake when the
/// client starts one.
final class ReferenceConnection: TargetConnection {
    private var session: SMTPSession?
    private let queueOutcome: QueueOutcome
    private var readable: [UInt8] = []
    private var unflushed: [UInt8] = []
    private var closed = false
    private var exitStatus: Int32?
    private var queued: [CapturedMessage] = []
    private var currentMessage: [UInt8] = []
    private let tls: Result<ServerTLS, any Error>?
    /// The server's endpoint from `.startTLS` on; the client's once the
    /// handshake is done.
    private var server: (endpoint: TLSEndpoint, outcome: ClientCertificateOutcome)?
    private var client: TLSEndpoint?

    init(session: SMTPSession?, startup: [Action], queueOutcome: QueueOutcome, tls: Result<ServerTLS, any Error>?) {
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
            if let failure = server.endpoint.failure { handshakeFailed(failure) }
        } else {
            perform(session!.receive(bytes))
        }
    }

    func startTLS(clientCertificate: [UInt8]?, timeout: Double) -> String? {
        guard client == nil, let server, !closed else { return "the server did not start a TLS handshake" }
        let newClient: TLSEndpoint
        do { newClient = try TLSEndpoint.client(certificate: clientCertificate) } catch { return "TLS client: \(error)" }
        var quiet = false
        var serverHello = ServerHelloReader()
        while !quiet {
            let toServer = newClient.outgoing()
            _ = server.endpoint.incoming(toServer)
            let toClient = server.endpoint.outgoing()
            serverHello.feed(toClient)
            _ = newClient.incoming(toClient)
            if let failure = server.endpoint.failure ?? newClient.failure {
                handshakeFailed(failure)
                return failure
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

    /// Makes written replies readable, through TLS when it is on.
    private func deliver(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if let client, let server {
            server.endpoint.send(bytes)
            readable += client.incoming(server.endpoint.outgoing())
        } else {
            readable += bytes
        }
    }

    func nextLine(timeout: Double) -> LineRead {
        if let end = readable.firstIndex(of: 10) {
            var line = Array(readable[..<end])
            readable.removeSubrange(...end)
            if line.last == 13 { line.removeLast() }
            return .line(line)
        }
        return closed ? .closed : .timedOut
    }

    func shutdownInput() {
        guard !closed, session != nil else { return }
        perform(session!.endOfInput())
    }

    func finish(timeout: Double) -> Completion {
        Completion(exitStatus: exitStatus, queued: queued)
    }

    private func perform(_ actions: [Action]) {
        for action in actions {
            switch action {
            case .reply(let bytes):
                unflushed += bytes
            case .flush:
                deliver(unflushed)
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
            case .sleep:
                break
            case .startTLS:
                do {
                    guard let tls else { throw SuitePKI.SetupError(description: "tls is not built in") }
                    let (handler, outcome) = try tls.get().makeHandler()
                    server = (try TLSEndpoint(handler), outcome)
                } catch {
                    perform(session!.handle(.tlsFailed(reason: "\(error)")))
                }
            case .diagnostic:
                break
            case .close(let code):
                deliver(unflushed)
                unflushed = []
                closed = true
                exitStatus = code
            }
        }
    }
}
