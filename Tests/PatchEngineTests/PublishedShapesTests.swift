import Foundation
import GitStore
import PatchEngine
import Recipes
import Testing
import TestSupport

/// Patches as people publish them: no header of ours (the recipe entry says it),
/// compressed, `-p0`, git renames, copies, mode changes and symbolic links.
@Suite(.ownThread) struct PublishedShapesTests {
    static let pristine = [
        "qmail-smtpd.c": numberedLines(30, prefix: "smtpd"),
        "qmail-remote.c": numberedLines(20, prefix: "remote"),
        "install.sh": "#!/bin/sh\necho install\n",
        "conf-cc": "cc -O2\n",
    ]

    /// Writes `recipes/test.yaml` with one entry per `entries` item (YAML lines of a list item).
    func recipe(_ project: TestProject, _ entries: [String]) throws -> Recipe {
        let text = "name: test\nbase: base-1.0\npatches:\n" + entries.map { "  - " + $0 + "\n" }.joined()
        try project.write("recipes/test.yaml", text)
        return try project.project.recipe("test", workingDirectory: project.root)
    }

    func run(_ project: TestProject, _ recipe: Recipe, _ features: [String]) throws -> SeriesResult {
        let catalog = try PatchCatalog(project: project.project, recipe: recipe)
        return try SeriesApplier(catalog: catalog, pristine: project.pristine).run(catalog.planner.plan(selecting: features))
    }

    static let bareDiff = "--- netqmail-1.06.orig/conf-cc\n+++ netqmail-1.06/conf-cc\n@@ -1 +1 @@\n-cc -O2\n+cc -O2 -DTLS\n"

    @Test func recipeEntryCarriesTheMetadataOfAPatchWithoutHeader() throws {
        let project = try TestProject(pristine: Self.pristine)
        defer { project.remove() }
        try project.patch("auth", diff: gitDiff("qmail-smtpd.c", "@@ -1,3 +1,3 @@\n smtpd1\n-smtpd2\n+auth2\n smtpd3"))
        try project.write("contrib/tls-1997.diff", Self.bareDiff)
        let recipe = try self.recipe(project, [
            "auth",
            "{name: tls-published, file: contrib/tls-1997.diff, feature: tls, requires: [auth], base: base-1.0 + auth, "
                + "description: TLS as published, origin: 'https://example.org/tls'}",
        ])
        let catalog = try PatchCatalog(project: project.project, recipe: recipe)
        let metadata = try #require(catalog.patches["tls-published"]?.metadata)
        #expect(metadata.feature == "tls")
        #expect(metadata.requires == ["auth"])
        #expect(metadata.baseFeatures == ["auth"])
        #expect(metadata.description == "TLS as published")
        #expect(metadata.origin == "https://example.org/tls")
        let result = try SeriesApplier(catalog: catalog, pristine: project.pristine)
            .run(catalog.planner.plan(selecting: ["tls"]))
        #expect(result.steps.map(\.report.feature) == ["auth", "tls"])
        #expect(text(result.final, "conf-cc") == "cc -O2 -DTLS\n")
    }

    @Test func withoutAnyMetadataTheEntryNameAndTheRecipeBaseAreUsed() throws {
        let project = try TestProject(pristine: Self.pristine)
        defer { project.remove() }
        try project.write("patches/cflags.patch", Self.bareDiff)
        let result = try run(project, try recipe(project, ["cflags"]), ["cflags"])
        #expect(result.steps.first?.report.feature == "cflags")
        #expect(result.steps.first?.report.baseDescription == "base-1.0")
    }

    @Test func headerAndRecipeThatDisagreeNameBothPlaces() throws {
        let project = try TestProject(pristine: Self.pristine)
        defer { project.remove() }
        try project.patch("tls", requires: "auth", diff: Self.bareDiff)
        try project.patch("auth", diff: gitDiff("qmail-smtpd.c", "@@ -1,3 +1,3 @@\n smtpd1\n-smtpd2\n+auth2\n smtpd3"))
        let recipe = try self.recipe(project, ["auth", "{name: tls, feature: starttls}"])
        // A broken entry fails the selections that hold it (see RecipeValidationTests).
        let error = #expect(throws: PatchEngineError.self) { try run(project, recipe, ["tls"]) }
        // TestProject's header: Description, Author, then Feature on line 3.
        #expect(error?.description == "recipe entry 'tls' cannot be used: "
                + "recipes/test.yaml:5: the recipe says feature 'starttls', but patches/tls.patch:3: "
                + "the patch header says Feature: tls; make them agree or drop one of them")

