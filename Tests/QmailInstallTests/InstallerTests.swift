import Foundation
import Glibc
import QmailBuild
import QmailInstall
import Testing
import TestSupport

/// Installer against a stand-in build folder (every file the hierarchy copies,
/// a few bytes each) in scratch folders: modes, the FIFO, refusals.
@Suite(.ownThread) struct InstallerTests {
    private let user = String(cString: getpwuid(geteuid())!.pointee.pw_name)
    private let group = String(cString: getgrgid(getegid())!.pointee.gr_name)

    /// A build folder holding every file `plan` copies; the formatted pages only for section 8.
    private func standInBuild(_ plan: InstallPlan, in scratch: URL) throws -> URL {
        let build = scratch.appendingPathComponent("build")
        try FileManager.default.createDirectory(at: build, withIntermediateDirectories: true)
        for name in QmailHierarchy.builtFiles(plan.entries) {
            try Data("#!/bin/sh\necho \(name)\n".utf8).write(to: build.appendingPathComponent(name))
        }
        for name in QmailHierarchy.manualPages(plan.entries) where name != "qmail-send.8" {
            let text = name.hasSuffix(".1") ? ".TH \(name) 1\n.SH NAME\n\(name) \\- a page\n" : "page \(name)\n"
            try Data(text.utf8).write(to: build.appendingPathComponent(name))
            if name.hasSuffix(".8") {
                try Data("formatted \(name)\n".utf8).write(to: build.appendingPathComponent(String(name.dropLast(2)) + ".0"))
            }
        }
        // As after 'make it': qmail-send.8 exists only as its template.
        try Data(".TH qmail-send 8\n.SH FILES\nQMAILHOME/control, BREAK, up to SPAWN\n".utf8)
            .write(to: build.appendingPathComponent("qmail-send.9"))
        try Data("-\n\nthe break character\n".utf8).write(to: build.appendingPathComponent("conf-break"))
        try Data("120\n".utf8).write(to: build.appendingPathComponent("conf-spawn"))
        return build
    }

    private func mode(_ path: String) -> (mode: UInt32, type: mode_t) {
        var info = stat()
        _ = lstat(path, &info)
        return (UInt32(info.st_mode) & 0o7777, info.st_mode & S_IFMT)
    }

    @Test func stagesTheHomeWithHierModes() throws {
        let scratch = try ScratchDirectory.make("install")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var starter = StarterControl(hostname: "mail.example.org")
        starter.certificate = true
        let plan = try makePlan(try provenance(users: Array(repeating: user, count: 8), groups: [group, group]), starter: starter)
        let build = try standInBuild(plan, in: scratch)
        let destdir = scratch.appendingPathComponent("dest")
        let report = try Installer.stage(plan, build: build, root: destdir)

        let home = destdir.path + "/var/qmail"
        #expect(report.stagedHome.path == home)
        #expect(report.entries == plan.entries.count)
        for entry in plan.entries {
            #expect(mode(entry.location(in: home)).mode == entry.mode, "\(entry.path)")
        }
        #expect(mode(home + "/queue/lock/trigger").type == S_IFIFO)
        #expect(try Data(contentsOf: URL(fileURLWithPath: home + "/queue/lock/tcpto")) == Data(count: 1024))
        #expect(try String(contentsOfFile: home + "/bin/qmail-smtpd", encoding: .utf8) == "#!/bin/sh\necho qmail-smtpd\n")
        #expect(try String(contentsOfFile: home + "/man/cat8/qmail-smtpd.0", encoding: .utf8) == "formatted qmail-smtpd.8\n")
        #expect(try String(contentsOfFile: home + "/man/man8/qmail-send.8", encoding: .utf8)
            == ".TH qmail-send 8\n.SH FILES\n/var/qmail/control, -, up to 120\n")
        #expect(try String(contentsOfFile: home + "/man/cat8/qmail-send.0", encoding: .utf8).contains("/var/qmail/control, -, up to 120"))
        let nroffed = try String(contentsOfFile: home + "/man/cat1/forward.0", encoding: .utf8)
        #expect(nroffed.contains("General Commands Manual") && nroffed.contains("a page"), "\(nroffed)")
        let certificate = try String(contentsOfFile: home + "/control/servercert.pem", encoding: .utf8)
        #expect(certificate.contains("PRIVATE KEY-----") && certificate.contains("-----BEGIN CERTIFICATE-----"))
        #expect(try String(contentsOfFile: home + "/control/me", encoding: .utf8) == "mail.example.org\n")
        // Root can give the files this user's owner; anyone else gets the commands.
        #expect(report.ownersSet == (geteuid() == 0))
        #expect(report.ownershipCommands.isEmpty == (geteuid() == 0))
    }

    @Test func aHomeInUseIsLeftAlone() throws {
        let scratch = try ScratchDirectory.make("install")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let plan = try makePlan(try provenance(prefix: "/q"), prefix: "/q", starter: nil)
        let build = try standInBuild(plan, in: scratch)
        let destdir = scratch.appendingPathComponent("dest")
        try FileManager.default.createDirectory(at: destdir.appendingPathComponent("q"), withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: destdir.appendingPathComponent("q/notes"))
        #expect(throws: InstallError.destinationInUse(destdir.path + "/q")) {
            try Installer.stage(plan, build: build, root: destdir)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: destdir.path + "/q") == ["notes"])
    }

    @Test func aBuildWithoutEveryProgramIsRefusedBeforeAnythingIsWritten() throws {
        let scratch = try ScratchDirectory.make("install")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let plan = try makePlan(try provenance(), starter: nil)
        let build = try standInBuild(plan, in: scratch)
        try FileManager.default.removeItem(at: build.appendingPathComponent("qmail-queue"))
        try FileManager.default.removeItem(at: build.appendingPathComponent("qmail-send.9"))
        let destdir = scratch.appendingPathComponent("dest")
        #expect(throws: InstallError.missingBuiltFiles(build: build.path, names: ["qmail-queue", "qmail-send.8"])) {
            try Installer.stage(plan, build: build, root: destdir)
        }
        #expect(!FileManager.default.fileExists(atPath: destdir.path))
    }
}
