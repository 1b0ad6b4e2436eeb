import Foundation
import QmailBuild
import SMTPEngine

/// The real qmail-smtpd of a sandbox build (`qmailkit build --sandbox`): one
/// process per connection over a socketpair. Control files are written into
/// the sandbox's `control/` per scenario, so scenarios run one at a time.
/// `QMAILQUEUE` is a capture script and `args: checkpassword` runs
/// `CheckPasswordStandIn.shellScript`; both live in a scratch directory.
public final class BuildTarget: ConformanceTarget, @unchecked Sendable {
    public let name: String
    public let kind = "build"
    public let features: Features
    public let maxParallelism = 1
    /// The qmail home the binary was compiled for.
    public let home: URL
    private let smtpd: URL
    private let scratch: URL
    private let captureDirectory: URL
    private let queueScript: URL
    private let checkScript: URL
    /// Connections made so far (scenarios run one at a time).
    private var connections = 0

    /// What is wrong with a build directory.
    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Reads the build's provenance for its features and its sandbox.
    /// Cost: a few small file writes into a new scratch directory.
    public init(buildDirectory: URL) throws {
        name = "build:" + buildDirectory.path
        let provenance = try Provenance.read(buildDirectory: buildDirectory)
        do { features = try Features(names: provenance.features) } catch {
            throw SetupError(description: "\(buildDirectory.appendingPathComponent(Provenance.fileName).path): \(error)")
        }
        guard let sandbox = provenance.options.sandbox else {
            throw SetupError(description: "\(buildDirectory.path) was not built with a sandbox home; rebuild with 'qmailkit build --sandbox DIR' so scenarios cannot touch /var/qmail")
        }
        home = URL(fileURLWithPath: sandbox)
        smtpd = home.appendingPathComponent("bin/qmail-smtpd")
        guard FileManager.default.isExecutableFile(atPath: smtpd.path) else {
            throw SetupError(description: "\(smtpd.path) is not an executable; the build did not install qmail-smtpd into its sandbox")
        }
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-verify-\(UUID().uuidString)")
        captureDirectory = scratch.appendingPathComponent("queue")
        queueScript = scratch.appendingPathComponent("capture-queue")
        checkScript = scratch.appendingPathComponent("checkpassword")
        try FileManager.default.createDirectory(at: captureDirectory, withIntermediateDirectories: true)
        try Self.writeExecutable(Self.captureScript, to: queueScript)
        try Self.writeExecutable(CheckPasswordStandIn.shellScript, to: checkScript)
    }

    deinit {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// `bin/qmail-remote` of the sandbox, when the build installed it.
    public var remoteClient: RemoteClient? {
        let program = home.appendingPathComponent("bin/qmail-remote")
        guard FileManager.default.isExecutableFile(atPath: program.path) else { return nil }
        return RemoteClient(program: program, controlDirectory: home.appendingPathComponent("control"))
    }

    public func connect(_ scenario: Scenario) throws -> any TargetConnection {
        try ControlDirectory.write(ScenarioBase.controls(for: scenario), into: home.appendingPathComponent("control"))
        // A fresh capture folder per connection: a queue program abandoned by
        // an earlier connection (qmail-smtpd exited mid-DATA) may still be
        // finishing, and must not touch this one's files.
        connections += 1
        let capture = captureDirectory.appendingPathComponent(String(connections))
        try FileManager.default.createDirectory(at: capture, withIntermediateDirectories: true)
        var environment = ScenarioBase.environment(for: scenario)
        environment["PATH"] = environment["PATH"] ?? "/usr/bin:/bin"
        environment["QMAILQUEUE"] = environment["QMAILQUEUE"] ?? queueScript.path
        environment["QMAILKIT_CAPTURE"] = capture.path
        environment["QMAILKIT_QUEUE_EXIT"] = switch scenario.queueOutcome {
        case .exit(let code): String(code)
        case .crash: "crash"
        }
        let arguments = scenario.arguments.map { $0 == CheckPasswordStandIn.argumentName ? checkScript.path : $0 }
        let server = try SpawnedServer(program: smtpd.path, arguments: arguments, environment: environment,
                                       stderr: capture.appendingPathComponent("stderr"))
        return BuildConnection(server: server, captureDirectory: capture)
    }

    /// Stores the message (fd 0) and envelope (fd 1) as N.msg and N.env, then
    /// ends as the scenario's `queue-exit:` says. An empty envelope (qmail-smtpd
    /// refused the message) is not a message: exit 81 like an aborted queue run.
    static let captureScript = """
        #!/bin/sh
        n=$(ls "$QMAILKIT_CAPTURE" | grep -c '\\.env$')
        cat > "$QMAILKIT_CAPTURE/$n.msg"
        cat <&1 > "$QMAILKIT_CAPTURE/$n.part"
        if [ ! -s "$QMAILKIT_CAPTURE/$n.part" ]; then rm -f "$QMAILKIT_CAPTURE/$n.msg" "$QMAILKIT_CAPTURE/$n.part"; exit 81; fi
        mv "$QMAILKIT_CAPTURE/$n.part" "$QMAILKIT_CAPTURE/$n.env"
        [ "$QMAILKIT_QUEUE_EXIT" = crash ] && kill -9 $$
        exit "$QMAILKIT_QUEUE_EXIT"

        """

    private static func writeExecutable(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }
}

final class BuildConnection: TargetConnection {
    private let server: SpawnedServer
    private let captureDirectory: URL

    init(server: SpawnedServer, captureDirectory: URL) {
        self.server = server
        self.captureDirectory = captureDirectory
    }

    func send(_ bytes: [UInt8]) { server.send(bytes) }
    func nextLine(timeout: Double) -> LineRead { server.nextLine(timeout: timeout) }
    func shutdownInput() { server.shutdownInput() }
    func startTLS(offer: TLSOffer, timeout: Double) -> String? {
        server.startTLS(offer: offer, timeout: timeout)
    }

    func finish(timeout: Double) -> Completion {
        let status = server.waitForExit(timeout: timeout)
        var queued: [CapturedMessage] = []
        var index = 0
        while let envelope = try? Data(contentsOf: captureDirectory.appendingPathComponent("\(index).env")),
              let message = try? Data(contentsOf: captureDirectory.appendingPathComponent("\(index).msg")) {
            queued.append(CapturedMessage(message: Array(message), envelope: Array(envelope)))
            index += 1
        }
        let stderr = try? Data(contentsOf: captureDirectory.appendingPathComponent("stderr"))
        return Completion(exitStatus: status, queued: queued, stderr: stderr.map(Array.init))
    }
}
