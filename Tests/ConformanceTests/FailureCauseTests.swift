import Conformance
import Foundation
import RealBuildSupport
import Testing
import TestSupport

/// A failing scenario's report names the cause. The server here is a small
/// qmail-smtpd of the test's own (a shell script installed in a qmail home
/// of its own, run by a build target like any installed qmail) that dies
/// of a signal on the command CRASH.
@Suite(.ownThread, privateViews) struct FailureCauseTests {
    private func installedHome(in root: URL) throws -> URL {
        let home = root.appendingPathComponent("qmail")
        try FileManager.default.createDirectory(at: home.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: home.appendingPathComponent("control"), withIntermediateDirectories: true)
        let program = home.appendingPathComponent("bin/qmail-smtpd")
        try Data("""
            #!/bin/sh
            cd \(home.path) || exit 61
            printf '220 %s ESMTP\\r\\n' "$(cat control/me)"
            while IFS= read -r line; do
              case "$line" in
                NOOP*) printf '250 ok\\r\\n' ;;
                CRASH*) kill -SEGV $$ ;;
                QUIT*) printf '221 bye\\r\\n'; exit 0 ;;
              esac
            done

            """.utf8).write(to: program)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program.path)
        return home
    }

    @Test func aServerThatDiedIsNamedAtTheMissingReply() throws {
        let root = try ScratchDirectory.make("failure-cause")
        defer { try? FileManager.default.removeItem(at: root) }
        let target = try BuildTarget(buildDirectory: try installedHome(in: root), features: [])
        let scenario = try #require(try ScenarioParser.parse(Array("""
            name: crash-then-quit
            spec: docs/stock-smtpd.md#replies QUIT
            < 220 mail.example.org ESMTP
            > NOOP
            < 250 ok
            > CRASH
            > QUIT
            < 221 bye
            """.utf8), file: "inline.scn").first)
        let result = ScenarioRunner(replyTimeout: 5, exitTimeout: 5).run(scenario, on: target)
        let violation = try #require(result.violation)
        #expect(violation.line == 8)
        #expect(violation.message == "expected '221 bye', but the server had closed the connection (it had died of signal 11)")
        #expect(result.transcript.last == .exited(139))
    }
}
