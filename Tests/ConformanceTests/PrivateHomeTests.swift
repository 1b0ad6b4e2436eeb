@testable import Conformance
import Foundation
import RealBuildSupport
import Testing
import TestSupport

/// `PrivateHome` with a small program of the test's own in the home's
/// bin/: what it sees at the home is the view, and whatever it does there
/// never reaches the home.
@Suite(.ownThread) struct PrivateHomeTests {
    /// A qmail home with an administrator's control files and a program
    /// that prints control/me and then tries to change the home.
    private func administratorHome(in root: URL) throws -> URL {
        let home = root.appendingPathComponent("home")
        for folder in ["bin", "control", "queue"] {
            try FileManager.default.createDirectory(at: home.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data("mail.admin.example\n".utf8).write(to: home.appendingPathComponent("control/me"))
        try Data("-----BEGIN PRIVATE KEY-----\nadministrator's\n-----END PRIVATE KEY-----\n".utf8)
            .write(to: home.appendingPathComponent("control/servercert.pem"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: home.appendingPathComponent("control/servercert.pem").path)
        let program = home.appendingPathComponent("bin/meddle")
        try Data("""
            #!/bin/sh
            cd "$1" || exit 111
            cat control/me
            rm -f control/servercert.pem control/me 2>/dev/null
            echo written > control/policy
            touch queue/mess bin/dropped 2>/dev/null
            ls control
            [ -d queue ] || echo no queue
            exit 0

            """.utf8).write(to: program)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program.path)
        return home
    }

    @Test(privateViews) func theProgramSeesTheViewAndTheHomeStaysAsItWas() throws {
        let root = try ScratchDirectory.make("private-home")
        defer { try? FileManager.default.removeItem(at: root) }
        let home = try administratorHome(in: root)
        let before = try TreeSnapshot(of: home)
        let scratch = root.appendingPathComponent("scratch")
        let privateHome = try PrivateHome(home: home, scratch: scratch)
        let view = try privateHome.makeView(at: scratch.appendingPathComponent("view"),
                                            controls: ["me": .contents(Array("mail.example.org\n".utf8))])
        let launch = privateHome.launch(view: view, program: home.appendingPathComponent("bin/meddle").path, arguments: [home.path])
        let run = try Command.run(launch.argv[0], Array(launch.argv.dropFirst()), environment: ["PATH": "/usr/bin:/bin"],
                                  view: launch.view)
        #expect(run.status == 0, "\(run.err)")
        // It read the view's control/me, changed the view's control/, found
        // no queue/ (the home's other folders are not there) and could not
        // write to bin/ (the home's, read-only).
        #expect(run.out == "mail.example.org\npolicy\nno queue\n")
        #expect(try String(contentsOf: view.appendingPathComponent("control/policy"), encoding: .utf8) == "written\n")
        let after = try TreeSnapshot(of: home)
        #expect(after == before, "\(after.differences(from: before))")
    }

    /// A folder that is not a view (no marker) is never run as one: the
    /// program does not start and the error names the step.
    @Test(privateViews) func aFolderWithoutTheMarkerIsNotRunAsAView() throws {
        let root = try ScratchDirectory.make("private-home")
        defer { try? FileManager.default.removeItem(at: root) }
        let home = try administratorHome(in: root)
        let before = try TreeSnapshot(of: home)
        let scratch = root.appendingPathComponent("scratch")
        let privateHome = try PrivateHome(home: home, scratch: scratch)
        let view = try privateHome.makeView(at: scratch.appendingPathComponent("view"), controls: [:])
        try FileManager.default.removeItem(at: view.appendingPathComponent(".qmailkit-view"))
        let launch = privateHome.launch(view: view, program: home.appendingPathComponent("bin/meddle").path, arguments: [home.path])
        #expect {
            try Command.run(launch.argv[0], Array(launch.argv.dropFirst()), environment: ["PATH": "/usr/bin:/bin"], view: launch.view)
        } throws: { error in
            "\(error)".contains("marker")
        }
        #expect(try TreeSnapshot(of: home) == before)
    }

    @Test func aHomeThatDoesNotExistIsRefusedWithTheReason() throws {
        let root = try ScratchDirectory.make("private-home")
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = root.appendingPathComponent("var/qmail")
        #expect {
            try PrivateHome(home: missing, scratch: root.appendingPathComponent("scratch"))
        } throws: { error in
            "\(error)".contains("\(missing.path), does not exist") && "\(error)".contains("private view")
        }
        #expect(!FileManager.default.fileExists(atPath: missing.path))
    }

    @Test func aMakeTreeNamesItsHomeInAutoQmail() throws {
        let root = try ScratchDirectory.make("layout")
        defer { try? FileManager.default.removeItem(at: root) }
        // What qmail's auto-str writes for /var/qmail.
        try Data("char auto_qmail[] = \"\\\n\\057\\166\\141\\162\\057\\161\\155\\141\\151\\154\\\n\";\n".utf8)
            .write(to: root.appendingPathComponent("auto_qmail.c"))
        try Data("/elsewhere\n".utf8).write(to: root.appendingPathComponent("conf-qmail"))
        #expect(BuildLayout.compiledHome(tree: root)?.path == "/var/qmail")
        try FileManager.default.removeItem(at: root.appendingPathComponent("auto_qmail.c"))
        #expect(BuildLayout.compiledHome(tree: root)?.path == "/elsewhere")
    }

    @Test func aFolderWithoutQmailSmtpdIsRefusedNamingWhatWasLookedFor() throws {
        let root = try ScratchDirectory.make("layout")
        defer { try? FileManager.default.removeItem(at: root) }
        #expect {
            try BuildLayout.locate(root)
        } throws: { error in
            "\(error)".contains("\(root.path) holds no qmail-smtpd") && "\(error)".contains("bin/qmail-smtpd")
        }
    }
}
