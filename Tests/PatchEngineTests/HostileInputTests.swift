import Foundation
import GitStore
@testable import PatchEngine
import Testing
import TestSupport

/// Patches that try to write where no patch may, and shapes two patches cannot
/// share: refused in memory, naming the patch file and line, before any write.
@Suite(.ownThread) struct HostileInputTests {
    static func creation(_ path: String, mode: String = "100644", _ body: String) -> String {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        return "diff --git a/\(path) b/\(path)\nnew file mode \(mode)\n--- /dev/null\n+++ b/\(path)\n"
            + "@@ -0,0 +1,\(lines.count) @@\n" + lines.map { "+\($0)\n" }.joined()
    }

    static func symlink(_ path: String, to target: String) -> String {
        "diff --git a/\(path) b/\(path)\nnew file mode 120000\n--- /dev/null\n+++ b/\(path)\n"
            + "@@ -0,0 +1 @@\n+\(target)\n\\ No newline at end of file\n"
    }

    func refusal(_ project: TestProject, _ features: [String]) throws -> PatchEngineError? {
        let applier = try project.applier(features)
        do {
            _ = try applier.run(applier.catalog.planner.plan(selecting: features))
            return nil
        } catch let error as PatchEngineError {
            return error
        }
    }

    @Test(arguments: ["/etc/passwd", "../outside", "../../x", "sub/../../outside", ""])
    func symlinkLeavingTheTreeIsRefusedWithFileAndLine(target: String) throws {
        let project = try TestProject(pristine: ["README": "r\n"])
        defer { project.remove() }
        try project.patch("evil", diff: Self.creation("ok.c", "int ok;\n") + Self.symlink("evil", to: target))
        let error = try refusal(project, ["evil"])
        guard case let .unsafePatch(file, line, path, _)? = error else {
            Issue.record("expected an unsafe-patch refusal, got \(String(describing: error))")
            return
        }
        #expect(file == "patches/evil.patch")
        #expect(path == "evil")
        #expect(line == 16, "the line of evil's `---` in the patch file")
        #expect("\(error!)".contains("patches/evil.patch line 16: refusing 'evil'"))
    }

    @Test func symlinkInsideTheTreeApplies() throws {
        let project = try TestProject(pristine: ["docs/README": "r\n"])
        defer { project.remove() }
        try project.patch("link", diff: Self.symlink("docs/INDEX", to: "README") + Self.symlink("top", to: "docs/README"))
        let applier = try project.applier(["link"])
        let result = try applier.run(applier.catalog.planner.plan(selecting: ["link"]))
        #expect(result.final["docs/INDEX"] == TreeFile(path: "docs/INDEX", contents: Array("README".utf8), mode: .symlink))
    }

    @Test(arguments: [".git/hooks/post-checkout", ".GIT/config", "sub/.git/HEAD"])
    func gitFolderIsRefused(path: String) throws {
        let project = try TestProject(pristine: ["README": "r\n"])
        defer { project.remove() }
        try project.patch("hook", diff: Self.creation(path, mode: "100755", "#!/bin/sh\necho owned\n"))
        let error = try refusal(project, ["hook"])
        guard case let .unsafePatch(file, line, refused, reason)? = error else {
            Issue.record("expected an unsafe-patch refusal, got \(String(describing: error))")
            return
        }
        #expect((file, line, refused) == ("patches/hook.patch", 10, path))
        #expect(reason.contains("'.git'"))
    }

    static func gitMove(_ operation: String, from source: String, to destination: String) -> String {
        "diff --git a/\(source) b/\(destination)\nsimilarity index 100%\n\(operation) from \(source)\n\(operation) to \(destination)\n"
    }