        let lists = try self.recipe(project, ["auth", "{name: tls, requires: [auth, other]}"])
        let listError = #expect(throws: PatchEngineError.self) { try run(project, lists, ["tls"]) }
        #expect(listError?.description.contains("the recipe says requires 'auth, other', but patches/tls.patch:4") == true)

        // Saying the same thing twice is fine (lists as sets).
        let agreeing = try self.recipe(project, ["auth", "{name: tls, feature: tls, requires: auth, base: base-1.0}"])
        #expect(try PatchCatalog(project: project.project, recipe: agreeing).patches["tls"]?.metadata.requires == ["auth"])
    }

    @Test(arguments: [("gzip", "-9"), ("bzip2", "-9"), ("xz", "-6")])
    func compressedPatchesAreReadByContent(tool: String, level: String) throws {
        let project = try TestProject(pristine: Self.pristine)
        defer { project.remove() }
        let plain = "Feature: cflags\nBase: base-1.0\n---\n" + Self.bareDiff
        // Named .patch on purpose: the content decides, not the name.
        let compressed = try Command.run(tool, [level, "-c"], input: Array(plain.utf8))
        #expect(compressed.status == 0)
        let url = project.root.appendingPathComponent("patches/cflags.patch")
        try Data(compressed.stdout).write(to: url)
        let result = try run(project, try recipe(project, ["cflags"]), ["cflags"])
        #expect(text(result.final, "conf-cc") == "cc -O2 -DTLS\n")
        let report = try #require(result.steps.first?.report)
        let digest = try Command.output("sha256sum", [url.path]).prefix(64)
        #expect(report.bytesSHA256 == digest, "the identity of the bytes as downloaded")

        try Data(plain.utf8).write(to: url)
        let plainReport = try #require(try run(project, try recipe(project, ["cflags"]), ["cflags"]).steps.first?.report)
        #expect(plainReport.canonicalSHA256 == report.canonicalSHA256)

        try Data(compressed.stdout.dropLast(12)).write(to: url)
        let truncated = #expect(throws: PatchEngineError.self) { try run(project, try recipe(project, ["cflags"]), ["cflags"]) }
        #expect(truncated?.description.hasPrefix("recipe entry 'cflags' cannot be used: patches/cflags.patch: ") == true)
        #expect(truncated?.description.contains("truncated") == true || truncated?.description.contains("corrupt") == true,
                "\(String(describing: truncated))")
    }

    @Test func aCompressedPatchIsNotOpenedForEditing() throws {
        let project = try TestProject(pristine: Self.pristine)
        defer { project.remove() }
        let plain = "Feature: cflags\nBase: base-1.0\n---\n" + Self.bareDiff
        let url = project.root.appendingPathComponent("patches/cflags.patch")
        try Data(try Command.run("gzip", ["-c"], input: Array(plain.utf8)).stdout).write(to: url)
        let catalog = try PatchCatalog(project: project.project, recipe: try recipe(project, ["cflags"]))
        let patch = try #require(catalog.patches["cflags"])
        let directory = project.root.appendingPathComponent("edit-cflags")
        let error = #expect(throws: PatchEngineError.self) {
            try EditSession.start(patch: patch, applier: SeriesApplier(catalog: catalog, pristine: project.pristine),
                                  patchFileURL: url, directory: directory, commitTime: 0)
        }
        #expect(error?.description.hasPrefix("cannot edit patches/cflags.patch: it is gzip-compressed") == true)
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }

    @Test func stripLevelPerEntryAndAHintWhenItIsWrong() throws {
        let project = try TestProject(pristine: Self.pristine)
        defer { project.remove() }
        try project.write("contrib/p0.diff", "--- conf-cc.orig\n+++ conf-cc\n@@ -1 +1 @@\n-cc -O2\n+cc -O3\n")
        let wrong = try recipe(project, ["{name: p0, file: contrib/p0.diff}"])
        let error = #expect(throws: PatchEngineError.self) { try run(project, wrong, ["p0"]) }
        #expect(error?.description == "recipe entry 'p0' cannot be used: contrib/p0.diff: patch line 1: path `conf-cc.orig` has too few components to strip 1 (-p1); "
                + "-p0 fits the patch's paths: give its recipe entry `strip: 0`")

        let right = try recipe(project, ["{name: p0, file: contrib/p0.diff, strip: 0}"])
        #expect(text(try run(project, right, ["p0"]).final, "conf-cc") == "cc -O3\n")

        // Names long enough for -p1 that only exist at -p0: the applier says which level finds them.
        try project.write("contrib/deep.diff", "--- src/conf-cc\n+++ src/conf-cc\n@@ -1 +1 @@\n-cc -O2\n+cc -O3\n")
        let deep = try recipe(project, ["{name: deep, file: contrib/deep.diff, strip: 0}"])
        let missing = #expect(throws: PatchEngineError.self) { try run(project, deep, ["deep"]) }
        #expect(missing?.description.contains("-p1 fits the patch's paths: give its recipe entry `strip: 1`") == true,
                "\(String(describing: missing))")
    }

    /// A tree, its change made with git, `git diff -M -C` of it, and both `git apply` and the
    /// series applier on the same pristine tree: the git tree ids must be equal.
    @Test func gitRenamesCopiesModesAndSymlinksApplyAsGitApplyDoes() throws {
        let scratch = try ScratchDirectory.make("git-shapes")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let work = scratch.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        for (path, contents) in Self.pristine {
            try Data(contents.utf8).write(to: work.appendingPathComponent(path))
        }
        try Baseline.git(["init", "-q"], in: work)
        try Baseline.git(["add", "-A"], in: work)
        try Baseline.git(["commit", "-q", "-m", "base"], in: work)
        try Baseline.git(["mv", "qmail-remote.c", "qmail-remote-tls.c"], in: work)
        let renamed = work.appendingPathComponent("qmail-remote-tls.c")
        try Data(numberedLines(20, prefix: "remote").replacingOccurrences(of: "remote7\n", with: "remote7 with tls\n").utf8)
            .write(to: renamed)
        try Data((numberedLines(30, prefix: "smtpd") + "copy tail\n").utf8).write(to: work.appendingPathComponent("qmail-smtpd-tls.c"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: work.appendingPathComponent("install.sh").path)
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("conf-cc-link").path, withDestinationPath: "conf-cc")
        try Baseline.git(["add", "-A"], in: work)
        let diff = try Baseline.git(["diff", "--cached", "-M", "-C", "--find-copies-harder"], in: work)
        #expect(diff.contains("rename from qmail-remote.c"))
        #expect(diff.contains("copy from qmail-smtpd.c"))
        #expect(diff.contains("new mode 100755"))
        #expect(diff.contains("new file mode 120000"))

        let applied = scratch.appendingPathComponent("git-apply")
        try FileManager.default.createDirectory(at: applied, withIntermediateDirectories: true)
        for (path, contents) in Self.pristine {
            try Data(contents.utf8).write(to: applied.appendingPathComponent(path))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: applied.appendingPathComponent("install.sh").path)
        try Baseline.git(["apply", "-"], in: applied, input: Array(diff.utf8))
        let expected = try Baseline.gitTree(of: applied)

        let project = try TestProject(pristine: Self.pristine)
        defer { project.remove() }
        try project.patch("shapes", diff: diff)
        let result = try run(project, try recipe(project, ["shapes"]), ["shapes"])
        let ours = try GitRepository.inMemory().writeTree(result.final.sortedFiles)
        #expect(ours.description == expected)
        #expect(result.final["qmail-remote.c"] == nil)
        #expect(result.final["conf-cc-link"]?.mode == .symlink)
        #expect(result.steps[0].report.files.sorted() == ["conf-cc-link", "install.sh", "qmail-remote-tls.c", "qmail-remote.c", "qmail-smtpd-tls.c"])
    }

    @Test func aRenameOntoAnExistingFileIsRefused() throws {
        let project = try TestProject(pristine: Self.pristine)
        defer { project.remove() }
        try project.patch("clobber", diff: "diff --git a/conf-cc b/install.sh\nsimilarity index 100%\nrename from conf-cc\nrename to install.sh\n")
        let error = #expect(throws: PatchEngineError.self) { try run(project, try recipe(project, ["clobber"]), ["clobber"]) }
        #expect(error?.description.contains("patch line 8: the rename would replace a file that already exists") == true,
                "\(String(describing: error))")
    }
}
