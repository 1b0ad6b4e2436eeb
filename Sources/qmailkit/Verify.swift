import ArgumentParser
import Conformance
import Foundation
import Recipes

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the conformance scenarios against the reference engine or a real build.",
        discussion: """
            Scenarios are the scenarios/*.scn dialogue files. A target is 'ref' (the Swift reference \
            engine in process) or 'build:DIR' (the qmail-smtpd installed in the sandbox of the build \
            folder DIR, whose qmailkit-provenance.json says which patches it carries). Only the \
            scenarios that apply to the target's features run. qmail-remote scenarios \
            (program: qmail-remote) need a build target: the build's qmail-remote delivers to a \
            test peer, the reference engine on a loopback port, which records what it was sent. Build targets run one scenario at a \
            time: each scenario writes its own control files into the sandbox's control/.

            Every failure is shown with the expectation it broke, the spec line it violates and the \
            full transcript. --diff runs the same scenarios on a second target and reports the \
            transcripts that differ (values that legitimately differ, such as qp pids and \
            timestamps, are compared through the scenarios' regex lines).

            Examples:
              qmailkit verify                                   # ref with every feature
              qmailkit verify --target ref --features auth,maxrcpt
              qmailkit verify --target build:qmail-src.build --junit verify.xml
              qmailkit verify --target build:qmail-src.build --diff ref

            Exit codes: 0 every scenario passed (and no difference); 1 a scenario failed or the \
            targets differ; 2 a scenario file is malformed or an option is wrong; 5 the target \
            could not be set up.
            """)

    @Option(help: ArgumentHelp("ref, or build:DIR for a 'qmailkit build --sandbox' output folder.", valueName: "target"))
    var target = "ref"

    @Option(help: ArgumentHelp("Features of the ref target, comma-separated (default: all of auth,tls,forcetls,maxrcpt,liberal-lf,empf; 'none' for stock).",
                               valueName: "list"))
    var features: String?

    @Option(help: ArgumentHelp("Folder of .scn files (default: the project's scenarios/).", valueName: "dir"))
    var scenarios: String?

    @Option(name: [.customShort("j", allowingJoined: true), .customLong("jobs")], help: ArgumentHelp("Scenarios run at once (ref only).", valueName: "n"))
    var jobs = 4

    @Option(help: ArgumentHelp("Also write a JUnit XML report here.", valueName: "file"))
    var junit: String?

    @Flag(help: "Print TAP instead of the table.")
    var tap = false

    @Option(help: ArgumentHelp("Run the same scenarios on this second target and report differing transcripts.", valueName: "target"))
    var diff: String?

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("-j takes 1 to 64") }
    }

    func run() throws {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let library: [Scenario]
        let directory: URL
        do {
            if let scenarios {
                directory = URL(fileURLWithPath: scenarios, relativeTo: cwd).standardizedFileURL
            } else {
                let builtFrom = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                    .deletingLastPathComponent().deletingLastPathComponent()
                directory = try Project.locate(explicit: nil, environment: ProcessInfo.processInfo.environment,
                                               workingDirectory: cwd, builtFrom: builtFrom).root
                    .appendingPathComponent("scenarios")
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
        let first = try makeTarget(target, featuresOf: nil, cwd: cwd)
        let selected = library.filter { $0.applies(to: first.features, kind: first.kind) }
        let suite = SuiteRun(jobs: jobs)
        let results = suite.run(selected, on: first)
        print(tap ? Reports.tap(results) : Reports.table(results), terminator: "")
        let remote = library.filter { $0.remote != nil && $0.features.isSatisfied(by: first.features) }
        if first.kind == "ref" && !remote.isEmpty {
            let note = "\(remote.count) qmail-remote scenario(s) not run: the ref target has no qmail-remote; run them with --target build:DIR"
            print(tap ? "# " + note : note)
        }
        if let junit {
            try Data(Reports.junit(results).utf8).write(to: URL(fileURLWithPath: junit, relativeTo: cwd))
        }
        var failed = results.contains { !$0.passed }
        if let diff {
            let second = try makeTarget(diff, featuresOf: first, cwd: cwd)
            let common = selected.filter { $0.applies(to: second.features, kind: second.kind) }
            let names = Set(common.map(\.name))
            let left = results.filter { names.contains($0.scenario.name) }
            let differences = Differential.compare(left, suite.run(common, on: second))
            print("\ndifferential \(first.name) vs \(second.name):")
            print(Reports.differences(differences, total: common.count), terminator: "")
            failed = failed || !differences.isEmpty
        }
        if failed { throw ExitCode(1) }
    }

    /// `ref` takes --features (or, as the second target, the first one's);
    /// `build:DIR` reads its features from the build's provenance.
    private func makeTarget(_ spec: String, featuresOf other: (any ConformanceTarget)?, cwd: URL) throws -> any ConformanceTarget {
        if spec == "ref" {
            if let other, features == nil { return ReferenceTarget(features: other.features) }
            return ReferenceTarget(features: try parsedFeatures())
        }
        guard spec.hasPrefix("build:"), spec.count > 6 else {
            throw ValidationError("a target is 'ref' or 'build:DIR', not '\(spec)'")
        }
        if features != nil && other == nil {
            throw ValidationError("--features applies to the ref target; a build's features come from its qmailkit-provenance.json")
        }
        do {
            return try BuildTarget(buildDirectory: URL(fileURLWithPath: String(spec.dropFirst(6)), relativeTo: cwd).standardizedFileURL)
        } catch {
            FileHandle.standardError.write(Data("qmailkit verify: \(error)\n".utf8))
            throw ExitCode(5)
        }
    }

    private func parsedFeatures() throws -> Set<String> {
        guard let features else { return FeatureRequirement.known }
        if features == "none" { return [] }
        let names = Set(features.split(separator: ",").map(String.init))
        let unknown = names.subtracting(FeatureRequirement.known)
        guard unknown.isEmpty else {
            throw ValidationError("unknown feature(s) \(unknown.sorted().joined(separator: ", ")); known: \(FeatureRequirement.known.sorted().joined(separator: ","))")
        }
        return FeatureRequirement.closed(names)
    }
}
