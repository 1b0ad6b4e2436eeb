import Foundation
import SMTPEngine

/// Something that can play qmail-smtpd for scenarios: the reference engine in
/// process (`ReferenceTarget`), a real build (`BuildTarget`) or a running
/// server (`RemoteTarget`).
public protocol ConformanceTarget: Sendable {
    /// As given on the command line: `ref`, `build:DIR` or `remote:HOST:PORT`.
    var name: String { get }
    /// `ref`, `build` or `remote`, matched against a scenario's `targets:`.
    var kind: String { get }
    /// The patches built in.
    var features: Features { get }
    /// How many scenarios may run at once (1 when they share files).
    var maxParallelism: Int { get }
    /// A server that is not set up per scenario and whose exit status and
    /// queue are not seen: it runs only what `LiveSafety` allows.
    var isLive: Bool { get }
    /// Starts one connection set up as `scenario` says (environment, control
    /// files, arguments, queue outcome). The greeting is read like any reply.
    func connect(_ scenario: Scenario) throws -> any TargetConnection
    /// The qmail-remote this target carries, for remote scenarios; nil if none.
    var remoteClient: RemoteClient? { get }
}

extension ConformanceTarget {
    public var remoteClient: RemoteClient? { nil }
}

/// A qmail-remote binary and how to run it with a set of control files
/// (in a private view of the qmail home compiled into it).
public struct RemoteClient: Sendable {
    public var program: URL
    /// Puts the control files where this run of the program will read them
    /// and returns how to start it, without the program's own arguments.
    public var command: @Sendable (_ controls: [String: ControlFile]) throws -> Launch

    public init(program: URL, command: @escaping @Sendable (_ controls: [String: ControlFile]) throws -> Launch) {
        self.program = program
        self.command = command
    }
}

extension ConformanceTarget {
    public var isLive: Bool { false }
}

/// One connection to a target, used by one scenario run.
public protocol TargetConnection: AnyObject {
    /// Sends bytes as one write. A server that has gone away is not an error
    /// here: the next read reports it.
    func send(_ bytes: [UInt8])
    /// The next reply line without its CR LF.
    func nextLine(timeout: Double) -> LineRead
    /// The client shuts down its sending side (EOF for the server).
    func shutdownInput()
    /// A TLS handshake as the client making `offer` (client certificate,
    /// versions, ciphers); from then on `send` and `nextLine` carry
    /// plaintext through TLS. Returns why it failed, `nil` on success.
    func startTLS(offer: TLSOffer, timeout: Double) -> String?
    /// Waits for the server to end and collects what it handed to the queue.
    func finish(timeout: Double) -> Completion
}

/// The result of reading one reply line.
public enum LineRead: Equatable, Sendable {
    case line([UInt8])
    /// The server closed the connection.
    case closed
    /// Nothing arrived in time.
    case timedOut
}

/// How a connection ended.
public struct Completion: Equatable, Sendable {
    /// Exit status; `nil` if the process did not end in time (it was killed).
    public var exitStatus: Int32?
    /// Messages handed to the queue program with a complete envelope, in order.
    public var queued: [CapturedMessage]
    /// What the server wrote on descriptor 2; nil where it cannot be seen.
    public var stderr: [UInt8]?

    public init(exitStatus: Int32?, queued: [CapturedMessage], stderr: [UInt8]? = nil) {
        self.exitStatus = exitStatus
        self.queued = queued
        self.stderr = stderr
    }
}

/// What the queue program received.
public struct CapturedMessage: Equatable, Sendable {
    /// The message pipe: Received line and body.
    public var message: [UInt8]
    /// The envelope pipe: `F…\0T…\0\0`.
    public var envelope: [UInt8]

    public init(message: [UInt8], envelope: [UInt8]) {
        self.message = message
        self.envelope = envelope
    }
}

/// What every scenario starts from, before its own `env:` and `control:`.
public enum ScenarioBase {
    /// The environment tcpserver would give a local client (no DNS, no
    /// ident), plus `AUTHSLEEP=0` so failed AUTH does not wait.
    public static let environment: [String: String] = [
        "TCPREMOTEIP": "127.0.0.1", "TCPLOCALIP": "127.0.0.1", "TCPLOCALHOST": "mail.example.org",
        "AUTHSLEEP": "0",
    ]
    /// control/me and control/rcpthosts.
    public static let controls: [String: [UInt8]] = [
        "me": Array("mail.example.org\n".utf8),
        "rcpthosts": Array("example.org\n.example.net\n".utf8),
    ]
    /// Every control file qmail-smtpd and the patches read; a build target
    /// removes them before writing a scenario's set.
    public static let knownControls: [String] = [
        "me", "smtpgreeting", "localiphost", "timeoutsmtpd", "rcpthosts", "morercpthosts.cdb", "badmailfrom",
        "databytes", "maxrcpt", "policy", "servercert.pem", "clientca.pem", "clientcrl.pem", "tlsclients",
        "tlsserverciphers", "smtproutes", "authsenders", "helohost", "timeoutconnect", "timeoutremote", "tlshosts",
        "notlshosts", "clientcert.pem", "tlsclientciphers",
    ]

    /// The scenario's environment: the base with its `env:` changes.
    public static func environment(for scenario: Scenario) -> [String: String] {
        var result = environment
        for (name, value) in scenario.environment { result[name] = value }
        return result
    }

    /// qmail-remote's control files before a remote scenario's own:
    /// control/me, short timeouts, and the route of `example.net` to the
    /// peer (`$PORT` in any control file becomes the peer's port).
    public static let remoteControls: [String: [UInt8]] = [
        "me": Array("mail.example.org\n".utf8),
        "smtproutes": Array("example.net:[127.0.0.1]:$PORT\n".utf8),
        "timeoutconnect": Array("5\n".utf8),
        "timeoutremote": Array("10\n".utf8),
    ]

    /// A remote scenario's control files for a peer on `port`, PKI files included.
    public static func remoteControls(for scenario: Scenario, port: Int) throws -> [String: ControlFile] {
        var result = remoteControls.mapValues(ControlFile.contents)
        for (name, file) in scenario.controls { result[name] = file }
        let marker = Array("$PORT".utf8), value = Array(String(port).utf8)
        return result.filter { $0.value != .absent }.mapValues { file in
            guard case .contents(let bytes) = file else { return file }
            var replaced: [UInt8] = []
            var index = 0
            while index < bytes.count {
                if bytes[index...].starts(with: marker) {
                    replaced += value
                    index += marker.count
                } else {
                    replaced.append(bytes[index])
                    index += 1
                }
            }
            return .contents(replaced)
        }
    }

    /// The scenario's control files: the base with its `control:` changes.
    public static func controls(for scenario: Scenario) -> [String: ControlFile] {
        var result = controls.mapValues(ControlFile.contents)
        for (name, file) in scenario.controls { result[name] = file }
        return result.filter { $0.value != .absent }
    }
}
