import Conformance
import Foundation
import Glibc
import SMTPEngine
import SMTPServer
import Testing
import TestSupport

/// The `remote:HOST:PORT` target: which scenarios are safe on a live server,
/// and running them over real loopback TCP.
@Suite(.ownThread) struct RemoteTargetTests {
    private func scenario(_ text: String) throws -> Scenario {
        try #require(try ScenarioParser.parse(Array(text.utf8), file: "inline.scn").first)
    }

    @Test func safetyRuleNamesTheReason() throws {
        let greeting = "name: x\nspec: s\n< 220 mail.example.org ESMTP\n"
        #expect(LiveSafety.unsafeReason(try scenario(greeting + "> NOOP\n< 250 ok\n")) == nil)
        #expect(LiveSafety.unsafeReason(try scenario(greeting + "env: SMTPAUTH=\n"))?.contains("env:") == true)
        #expect(LiveSafety.unsafeReason(try scenario(greeting + "control: databytes=10\n"))?.contains("control:") == true)
        #expect(LiveSafety.unsafeReason(try scenario(greeting + "args: checkpassword\n"))?.contains("args:") == true)
        #expect(LiveSafety.unsafeReason(try scenario(greeting + "> QUIT\n< 221 mail.example.org\nexpect-exit: 0\n"))?
            .contains("exit status") == true)
        #expect(LiveSafety.unsafeReason(try scenario(greeting + "stderr: empty\n"))?.contains("stderr") == true)
        #expect(LiveSafety.unsafeReason(try scenario(greeting + "reconnect\npki: clientcrl.pem=crl\n< 220 mail.example.org ESMTP\n"))?
            .contains("control:") == true)
        let accepted = greeting + "> MAIL FROM:<a@example.com>\n> RCPT TO:<b@example.org>\n> DATA\n< 250 ok\n< 250 ok\n< 354 go ahead\n"
        #expect(LiveSafety.unsafeReason(try scenario(accepted))?.contains("354") == true)
        // Refused in a correct server, but a faulty one would deliver it.
        let completable = greeting + "> DATA\n> hello\n> .\n< 503 MAIL first (#5.5.1)\n< 502 unimplemented (#5.5.1)\n< 502 unimplemented (#5.5.1)\n"
        #expect(LiveSafety.unsafeReason(try scenario(completable))?.contains("final '.'") == true)
        #expect(LiveSafety.unsafeReason(try scenario(greeting + "> DATA\n< 503 MAIL first (#5.5.1)\n")) == nil)
        let flood = greeting + String(repeating: "> NOOP\n", count: 11) + String(repeating: "< 250 ok\n", count: 11)
        #expect(LiveSafety.unsafeReason(try scenario(flood))?.hasPrefix("floods: 11 lines") == true)
        let long = greeting + "> NOOP " + String(repeating: "x", count: 17_000) + "\n< 250 ok\n"
        #expect(LiveSafety.unsafeReason(try scenario(long))?.hasPrefix("floods: sends") == true)
    }

    @Test func projectScenariosSplitAsDocumented() throws {
        let target = RemoteTarget(host: "127.0.0.1", port: 25, features: [])
        let (runnable, skipped) = LiveSafety.partition(library.filter { $0.applies(to: [], kind: "remote") }, for: target)
        let run = Set(runnable.map(\.name))
        let reasons = Dictionary(uniqueKeysWithValues: skipped.map { ($0.scenario.name, $0.reason) })
        #expect(runnable.count >= 40, "only \(runnable.count) scenarios are safe on a live server")
        for name in ["relay-refused", "noop-ok", "rset-clears-transaction", "data-without-mail", "hostile-binary-junk"] {
            #expect(run.contains(name), "\(name) should be safe")
        }
        #expect(reasons["greeting-quit"]?.contains("expect-exit") == true)
        #expect(reasons["smtpgreeting-everywhere"]?.contains("control:") == true)
        #expect(reasons["mail-null-sender"]?.contains("354") == true)
        #expect(reasons["pipeline-rejected-data-body-runs-as-commands"]?.contains("final '.'") == true)
        #expect(reasons["hostile-empty-lines-flood"]?.hasPrefix("floods") == true)
        #expect(reasons["hostile-long-noop"]?.hasPrefix("floods") == true)
        // A local target skips only SMTPS peer scenarios, and only where port 465 is refused.
        let local = LiveSafety.partition(library, for: ReferenceTarget(features: [])).skipped
        let smtpsPeers = library.filter { $0.remote?.peer.smtps == true }
        #expect(!smtpsPeers.isEmpty)
        if PortPrivilege.refusal(port: 465) == nil {
            #expect(local.isEmpty)
        } else {
            #expect(local.map(\.scenario.name) == smtpsPeers.map(\.name))
            #expect(local.allSatisfy { $0.reason.contains("port 465") })
        }
    }

    /// `qmailkit serve`'s server in process, with the scenario base as its
    /// control directory, features as given and a memory sink.
    private func withBaseServer(features: Features, _ body: (Int, MemorySink) async throws -> Void) async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-remote-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        try writeBaseControls(into: home.appendingPathComponent("control"))
        let sink = MemorySink()
        let settings = ServerSettings(qmailHome: home.path, features: features,
                                      delivery: .memory(sink), environment: ScenarioBase.environment)
        let server = try await SMTPServer.start(host: "127.0.0.1", port: 0, settings: settings, threads: 1)
        do {
            try await body(server.localAddress.port!, sink)
            try await server.shutdown()
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    @Test(arguments: [Features(), .all])
    func safeScenariosPassAgainstServeOverTCP(features: Features) async throws {
        try await withBaseServer(features: features) { port, sink in
            let target = RemoteTarget(host: "127.0.0.1", port: port, features: features)
            try target.checkReachable()
            let runnable = LiveSafety.partition(library.filter { $0.applies(to: features, kind: target.kind) }, for: target).runnable
            #expect(runnable.count >= 40)
            let results = SuiteRun(jobs: 4).run(runnable, on: target)
            for result in results where !result.passed { Issue.record("\(Reports.failureDetail(result))") }
            #expect(results.allSatisfy { !$0.transcript.contains { if case .exited = $0 { true } else { false } } })
            #expect(sink.count == 0, "a live-safe scenario delivered a message")
        }
    }

    @Test func aWrongServerFailsTheSafeScenarios() async throws {
        try await withBaseServer(features: []) { port, _ in
            // The server does not have auth built in; the user claims it does.
            let target = RemoteTarget(host: "127.0.0.1", port: port, features: [.auth, .tls])
            let scenario = try scenario("name: ehlo-auth-claimed\nspec: s\nfeatures: auth\n< 220 mail.example.org ESMTP\n> EHLO x\n< 250-mail.example.org\n< 250-PIPELINING\n< 250-8BITMIME\n< 250 SIZE 0\n")
            let result = ScenarioRunner(replyTimeout: 2).run(scenario, on: target)
            #expect(result.violation?.message == "expected '250-8BITMIME', got '250 8BITMIME'")
        }
    }

    @Test func verifyCommandRunsTheSafeOnesAndListsTheSkipped() async throws {
        try await withBaseServer(features: []) { port, _ in
            let run = try VerifyCommandTests().verify(["--scenarios", scenarioDirectory.path, "--target", "remote:127.0.0.1:\(port)",
                                                     "--features", "none", "--tap"], in: FileManager.default.temporaryDirectory)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains(" - relay-refused\n"))
            #expect(run.stdout.contains(" - greeting-quit # SKIP checks the exit status (expect-exit:)"))
            #expect(!run.stdout.contains("not ok"))
            let table = try VerifyCommandTests().verify(["--scenarios", scenarioDirectory.path, "--target", "remote:127.0.0.1:\(port)",
                                                       "--features", "none", "--diff", "ref"], in: FileManager.default.temporaryDirectory)
            #expect(table.status == 0, "\(table.stdout)\(table.stderr)")
            #expect(table.stdout.contains("skip    mail-null-sender"))
            #expect(table.stdout.contains(" skipped, "))
            #expect(table.stdout.contains("differential remote:127.0.0.1:\(port) vs ref:"))
            #expect(table.stdout.contains("\n0 of "))
        }
    }

    @Test func unreachableServersGetExitThreeAndAClearMessage() throws {
        // A port that was free a moment ago: nothing listens there.
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, length) == 0 && getsockname(probe, $0, &length) == 0 }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        close(probe)
        let refused = try VerifyCommandTests().verify(["--target", "remote:127.0.0.1:\(port)", "--features", "none"], in: FileManager.default.temporaryDirectory)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("cannot connect to 127.0.0.1 port \(port): Connection refused; is an SMTP server listening there?"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        let unknown = try VerifyCommandTests().verify(["--target", "remote:nosuch.invalid:25", "--features", "none"], in: FileManager.default.temporaryDirectory)
        #expect(unknown.status == 3)
        #expect(unknown.stderr.contains("cannot resolve host 'nosuch.invalid'"), "\(unknown.stderr)")
        let noFeatures = try VerifyCommandTests().verify(["--target", "remote:127.0.0.1:\(port)"], in: FileManager.default.temporaryDirectory)
        #expect(noFeatures.status == 64)
        #expect(noFeatures.stderr.contains("needs --features"))
        let malformed = try VerifyCommandTests().verify(["--target", "remote:127.0.0.1", "--features", "none"], in: FileManager.default.temporaryDirectory)
        #expect(malformed.status == 64)
        #expect(malformed.stderr.contains("remote:HOST:PORT"))
        let help = try VerifyCommandTests().verify(["--help"], in: FileManager.default.temporaryDirectory)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("'remote:HOST:PORT' (a running SMTP server"))
        #expect(text.contains("3 the remote server cannot be reached"))
    }
}

