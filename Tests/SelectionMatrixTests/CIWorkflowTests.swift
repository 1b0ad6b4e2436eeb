import CIWorkflow
import SelectionMatrix
import Testing
import Yams

/// The generated CI files, read back with Yams.
@Suite struct CIWorkflowTests {
    static func plan(_ entries: [SelectionList.Entry], features: String? = nil) -> CIWorkflow.Plan {
        .init(recipe: "combined", features: features, baseSource: "netqmail-1.06", entries: entries)
    }

    static let forty = SelectionList([[]] + (1...39).map { ["f\($0)"] }).entries

    static func load(_ output: CIWorkflow.Output) throws -> [String: Any] {
        try #require(try Yams.load(yaml: output.yaml) as? [String: Any])
    }

    static func entries(_ list: Any?) -> [SelectionList.Entry] {
        (list as? [[String: String]] ?? []).map { SelectionList.Entry(selection: $0["selection"] ?? $0["SELECTION"] ?? "?",
                                                                       features: $0["features"] ?? $0["FEATURES"] ?? "?") }
    }

    @Test func githubHasAMatrixJobWithTheListAndAMergeJobAfterIt() throws {
        let output = try CIWorkflow(plan: Self.plan(Self.forty)).render(for: .github)
        #expect(output.notes.isEmpty)
        let workflow = try Self.load(output)
        #expect(workflow["on"] as? [String] == ["push", "pull_request", "workflow_dispatch"])
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        #expect(Set(jobs.keys) == ["matrix", "merge"])
        let matrix = try #require(jobs["matrix"] as? [String: Any])
        let strategy = try #require(matrix["strategy"] as? [String: Any])
        #expect(strategy["fail-fast"] as? Bool == false)
        #expect(Self.entries((strategy["matrix"] as? [String: Any])?["include"]) == Self.forty)
        let steps = try #require(matrix["steps"] as? [[String: Any]])
        let runs = steps.compactMap { $0["run"] as? String }
        #expect(runs == [
            "scripts/install-deps",
            "swift run qmailkit fetch netqmail-1.06 --cache-only --cache .cache/qmailkit",
            "swift run qmailkit matrix --recipe combined --only \"${{ matrix.selection }}\" --results \"results/${{ matrix.selection }}\" --cache .cache/qmailkit",
        ])
        let uses = steps.compactMap { $0["uses"] as? String }
        #expect(uses == ["actions/checkout@v4", "actions/cache@v4", "actions/upload-artifact@v4"])
        let cache = try #require(steps.first { $0["uses"] as? String == "actions/cache@v4" }?["with"] as? [String: Any])
        #expect(cache["path"] as? String == ".cache/qmailkit")
        #expect((cache["key"] as? String)?.hasPrefix("qmailkit-${{ matrix.selection }}-") == true)
        #expect(cache["restore-keys"] as? String == "qmailkit-${{ matrix.selection }}-\nqmailkit-\n")
        let upload = try #require(steps.last)
        #expect(upload["if"] as? String == "always()")

        let merge = try #require(jobs["merge"] as? [String: Any])
        #expect(merge["needs"] as? [String] == ["matrix"])
        #expect(merge["if"] as? String == "always()")
        let mergeSteps = try #require(merge["steps"] as? [[String: Any]])
        #expect(mergeSteps.compactMap { $0["run"] as? String }.last == "swift run qmailkit matrix --merge results/*")
        let download = try #require(mergeSteps.first { $0["uses"] as? String == "actions/download-artifact@v4" }?["with"] as? [String: String])
        #expect(download == ["pattern": "matrix-*", "path": "results"])
    }

    @Test func gitlabHasAParallelMatrixWithJUnitReportsAndAMergeJob() throws {
        let output = try CIWorkflow(plan: Self.plan(Self.forty, features: "auth,tls")).render(for: .gitlab)
        let pipeline = try Self.load(output)
        #expect(pipeline["stages"] as? [String] == ["matrix", "merge"])
        let matrix = try #require(pipeline["matrix"] as? [String: Any])
        #expect(Self.entries((matrix["parallel"] as? [String: Any])?["matrix"]) == Self.forty)
        #expect((matrix["script"] as? [String])?.last
                == "swift run qmailkit matrix --recipe combined --with 'auth,tls' --only \"$SELECTION\" --results \"results/$SELECTION\" --cache .cache/qmailkit")
        let artifacts = try #require(matrix["artifacts"] as? [String: Any])
        #expect(artifacts["when"] as? String == "always")
        #expect((artifacts["reports"] as? [String: String])?["junit"] == "results/$SELECTION/*.xml")
        #expect((matrix["cache"] as? [String: Any])?["paths"] as? [String] == [".cache/qmailkit/"])
        let merge = try #require(pipeline["merge"] as? [String: Any])
        #expect(merge["stage"] as? String == "merge")
        #expect(merge["when"] as? String == "always")
        #expect((merge["needs"] as? [[String: Any]])?.compactMap { $0["job"] as? String } == ["matrix"])
        #expect((merge["script"] as? [String])?.last == "swift run qmailkit matrix --merge results/*")
        #expect(output.yaml.contains("# The jobs run qmail-smtpd in mount namespaces"))
    }

    /// 600 selections: GitHub takes 256 per matrix, GitLab 200; the jobs
    /// together hold the whole list in order, the merge job needs them all,
    /// and the file and the notes say so.
    @Test(arguments: [(CIWorkflow.System.github, [256, 256, 88]), (.gitlab, [200, 200, 200])])
    func aListOverTheCapIsSplitAndSaysSo(system: CIWorkflow.System, sizes: [Int]) throws {
        let many = SelectionList([[]] + (1...599).map { ["f\($0)"] }).entries
        let output = try CIWorkflow(plan: Self.plan(many)).render(for: system)
        let names = (1...sizes.count).map { "matrix-\($0)" }
        #expect(output.notes == ["600 selections are more than the \(system.cap) jobs \(system == .github ? "GitHub Actions" : "GitLab CI") "
            + "allows in one matrix: split into \(sizes.count) matrix jobs (\(names.joined(separator: ", "))) of at most \(system.cap) "
            + "selections; the merge job needs all of them"])
        #expect(output.yaml.contains("# " + output.notes[0] + "\n"))
        let document = try Self.load(output)
        let jobs = system == .github ? try #require(document["jobs"] as? [String: Any]) : document
        let lists = names.map { name -> [SelectionList.Entry] in
            let job = jobs[name] as? [String: Any]
            return system == .github
                ? Self.entries(((job?["strategy"] as? [String: Any])?["matrix"] as? [String: Any])?["include"])
                : Self.entries((job?["parallel"] as? [String: Any])?["matrix"])
        }
        #expect(lists.map(\.count) == sizes)
        #expect(lists.flatMap { $0 } == many)
        let merge = try #require(jobs["merge"] as? [String: Any])
        let needs = system == .github ? merge["needs"] as? [String]
            : (merge["needs"] as? [[String: Any]])?.compactMap { $0["job"] as? String }
        #expect(needs == names)
    }

    @Test func exactlyTheCapIsOneJob() throws {
        let full = SelectionList([[]] + (1...255).map { ["f\($0)"] }).entries
        let output = try CIWorkflow(plan: Self.plan(full)).render(for: .github)
        #expect(output.notes.isEmpty)
        let jobs = try #require(try Self.load(output)["jobs"] as? [String: Any])
        #expect(Set(jobs.keys) == ["matrix", "merge"])
    }
}