    /// A git rename or copy reads one path and writes another: both obey the rules
    /// every write does, before anything is read.
    @Test(arguments: [
        ("rename", "README", ".git/config", ".git/config", "'.git'"),
        ("copy", "README", ".git/hooks/pre-commit", ".git/hooks/pre-commit", "'.git'"),
        ("rename", ".git/config", "config", ".git/config", "'.git'"),
        ("rename", "README", "docs/README", "docs/README", "below the symlink 'docs'"),
        ("copy", "docs/passwd", "passwd", "docs/passwd", "below the symlink 'docs'"),
    ])
    func renameOrCopyIntoGitOrThroughASymlinkIsRefused(operation: String, source: String, destination: String,
                                                        refusedPath: String, reason: String) throws {
        let project = try TestProject(pristine: ["README": "r\n"], symlinks: ["docs": "/etc"])
        defer { project.remove() }
        try project.patch("move", diff: Self.gitMove(operation, from: source, to: destination))
        guard case let .unsafePatch(file, line, path, why)? = try refusal(project, ["move"]) else {
            Issue.record("expected an unsafe-patch refusal")
            return
        }
        #expect((file, line, path) == ("patches/move.patch", 8, refusedPath), "the line of the `diff --git`")
        #expect(why.contains(reason), "\(why)")
    }

    /// A link renamed or copied is a new link where it lands: its target is checked from there.
    @Test(arguments: ["rename", "copy"])
    func linkMovedWhereItsTargetLeavesTheTreeIsRefused(operation: String) throws {
        let project = try TestProject(pristine: ["README": "r\n", "docs/x": "x\n"], symlinks: ["docs/readme": "../README"])
        defer { project.remove() }
        try project.patch("move", diff: Self.gitMove(operation, from: "docs/readme", to: "readme"))
        guard case let .unsafePatch(_, line, path, reason)? = try refusal(project, ["move"]) else {
            Issue.record("expected an unsafe-patch refusal")
            return
        }
        #expect((line, path) == (8, "readme"))
        #expect(reason.contains("a symlink to '../README': the target climbs out of the tree"), "\(reason)")

        try project.patch("inside", diff: Self.gitMove(operation, from: "docs/readme", to: "docs/intro"))
        let applier = try project.applier(["inside"])
        let result = try applier.run(applier.catalog.planner.plan(selecting: ["inside"]))
        #expect(result.final["docs/intro"] == TreeFile(path: "docs/intro", contents: Array("../README".utf8), mode: .symlink))
        #expect((result.final["docs/readme"] == nil) == (operation == "rename"))
    }

    @Test func writeBelowASymlinkOfTheBaseIsRefused() throws {
        let project = try TestProject(pristine: ["README": "r\n"], symlinks: ["docs": "/tmp"])
        defer { project.remove() }
        try project.patch("below", diff: Self.creation("docs/x", "x\n"))
        let error = try refusal(project, ["below"])
        guard case let .unsafePatch(_, line, path, reason)? = error else {
            Issue.record("expected an unsafe-patch refusal, got \(String(describing: error))")
            return
        }
        #expect((line, path) == (10, "docs/x"))
        #expect(reason.contains("below the symlink 'docs'"))
    }

    @Test func fileOverADirectoryOfTheBaseDoesNotApply() throws {
        let project = try TestProject(pristine: ["lib/a.c": "a\n"])
        defer { project.remove() }
        try project.patch("flat", diff: Self.creation("lib", "x\n"))
        let error = try refusal(project, ["flat"])
        guard case let .patchDoesNotApply(patch, file, detail)? = error else {
            Issue.record("expected does-not-apply, got \(String(describing: error))")
            return
        }
        #expect((patch, file) == ("patches/flat.patch", "lib"))
        #expect(detail == "patch line 10: it is a directory holding 'lib/a.c'")
    }

    @Test func fileBelowAnotherPatchsFileIsAClashFoundByCheck() throws {
        let project = try TestProject(pristine: ["README": "r\n"])
        defer { project.remove() }
        try project.patch("alpha", diff: Self.creation("plugins", "a\n"))
        try project.patch("beta", diff: Self.creation("plugins/b.c", "b\n"))
        let error = try refusal(project, ["alpha", "beta"])
        guard case let .treeClash(clash)? = error else {
            Issue.record("expected a clash, got \(String(describing: error))")
            return
        }
        #expect((clash.patch, clash.line, clash.path, clash.otherPath, clash.otherPatch)
                == ("beta", 10, "plugins/b.c", "plugins", "alpha"))
        #expect(clash.shape == .belowFile)
        #expect("\(clash)".hasPrefix("clash: patches/beta.patch line 10: 'plugins/b.c' would lie below 'plugins', which is a file made by patches/alpha.patch"))