extension RealBuildTests {
    /// The real qmail-smtpd as a live server: tcpserver runs it per connection
    /// with the sandbox's control/ set to the scenario base.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tcpserver"), "needs tcpserver (ucspi-tcp)"))
    func safeScenariosPassAgainstQmailSmtpdUnderTcpserver() async throws {
        try await RealBuilds.with(RealBuilds.pristine) { target in
            try writeBaseControls(into: target.home.appendingPathComponent("control"))
            let marker = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-remote-queued-\(UUID().uuidString)")
            let queue = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-remote-queue-\(UUID().uuidString)")
            try Data("#!/bin/sh\ntouch \(marker.path)\nexit 81\n".utf8).write(to: queue)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: queue.path)
            defer { try? FileManager.default.removeItem(at: queue) }

            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/tcpserver")
            server.arguments = ["-1", "-H", "-R", "-l", "mail.example.org", "127.0.0.1", "0",
                                "/usr/bin/env", "QMAILQUEUE=\(queue.path)", target.home.appendingPathComponent("bin/qmail-smtpd").path]
            let out = Pipe()
            server.standardOutput = out
            server.standardError = FileHandle.nullDevice
            try server.run()
            defer {
                // SIGKILL: tcpserver may have inherited a blocked SIGTERM from the test runner.
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
            let firstLine = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            let port = try #require(Int(firstLine.trimmingCharacters(in: .whitespacesAndNewlines)), "tcpserver -1 printed '\(firstLine)'")

            let remote = RemoteTarget(host: "127.0.0.1", port: port, features: [])
            let (runnable, skipped) = LiveSafety.partition(library.filter { $0.applies(to: [], kind: remote.kind) }, for: remote)
            #expect(runnable.count >= 40 && !skipped.isEmpty)
            let results = SuiteRun(jobs: 2).run(runnable, on: remote)
            for result in results where !result.passed { Issue.record("\(Reports.failureDetail(result))") }
            #expect(!FileManager.default.fileExists(atPath: marker.path), "qmail-smtpd started the queue program")
        }
    }
}

/// control/ holding exactly the scenario base (me, rcpthosts): what a live
/// server must run with for the scenarios' expectations to hold.
func writeBaseControls(into control: URL) throws {
    try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
    for name in ScenarioBase.knownControls { try? FileManager.default.removeItem(at: control.appendingPathComponent(name)) }
    for (name, bytes) in ScenarioBase.controls { try Data(bytes).write(to: control.appendingPathComponent(name)) }
}
