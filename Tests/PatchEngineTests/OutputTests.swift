import Foundation
import GitStore
import PatchEngine
import Testing
import TestSupport

@Suite(.ownThread) struct OutputTests {
    static func twoFeatures(_ project: TestProject) throws {
        try project.patch("greet", diff: gitDiff("hello.c", "@@ -1,3 +1,3 @@\n int main() {\n-  return 0;\n+  return greet();\n }"))
        try project.patch("docs", diff: "diff --git a/README b/README\n--- a/README\n+++ b/README\n@@ -1 +1,2 @@\n hello\n+see greet()\ndiff --git a/NEW b/NEW\nnew file mode 100644\n--- /dev/null\n+++ b/NEW\n@@ -0,0 +1 @@\n+new\n")
    }

    func makeProject() throws -> TestProject {
        let project = try TestProject(pristine: ["hello.c": "int main() {\n  return 0;\n}\n", "README": "hello\n"])
        try Self.twoFeatures(project)
        return project
    }

    @Test func repositoryHasPristineAndOneCommitPerPatch() throws {
        let project = try makeProject()
        defer { project.remove() }
        let applier = try project.applier(["greet", "docs"])
        let result = try applier.run(try applier.catalog.planner.plan(selecting: ["greet", "docs"]))
        let destination = project.root.appendingPathComponent("out")
        let head = try ResultRepository(destination: destination).write(result, sourceName: "base-1.0", commitTime: 1_000)
        let repository = try GitRepository.open(at: destination)
        let last = try repository.readCommit(head)
        #expect(last.message.hasPrefix("docs: applied patches/docs.patch"))
        #expect(last.message.contains("Canonical-SHA256: \(result.steps[1].report.canonicalSHA256)"))
        let middle = try repository.readCommit(last.parents[0])
        #expect(middle.message.hasPrefix("greet: applied patches/greet.patch"))
        #expect(middle.parents == [try repository.resolve("refs/tags/pristine")])
        #expect(try repository.files(inTree: try repository.tree(ofCommit: try repository.resolve("refs/tags/pristine")))
            == project.pristine.sortedFiles)
        let checkedOut = try String(contentsOf: destination.appendingPathComponent("hello.c"), encoding: .utf8)
        #expect(checkedOut.contains("return greet();"))
        // The git CLI agrees the work tree is clean and the history is what we said.
        #expect(try git(["status", "--porcelain"], in: destination) == "")
        #expect(try git(["rev-list", "--count", "HEAD"], in: destination) == "3\n")
        // Same inputs, same commit ids.
        let again = project.root.appendingPathComponent("again")
        #expect(try ResultRepository(destination: again).write(result, sourceName: "base-1.0", commitTime: 1_000) == head)
    }

    @Test func refusesExistingOutputAndLeavesNothingOnConflict() throws {
        let project = try makeProject()
        defer { project.remove() }
        try project.patch("clash", diff: gitDiff("hello.c", "@@ -1,3 +1,3 @@\n int main() {\n-  return 0;\n+  return 1;\n }"))
        let applier = try project.applier(["greet", "docs", "clash"])
        #expect(throws: PatchEngineError.self) {
            _ = try applier.run(try applier.catalog.planner.plan(selecting: ["greet", "clash"]))
        }
        let result = try applier.run(try applier.catalog.planner.plan(selecting: ["greet"]))
        let existing = project.root.appendingPathComponent("exists")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
        #expect(throws: PatchEngineError.self) {
            try ResultRepository(destination: existing).write(result, sourceName: "b", commitTime: 0)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: existing.path).isEmpty)
        let siblings = try FileManager.default.contentsOfDirectory(atPath: project.root.path)
        #expect(!siblings.contains { $0.contains(".partial-") })
    }

    @Test func combinedPatchIsDeterministicAndGNUPatchReproducesTheTree() throws {
        let project = try makeProject()
        defer { project.remove() }
        let applier = try project.applier(["greet", "docs"])
        let result = try applier.run(try applier.catalog.planner.plan(selecting: ["greet", "docs"]))
        let first = try CombinedPatch.render(recipeName: "test", sourceName: "base-1.0", sourceSHA256: "00", result: result)
        let second = try CombinedPatch.render(recipeName: "test", sourceName: "base-1.0", sourceSHA256: "00",
                                              result: try project.applier(["greet", "docs"]).run(try applier.catalog.planner.plan(selecting: ["greet", "docs"])))
        #expect(first == second)

        let tree = project.root.appendingPathComponent("gnu")
        let repository = try GitRepository.inMemory()
        try repository.checkout(tree: try repository.writeTree(result.pristine.sortedFiles), into: tree)
        let patchFile = project.root.appendingPathComponent("combined.patch")
        try Data(first).write(to: patchFile)
        let status = try run("/usr/bin/patch", ["-p1", "-s", "-i", patchFile.path], in: tree)
        #expect(status == 0)
        let patched = try GitRepository.treeFromDirectory(tree)
        #expect(try repository.writeTree(patched) == (try repository.writeTree(result.final.sortedFiles)))

        guard case .identical = try CombinedPatch.compare(published: first, fileName: "combined.patch", result: result) else {
            Issue.record("the combined patch must compare identical to its own recipe")
            return
        }
        let tampered = Array(String(decoding: first, as: UTF8.self).replacingOccurrences(of: "+see greet()", with: "+see main()").utf8)
        guard case let .different(_, _, onlyInRecipe, onlyInPublished, differing, diff) =
                try CombinedPatch.compare(published: tampered, fileName: "tampered.patch", result: result) else {
            Issue.record("a tampered patch must compare different")
            return
        }
        #expect(onlyInRecipe.isEmpty && onlyInPublished.isEmpty)
        #expect(differing == ["README"])
        #expect(String(decoding: diff, as: UTF8.self).contains("+see main()"))
    }

    @Test func editThenRefreshRewritesThePatchKeepingItsHeader() throws {
        let project = try makeProject()
        defer { project.remove() }
        let applier = try project.applier(["greet", "docs"])
        let patch = try #require(applier.catalog.patches["greet"])
        let patchURL = project.root.appendingPathComponent("patches/greet.patch")
        let work = project.root.appendingPathComponent("edit-greet")
        try EditSession.start(patch: patch, applier: applier, patchFileURL: patchURL, directory: work, commitTime: 0)
        try Data("int main() {\n  return greet(1);\n}\n".utf8).write(to: work.appendingPathComponent("hello.c"))
        try EditSession.refresh(directory: work)
        let refreshed = try String(contentsOf: patchURL, encoding: .utf8)
        #expect(refreshed.hasPrefix("Description: greet for tests\nAuthor: tests\nFeature: greet\n"))
        #expect(refreshed.contains("+  return greet(1);"))
        let reloaded = try project.applier(["greet", "docs"])
        let result = try reloaded.run(try reloaded.catalog.planner.plan(selecting: ["greet"]))
        #expect(text(result.final, "hello.c") == "int main() {\n  return greet(1);\n}\n")
    }

    @Test func conflictMatrixCoversPairsAndClosedSelections() throws {
        let project = try makeProject()
        defer { project.remove() }
        try project.patch("clash", diff: gitDiff("hello.c", "@@ -1,3 +1,3 @@\n int main() {\n-  return 0;\n+  return 1;\n }"))
        let applier = try project.applier(["greet", "docs", "clash"])
        let matrix = ConflictMatrix.compute(catalog: applier.catalog, applier: applier)
        #expect(matrix.selections.count == 7)
        #expect(matrix.pairs["greet+docs"] == .clean(resolutions: [], merged: []))
        #expect(matrix.pairs["greet+clash"] == .conflict(patch: "clash", with: ["greet"], files: ["hello.c"],
                                                                 places: ["hello.c in main"]))
        #expect(matrix.hasConflicts)
    }
}

@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: URL) throws -> Int32 {
    try Command.run(executable, arguments, in: directory, environment: Baseline.environment).status
}

func git(_ arguments: [String], in directory: URL) throws -> String {
    try Baseline.git(arguments, in: directory)
}
