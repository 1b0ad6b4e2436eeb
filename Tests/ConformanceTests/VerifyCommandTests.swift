import Foundation
import Testing
import TestSupport

/// `qmailkit verify` through the built binary, as a CI script would run it.
@Suite(.ownThread) struct VerifyCommandTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func verify(_ arguments: [String], in directory: URL) throws -> Run {
        let result = try Command.run(qmailkitBinary.path, ["verify"] + arguments, in: directory)
        return Run(status: result.status, stdout: result.out, stderr: result.err)
    }

    private func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-verify-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("scenarios"), withIntermediateDirectories: true)
        return url
    }

    @Test func stockRunPassesAndWritesJUnit() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try verify(["--scenarios", scenarioDirectory.path, "--features", "none", "-j", "2", "--junit", "out.xml"], in: directory)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains(" 0 failed, "))
        #expect(run.stdout.contains("pass    relay-refused"))
        #expect(!run.stdout.contains("auth-plain-initial-response"))
        #expect(run.stdout.contains("qmail-remote scenario(s) not run: the ref target has no qmail-remote; run them with --target build:DIR"))
        #expect(!run.stdout.contains("remote-stock-delivery"))
        let junit = try String(contentsOf: directory.appendingPathComponent("out.xml"), encoding: .utf8)
        #expect(junit.contains("failures=\"0\""))
        #expect(junit.contains("classname=\"stock-relay\" name=\"relay-refused\""))
    }

    @Test func failureExitsOneWithTranscriptAndTAP() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("name: wrong-noop\nspec: docs/stock-smtpd.md#replies NOOP\n< 220 mail.example.org ESMTP\n> NOOP\n< 250 OK\n".utf8)
            .write(to: directory.appendingPathComponent("scenarios/a.scn"))
        let table = try verify(["--scenarios", "scenarios"], in: directory)
        #expect(table.status == 1)
        #expect(table.stdout.contains("a.scn:5: expected '250 OK', got '250 ok'"))
        #expect(table.stdout.contains("spec: docs/stock-smtpd.md#replies NOOP"))
        #expect(table.stdout.contains("C: NOOP\\r\\n"))
        let tap = try verify(["--scenarios", "scenarios", "--tap"], in: directory)
        #expect(tap.status == 1)
        #expect(tap.stdout.hasPrefix("TAP version 13\n1..1\nnot ok 1 - wrong-noop\n"))
    }

    @Test func withoutScenariosOptionTheProjectsScenariosRun() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try verify(["--features", "none"], in: directory)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("pass    relay-refused"))
    }

    @Test func differentialAgainstAnIdenticalTargetFindsNothing() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try verify(["--scenarios", scenarioDirectory.path, "--features", "maxrcpt", "--diff", "ref"], in: directory)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("differential ref vs ref:"))
        #expect(run.stdout.contains("\n0 of "))
    }

    @Test func featuresBringWhatTheyRequire() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("name: forcetls-with-auth-and-tls\nspec: patches/forcetls.patch Requires\nfeatures: auth tls forcetls\n< 220 mail.example.org ESMTP\n".utf8)
            .write(to: directory.appendingPathComponent("scenarios/f.scn"))
        let run = try verify(["--scenarios", "scenarios", "--features", "forcetls"], in: directory)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("pass    forcetls-with-auth-and-tls"))
    }

    @Test func badInputIsExplained() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("name: x\nbogus line\n".utf8).write(to: directory.appendingPathComponent("scenarios/b.scn"))
        let malformed = try verify(["--scenarios", "scenarios"], in: directory)
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("b.scn:2: cannot read 'bogus line'"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("scenarios/b.scn"))
        try Data("name: x\n< 220 x\n".utf8).write(to: directory.appendingPathComponent("scenarios/c.scn"))
        let unknown = try verify(["--scenarios", "scenarios", "--features", "auth,smtputf8"], in: directory)
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown feature 'smtputf8'"))
        let noBuild = try verify(["--scenarios", "scenarios", "--target", "build:nowhere"], in: directory)
        #expect(noBuild.status == 5)
        #expect(noBuild.stderr.contains("nowhere holds no qmail-smtpd: give the output folder of 'qmailkit build'"))
        let badTarget = try verify(["--scenarios", "scenarios", "--target", "vm"], in: directory)
        #expect(badTarget.status == 64)
        // The build folder as an argument is --target build:DIR: the same error names it.
        let noBuildArgument = try verify(["--scenarios", "scenarios", "nowhere"], in: directory)
        #expect(noBuildArgument.status == 5)
        #expect(noBuildArgument.stderr.contains("nowhere holds no qmail-smtpd"))
        let alone = try verify(["--scenarios", "scenarios", "nowhere", "--check-program", "/bin/checkpassword"], in: directory)
        #expect(alone.status == 64)
        #expect(alone.stderr.contains("--check-program, --user and --password go together"))
        let onRef = try verify(["--scenarios", "scenarios", "--check-program", "/bin/checkpassword", "--user", "u", "--password", "p"], in: directory)
        #expect(onRef.status == 64)
        #expect(onRef.stderr.contains("--check-program applies to a build target"))
        let both = try verify(["--scenarios", "scenarios", "nowhere", "--target", "ref"], in: directory)
        #expect(both.status == 64)
        #expect(both.stderr.contains("not both"))
    }
}
