import ArgumentParser
import Conformance
import Foundation
import Recipes
import SMTPEngine

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the conformance scenarios against the reference engine or a real build.",
        discussion: """
            Scenarios are the scenarios/*.scn dialogue files. A target is 'ref' (the Swift reference \
            engine in process), 'build:DIR' (the qmail-smtpd of DIR: the output folder of 'qmailkit \
            build', a source tree built with make, or an installed qmail home such as /var/qmail) or \
            'remote:HOST:PORT' (a running SMTP server, e.g. qmail-smtpd under tcpserver or \
            'qmailkit serve'). Only the scenarios that apply to the target's features run; the \
            others are counted by reason at the end of the report.

            A build's features come from --features, else from its qmailkit-provenance.json, else \
            they are probed (the EHLO reply of its qmail-smtpd, and the control file names in the \
            binary); the report says which, with the evidence. A build's programs never see its qmail \
            home: each runs in a mount namespace of its own (unshare; a user namespace when not root) \
            where a scratch folder holding the scenario's control files is bound over the home compiled \
            into it, with the home's bin/ read-only. Nothing of the administrator's is read or changed, \
            even when verify is killed. Where no namespace can be made, verify refuses (exit 5). \
            qmail-remote scenarios (program: qmail-remote) need a \
            build target: the build's qmail-remote delivers to a test peer, the reference engine on \
            a loopback port, which records what it was sent.

            A remote server is live: nothing is set up for it and it delivers what it accepts, so \
            only the scenarios that are safe there run (no env:, control:, args: or queue-exit: \
            setup, no message accepted or completable, no expect-exit:, no floods; the rule is in \
            scenarios/README.md); the others are listed as skipped with the reason. Its features \
            cannot be read from it: give them with --features (or 'none'). It must run with the \
            scenario base: control/me mail.example.org, control/rcpthosts example.org and \
            .example.net, no other control files (under tcpserver: -l mail.example.org).

            Every failure is shown with the expectation it broke, the spec line it violates and the \
            full transcript. --diff runs the same scenarios on a second target and reports the \
            transcripts that differ (values that legitimately differ, such as qp pids and \
            timestamps, are compared through the scenarios' regex lines); the scenarios of the first \
            run that do not apply to the second target are counted as not compared, with the reason.

            Examples:
              qmailkit verify                                   # ref with every feature
              qmailkit verify --target ref --features auth,maxrcpt
              qmailkit verify qmail-src.build --junit verify.xml       # = --target build:qmail-src.build
              qmailkit verify --target build:qmail-src.build --diff ref
              qmailkit verify --target build:/var/qmail                # an installed qmail, features probed
              qmailkit verify --target build:netqmail-1.06 --features tls,auth   # a tree built with make
              qmailkit verify --target remote:127.0.0.1:2525 --features none --diff ref

            Exit codes: 0 every scenario passed (and no difference); 1 a scenario failed or the \
            targets differ; 2 a scenario file is malformed; 3 the remote server cannot be reached \
            (unknown host, nothing listening, no answer); 5 the target could not be set up (or cannot be run \
            without touching its qmail home); \
            64 wrong usage (unknown option, target or feature).
            """)

    @Argument(help: ArgumentHelp("A build: the same as --target build:DIR.", valueName: "build-dir"))
    var buildDirectory: String?

    @Option(help: ArgumentHelp("ref (the default), build:DIR for a 'qmailkit build' output folder, a make'd source tree or an installed qmail home, or remote:HOST:PORT for a running server.", valueName: "target"))
    var target: String?

    @Option(help: ArgumentHelp("Features of the target, comma-separated: \(FeatureList.words); what they require is added (ref default: all; required for remote; a build's default: its provenance file, else probed).",
                               valueName: "list"))
    var features: String?

    @OptionGroup var scenarioFolder: ScenarioFolderOption

    @Option(name: [.customShort("j", allowingJoined: true), .customLong("jobs")], help: ArgumentHelp("Scenarios run at once (remote: at most 4).", valueName: "n"))
    var jobs = 4

    @Option(help: ArgumentHelp("Also write a JUnit XML report here.", valueName: "file"))
    var junit: String?

    @Flag(help: "Print TAP instead of the table.")
    var tap = false

    @Option(help: ArgumentHelp("Run the same scenarios on this second target and report differing transcripts.", valueName: "target"))
    var diff: String?

    @Option(help: ArgumentHelp("Also run the AUTH scenarios of a build target through this checkpassword program (with its arguments, split at spaces), the one the site uses; needs --user and --password.", valueName: "command"))
    var checkProgram: String?

    @Option(help: ArgumentHelp("An account the --check-program accepts.", valueName: "user"))
    var user: String?

    @Option(help: ArgumentHelp("The password of the --user account.", valueName: "password"))
    var password: String?

    func validate() throws {
        if (checkProgram == nil) != (user == nil) || (checkProgram == nil) != (password == nil) {
            throw ValidationError("--check-program, --user and --password go together")
        }
        if checkProgram != nil && !firstTarget.hasPrefix("build:") {
            throw ValidationError("--check-program applies to a build target: the real qmail-smtpd runs the program")
        }
        guard (1...64).contains(jobs) else { throw ValidationError("-j takes 1 to 64") }
        if buildDirectory != nil && target != nil {
            throw ValidationError("give the build folder either as an argument or as --target build:DIR, not both")
        }
    }

    /// The first target: the argument, else --target, else ref.
    private var firstTarget: String {
        buildDirectory.map { "build:" + $0 } ?? target ?? "ref"
    }

    func run() throws {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let library: [Scenario]
        let directory: URL
        do {
            directory = try scenarioFolder.folder(relativeTo: cwd) {
                let builtFrom = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                    .deletingLastPathComponent().deletingLastPathComponent()
                return try Project.locate(explicit: nil, environment: ProcessInfo.processInfo.environment,
                                          workingDirectory: cwd, builtFrom: builtFrom).root
            }
        } catch {
            throw failure(error)
        }
        do {
            library = try ScenarioLibrary.load(directory: directory)
        } catch let error as ScenarioParseError {
            FileHandle.standardError.write(Data("qmailkit verify: \(error)\n".utf8))
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("qmailkit verify: cannot read scenarios from \(directory.path): \(error)\n".utf8))
            throw ExitCode(5)
        }
        let first = try makeTarget(firstTarget, featuresOf: nil, cwd: cwd)
        let second = try diff.map { try makeTarget($0, featuresOf: first, cwd: cwd) }
        var (selected, skipped) = LiveSafety.partition(
            library.filter { $0.applies(to: first.features, kind: first.kind) }, for: first)
        if let second {
            // A live second target limits both runs to what is safe on it.
            let safe = LiveSafety.partition(selected, for: second)
            selected = safe.runnable
            skipped += safe.skipped
        }
        let suite = SuiteRun(jobs: jobs)
        let results = suite.run(selected, on: first)
        print(tap ? Reports.tap(results, skipped: skipped) : Reports.table(results, skipped: skipped), terminator: "")
        var notes = (first as? BuildTarget)?.featureOrigin ?? []
        notes += Reports.notApplicable(library, to: first.features)
        let remote = library.filter { $0.remote != nil && $0.features.isSatisfied(by: first.features) }
        if first.kind == "ref" && !remote.isEmpty {
            notes.append("\(remote.count) qmail-remote scenario(s) not run: the ref target has no qmail-remote; run them with --target build:DIR")
        }
        for note in notes { print(tap ? "# " + note : note) }
        if let junit {
            try Data(Reports.junit(results, skipped: skipped).utf8).write(to: URL(fileURLWithPath: junit, relativeTo: cwd))
        }
        var failed = results.contains { !$0.passed }
        if let site = try siteCheckProgram(), let build = first as? BuildTarget {
            let viaSite: BuildTarget
            do {
                viaSite = try BuildTarget(buildDirectory: build.layout.directory, features: build.features, checkProgram: site)
            } catch {
                FileHandle.standardError.write(Data("qmailkit verify: \(error)\n".utf8))
                throw ExitCode(5)
            }
            let auth = selected.filter { $0.arguments.contains(CheckPasswordStandIn.argumentName) && $0.remote == nil }
            let siteResults = suite.run(auth, on: viaSite)
            print("\nthe \(auth.count) scenarios with a check program, through \(site.command.joined(separator: " ")) as user \(site.user):")
            print(tap ? Reports.tap(siteResults) : Reports.table(siteResults), terminator: "")
            failed = failed || siteResults.contains { !$0.passed }
        }
        if let second {
            let common = selected.filter { $0.applies(to: second.features, kind: second.kind) }
            let names = Set(common.map(\.name))
            let left = results.filter { names.contains($0.scenario.name) }
            let differences = Differential.compare(left, suite.run(common, on: second))
            print("\ndifferential \(first.name) vs \(second.name):")
            print(Reports.differences(differences, total: common.count), terminator: "")
            for note in Reports.notApplicable(selected, to: second.features, kind: second.kind, verb: "not compared") {
                print(note)
            }
            failed = failed || !differences.isEmpty
        }
        if failed { throw ExitCode(1) }
    }

    /// `ref` takes --features (or, as the second target, the first one's);
    /// `build:DIR` takes --features as the first target, else reads them
    /// from the build's provenance, else probes the build;
    /// `remote:HOST:PORT` takes --features (or the first target's), and must
    /// answer a connection.
    private func makeTarget(_ spec: String, featuresOf other: (any ConformanceTarget)?, cwd: URL) throws -> any ConformanceTarget {
        if spec == "ref" {
            if let other, features == nil { return ReferenceTarget(features: other.features) }
            return ReferenceTarget(features: try parsedFeatures())
        }
        if spec.hasPrefix("remote:") {
            return try makeRemoteTarget(String(spec.dropFirst(7)), featuresOf: other)
        }
        guard spec.hasPrefix("build:"), spec.count > 6 else {
            throw ValidationError("a target is 'ref', 'build:DIR' or 'remote:HOST:PORT', not '\(spec)'")
        }
        let given = other == nil ? try features.map(FeatureList.parse) : nil
        do {
            return try BuildTarget(buildDirectory: URL(fileURLWithPath: String(spec.dropFirst(6)), relativeTo: cwd).standardizedFileURL,
                                   features: given)
        } catch {
            FileHandle.standardError.write(Data("qmailkit verify: \(error)\n".utf8))
            throw ExitCode(5)
        }
    }

    private func makeRemoteTarget(_ address: String, featuresOf other: (any ConformanceTarget)?) throws -> RemoteTarget {
        guard let (host, port) = RemoteTarget.parseAddress(address) else {
            throw ValidationError("a remote target is remote:HOST:PORT, e.g. remote:127.0.0.1:2525 or remote:[::1]:25, not 'remote:\(address)'")
        }
        let selected: Features
        if features != nil {
            selected = try parsedFeatures()
        } else if let other {
            selected = other.features
        } else {
            throw ValidationError("a remote target needs --features LIST (or 'none'): a live server's patches cannot be read from it")
        }
        let remote = RemoteTarget(host: host, port: port, features: selected)
        do {
            try remote.checkReachable()
        } catch {
            FileHandle.standardError.write(Data("qmailkit verify: \(error)\n".utf8))
            throw ExitCode(ExitStatus.network.rawValue)
        }
        return remote
    }

    private func siteCheckProgram() throws -> SiteCheckProgram? {
        guard let checkProgram, let user, let password else { return nil }
        let command = checkProgram.split(separator: " ").map(String.init)
        guard !command.isEmpty else { throw ValidationError("--check-program needs a program") }
        return SiteCheckProgram(command: command, user: user, password: password)
    }

    private func parsedFeatures() throws -> Features {
        try features.map(FeatureList.parse) ?? .all
    }
}
