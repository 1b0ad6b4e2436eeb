import Foundation
import QmailBuild
import SMTPEngine
import Synchronization

/// The real qmail-smtpd of a build (`BuildLayout`: a qmailkit build, a
/// make'd tree or an installed home): one process per connection over a
/// socketpair, run in a private view of its qmail home (`PrivateHome`), so
/// each connection reads the control files of its own scenario from a
/// scratch folder and nothing of the home's is touched. `QMAILQUEUE` is a
/// capture script and `args: checkpassword` runs
/// `CheckPasswordStandIn.shellScript` (or a site's program through
/// `SiteCheckProgram.adapterScript`); both live in the scratch folder.
///
/// Features: the build's provenance file, else the ones given, else probed
/// (`FeatureProbe`); `featureOrigin` says which, for the report.
public final class BuildTarget: ConformanceTarget, @unchecked Sendable {
    public let name: String
    public let kind = "build"
    public let features: Features
    /// Connections share nothing (a view and a capture folder each), so
    /// scenarios run side by side.
    public let maxParallelism = 8
    public let layout: BuildLayout
    /// Where `features` came from, with the probe's evidence.
    public let featureOrigin: [String]
    private let privateHome: PrivateHome
    private let scratch: URL
    private let captureDirectory: URL
    private let queueScript: URL
    private let checkScript: URL
    /// Connections made so far: numbers the views and capture folders.
    private let connections = Mutex(0)

    /// What is wrong with a build directory, or why it cannot be run safely.
    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Locates the build, sets up the private view of its home (refusing when
    /// the system cannot give one), checks that its qmail-smtpd reads the
    /// view, and settles the features: `features` when given, else the
    /// provenance's, else probed. With `site`, `args: checkpassword` runs
    /// the site's program through its adapter instead of the stand-in.
    /// Cost: a few short runs of qmail-smtpd.
    public init(buildDirectory: URL, features given: Features? = nil, checkProgram site: SiteCheckProgram? = nil) throws {
        name = "build:" + buildDirectory.path + (site.map { " with check program \($0.command.joined(separator: " "))" } ?? "")
        do { layout = try BuildLayout.locate(buildDirectory) } catch {
            throw SetupError(description: error.description)
        }
        scratch = ScratchRoot.folder("qmailkit-verify")
        captureDirectory = scratch.appendingPathComponent("queue")
        queueScript = scratch.appendingPathComponent("capture-queue")
        checkScript = scratch.appendingPathComponent("checkpassword")
        try FileManager.default.createDirectory(at: captureDirectory, withIntermediateDirectories: true)
        try Self.writeExecutable(Self.captureScript, to: queueScript)
        try Self.writeExecutable(site?.adapterScript ?? CheckPasswordStandIn.shellScript, to: checkScript)
        let view: PrivateHome, views = scratch
        do {
            view = try PrivateHome(home: layout.home, scratch: scratch)
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw SetupError(description: error.description)
        }
        privateHome = view
        let probe = FeatureProbe(smtpd: layout.smtpd, checkProgram: checkScript)
        let start = { (session: FeatureProbe.Session) in try Self.start(probe: session, privateHome: view, views: views) }
        var origin = ["\(name) is \(layout.kind.rawValue); its qmail home \(layout.home.path) is replaced by a scratch view for every connection"]
        do {
            try probe.checkHome(start: start)
            if let given {
                features = given
                origin.append("features \(given.listed), as given by --features"
                    + (layout.recordedFeatures.map { $0 == given ? "" : " (its \(Provenance.fileName) says \($0.listed))" } ?? ""))
            } else if let recorded = layout.recordedFeatures {
                features = recorded
                origin.append("features \(recorded.listed), from \(Provenance.fileName)")
            } else {
                let found = try probe.run(start: start)
                features = found.features
                origin.append("features \(found.features.listed), probed (no \(Provenance.fileName); give --features to state them):")
                origin += found.evidence.map { "  " + $0 }
            }
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw SetupError(description: "\(error)")
        }
        featureOrigin = origin
    }

    deinit {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// The build's qmail-remote, run in a private view like qmail-smtpd.
    public var remoteClient: RemoteClient? {
        guard let program = layout.remote else { return nil }
        return RemoteClient(program: program) { [self] controls in
            let view = try privateHome.makeView(at: scratch.appendingPathComponent("view-\(nextConnection())"), controls: controls)
            return privateHome.launch(view: view, program: program.path, arguments: [])
        }
    }

    public func connect(_ scenario: Scenario) throws -> any TargetConnection {
        let number = nextConnection()
        let view = try privateHome.makeView(at: scratch.appendingPathComponent("view-\(number)"),
                                            controls: ScenarioBase.controls(for: scenario))
        // A fresh capture folder per connection: a queue program abandoned by
        // an earlier connection (qmail-smtpd exited mid-DATA) may still be
        // finishing, and must not touch this one's files.
        let capture = captureDirectory.appendingPathComponent(String(number))
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
        let server = try SpawnedServer(launch: privateHome.launch(view: view, program: layout.smtpd.path, arguments: arguments),
                                       environment: environment,
                                       stderr: capture.appendingPathComponent("stderr"))
        return BuildConnection(server: server, captureDirectory: capture)
    }

    private func nextConnection() -> Int {
        connections.withLock { count in
            count += 1
            return count
        }
    }

    /// Starts qmail-smtpd for one of `FeatureProbe`'s sessions in a view of its own.
    private static func start(probe session: FeatureProbe.Session, privateHome: PrivateHome, views: URL) throws -> SpawnedServer {
        let view = try privateHome.makeView(at: views.appendingPathComponent("probe-\(UUID().uuidString)"), controls: session.controls)
        return try SpawnedServer(launch: privateHome.launch(view: view, program: session.program, arguments: session.arguments),
                                 environment: session.environment)
    }

    /// Stores the message (fd 0) and envelope (fd 1) as N.msg and N.env, then
    /// ends as the scenario's `queue-exit:` says. An empty envelope (qmail-smtpd
    /// refused the message) is not a message: exit 81 like an aborted queue run.
    static let captureScript = """
        #!/bin/sh
        n=0
        while [ -e "$QMAILKIT_CAPTURE/$n.env" ]; do n=$((n + 1)); done
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