        let matrix = ConflictMatrix.compute(catalog: try project.applier(["alpha", "beta"]).catalog,
                                            applier: try project.applier(["alpha", "beta"]))
        #expect(matrix.pairs["alpha+beta"] == .conflict(patch: "beta", with: ["alpha"], files: ["plugins/b.c"]))
        #expect(matrix.hasConflicts)
    }

    /// alpha makes `first`, beta then makes `second`: the path beta writes, how it
    /// clashes, and with which path of alpha's.
    @Test(arguments: [
        (Self.symlink("docs", to: "README"), Self.creation("docs/x", "x\n"), "docs/x", TreeClash.Shape.belowSymlink, "docs"),
        (Self.symlink("evil", to: "README"), Self.creation("evil", "text\n"), "evil", .symlinkAndFile, "evil"),
        (Self.creation("lib/a.c", "a\n"), Self.creation("lib", "flat\n"), "lib", .overDirectory, "lib/a.c"),
    ])
    func shapesTwoPatchesCannotShareAreAClash(first: String, second: String, path: String, shape: TreeClash.Shape,
                                              otherPath: String) throws {
        let project = try TestProject(pristine: ["README": "r\n"])
        defer { project.remove() }
        try project.patch("alpha", diff: first)
        try project.patch("beta", diff: second)
        let error = try refusal(project, ["alpha", "beta"])
        guard case let .treeClash(clash)? = error else {
            Issue.record("expected a clash, got \(String(describing: error))")
            return
        }
        #expect((clash.path, clash.shape, clash.otherPath, clash.otherPatch) == (path, shape, otherPath, "alpha"))
    }

    @Test func fileTouchedTwiceInOnePatchAppliesInOrderAsGNUPatchDoes() throws {
        let original = numberedLines(12)
        let project = try TestProject(pristine: ["a.c": original])
        defer { project.remove() }
        let first = gitDiff("a.c", "@@ -2,3 +2,3 @@\n line2\n-line3\n+LINE3\n line4")
        let second = gitDiff("a.c", "@@ -2,4 +2,5 @@\n line2\n LINE3\n+inserted\n line4\n line5")
        let third = gitDiff("a.c", "@@ -10,3 +10,3 @@\n line9\n-line10\n+LINE10\n line11")
        try project.patch("twice", diff: first + second + third)
        let applier = try project.applier(["twice"])
        let result = try applier.run(applier.catalog.planner.plan(selecting: ["twice"]))
        #expect(result.steps[0].report.files == ["a.c"])
        #expect(result.steps[0].report.hunkCount == 3)

        let scratch = try ScratchDirectory.make("twice")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data(original.utf8).write(to: scratch.appendingPathComponent("a.c"))
        try Data((first + second + third).utf8).write(to: scratch.appendingPathComponent("p.diff"))
        let gnu = try Baseline.patch(["-p1", "-i", "p.diff"], in: scratch)
        #expect(gnu.status == 0, "\(gnu.out)\(gnu.err)")
        let expected = try Data(contentsOf: scratch.appendingPathComponent("a.c"))
        #expect(text(result.final, "a.c") == String(decoding: expected, as: UTF8.self))

        let output = scratch.appendingPathComponent("out")
        try ResultRepository(destination: output).write(result, sourceName: "base-1.0", commitTime: 0)
        #expect(try Data(contentsOf: output.appendingPathComponent("a.c")) == expected)
    }

    @Test func keptConflictInAFolderTheEarlierPatchRemovedIsWritten() throws {
        let project = try TestProject(pristine: ["README": "r\n", "plugins/auth/conf.h": "#define X 0\n"])
        defer { project.remove() }
        try project.patch("alpha", diff: "diff --git a/plugins/auth/conf.h b/plugins/auth/conf.h\ndeleted file mode 100644\n"
                          + "--- a/plugins/auth/conf.h\n+++ /dev/null\n@@ -1 +0,0 @@\n-#define X 0\n")
        try project.patch("beta", diff: gitDiff("plugins/auth/conf.h", "@@ -1 +1 @@\n-#define X 0\n+#define B 1"))
        guard case let .conflicts(report)? = try refusal(project, ["alpha", "beta"]) else {
            Issue.record("expected a conflict")
            return
        }
        let scratch = try ScratchDirectory.make("kept")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathComponent("out")
        try ResultRepository(destination: output, keepFailed: true).writeFailed(report, sourceName: "base-1.0", commitTime: 0)
        let kept = try String(contentsOf: output.appendingPathComponent("plugins/auth/conf.h"), encoding: .utf8)
        #expect(kept.contains(">>>>>>> beta"), "\(kept)")
    }

    @Test func keptConflictFilesNeverFollowASymlink() throws {
        let scratch = try ScratchDirectory.make("worktree-write")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outside = scratch.appendingPathComponent("outside")
        let tree = scratch.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let secret = Data("outside, keep me\n".utf8)
        try secret.write(to: outside.appendingPathComponent("secret"))
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("evil").path,
                                                   withDestinationPath: outside.appendingPathComponent("secret").path)
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("dir").path,
                                                   withDestinationPath: outside.path)

        try WorkTreeFile.replace("evil", in: tree, with: Array("<<<<<<< markers\n".utf8))
        #expect(try Data(contentsOf: outside.appendingPathComponent("secret")) == secret)
        #expect(try FileManager.default.attributesOfItem(atPath: tree.appendingPathComponent("evil").path)[.type]
                as? FileAttributeType == .typeRegular)
        #expect(try String(contentsOf: tree.appendingPathComponent("evil"), encoding: .utf8) == "<<<<<<< markers\n")

        #expect(throws: PatchEngineError.self) {
            try WorkTreeFile.replace("dir/secret", in: tree, with: Array("x\n".utf8))
        }
        try WorkTreeFile.replace("new/folder/file", in: tree, with: Array("made\n".utf8))
        #expect(try String(contentsOf: tree.appendingPathComponent("new/folder/file"), encoding: .utf8) == "made\n")
        #expect(try Data(contentsOf: outside.appendingPathComponent("secret")) == secret)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path) == ["secret"])
    }

    @Test func danglingSymlinkDestinationIsRefusedBeforeAnyWork() throws {
        let scratch = try ScratchDirectory.make("dangling")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let link = scratch.appendingPathComponent("out")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: scratch.appendingPathComponent("nowhere").path)
        let repository = ResultRepository(destination: link)
        #expect(throws: PatchEngineError.self) { try repository.requireFreeDestination() }
        do {
            try repository.requireFreeDestination()
        } catch {
            #expect("\(error)".hasPrefix("\(link.path) is a symlink (to '\(scratch.path)/nowhere'); qmailkit never writes through a symlink"))
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("nowhere").path))
    }

    @Test(arguments: ["", "<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n",
                      "qmail patch\n\nThis README explains how to apply the patch.\n",
                      "Feature: hollow\nBase: base-1.0\n---\n", "\u{89}PNG\r\n\u{1a}\n\0\0\0\rIHDR\0\0\0\u{1}"])
    func inputWithoutAnyDiffIsNoDiffFound(contents: String) throws {
        let project = try TestProject(pristine: ["a": "a\n"])
        defer { project.remove() }
        try project.write("patches/hollow.patch", contents)
        let catalog = try PatchCatalog(project: project.project, recipe: try project.recipe(["hollow"]))
        #expect(catalog.features.isEmpty)
        do {
            _ = try catalog.planner.plan(selecting: ["hollow"])
            Issue.record("a patch without a diff was accepted")
        } catch {
            #expect("\(error)".hasPrefix("recipe entry 'hollow' cannot be used: no diff found in patches/hollow.patch"))
        }
    }
}
