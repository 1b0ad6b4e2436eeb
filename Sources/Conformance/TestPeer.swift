import Foundation
import NIOCore
import SMTPEngine
import SMTPServer

/// The receiving server of a remote scenario: the reference engine on the
/// real SwiftNIO transport (`SMTPServer`) on 127.0.0.1, an ephemeral port
/// (465 for `peer: smtps`), with a `PeerTap` in front of every session.
///
/// Its qmail home is a fresh temporary folder: control/me `mx.example.net`,
/// rcpthosts `example.net`, servercert.pem from `peer: certificate`; with
/// `peer: auth` the auth feature, `SMTPAUTH=+cram` (LOGIN, PLAIN, CRAM-MD5
/// accepted) and the suite's checkpassword script. Messages stay in memory.
final class TestPeer {
    let port: Int
    let recording: PeerRecording
    let sink: MemorySink
    private let server: SMTPServer
    private let home: URL

    /// Starts the peer. Binding a busy port (465) is retried for up to 30 s:
    /// another test may hold it for a moment.
    init(_ setup: PeerSetup) throws {
        home = ScratchRoot.folder("qmailkit-peer")
        let control = home.appendingPathComponent("control")
        try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
        try Data("mx.example.net\n".utf8).write(to: control.appendingPathComponent("me"))
        try Data("example.net\n".utf8).write(to: control.appendingPathComponent("rcpthosts"))
        var features: Features = []
        var environment = ["PATH": "/usr/bin:/bin", "AUTHSLEEP": "0", "TCPLOCALHOST": "mx.example.net"]
        var checkProgram: [String] = []
        if let certificate = setup.certificate {
            features.insert(.tls)
            try Data(try SuitePKI.pem(certificate)).write(to: control.appendingPathComponent("servercert.pem"))
            if setup.smtps { environment["SMTPS"] = "1" }
        }
        if setup.authOffer != nil {
            features.insert(.auth)
            environment["SMTPAUTH"] = "+cram"
            let script = home.appendingPathComponent("checkpassword")
            try Data(CheckPasswordStandIn.shellScript.utf8).write(to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
            checkProgram = [script.path]
        }
        let recording = PeerRecording(), sink = MemorySink()
        self.recording = recording
        self.sink = sink
        let settings = ServerSettings(qmailHome: home.path, features: features, checkProgram: checkProgram,
                                      delivery: .memory(sink), environment: environment, connectionLimit: 4)
        let deadline = Date().addingTimeInterval(30)
        var started: SMTPServer?
        while started == nil {
            do {
                started = try SMTPServer.startSynchronously(host: "127.0.0.1", port: setup.port, settings: settings, threads: 1) { channel in
                    try channel.pipeline.syncOperations.addHandler(PeerTap(setup: setup, recording: recording))
                }
            } catch let error as IOError where error.errnoCode == EADDRINUSE && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
            } catch {
                try? FileManager.default.removeItem(at: control.deletingLastPathComponent())
                throw error
            }
        }
        server = started!
        port = server.localAddress.port ?? setup.port
    }

    /// Waits up to `timeout` seconds for the connection to end (a client
    /// that has exited may be accepted a moment later; none within a second
    /// means none was made), stops the server and removes the home.
    func stop(waitingForClose timeout: Double) {
        let started = Date()
        while !recording.closed && Date().timeIntervalSince(started) < (recording.opened ? timeout : min(1, timeout)) {
            Thread.sleep(forTimeInterval: 0.01)
        }
        try? server.shutdownSynchronously()
        try? FileManager.default.removeItem(at: home)
    }
}
