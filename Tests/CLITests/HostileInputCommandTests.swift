import Foundation
import Testing
import TestSupport

/// Hostile and broken input through the binary: the documented exit code, a
/// message naming the patch file and line, nothing written outside (or at all).
@Suite(.ownThread) struct HostileInputCommandTests {
    static func creation(_ path: String, _ line: String) -> String {
        "diff --git a/\(path) b/\(path)\nnew file mode 100644\n--- /dev/null\n+++ b/\(path)\n@@ -0,0 +1 @@\n+\(line)\n"
    }

    static func symlink(_ path: String, to target: String) -> String {
        "diff --git a/\(path) b/\(path)\nnew file mode 120000\n--- /dev/null\n+++ b/\(path)\n"
            + "@@ -0,0 +1 @@\n+\(target)\n\\ No newline at end of file\n"
    }

    static let readmeEdit = "diff --git a/README b/README\n--- a/README\n+++ b/README\n@@ -1 +1,2 @@\n tiny\n+more\n"

    /// A tiny project whose recipe lists `patches` (name, header lines, diff) in order.
    func project(_ patches: [(name: String, header: String, diff: String)]) throws -> TinyProject {
        let tiny = try TinyProject(files: ["main.c": "int main() {\n  return 0;\n}\n", "README": "tiny\n"])
        for patch in patches {
            try tiny.write("patches/\(patch.name).patch", patch.header + "---\n" + patch.diff)
        }
        try tiny.write("recipes/combined.yaml", "name: combined\nbase: tiny-1.0\npatches: [\(patches.map(\.name).joined(separator: ", "))]\n")
        _ = try tiny.qmailkit(["fetch", "tiny-1.0", "--from", tiny.tarball.path, "--cache-only", "-q"])
        return tiny
    }

    /// A file outside every tree the test writes, and its bytes, to check afterwards.
    static func administratorsFile() throws -> (URL, Data) {
        let secret = try ScratchDirectory.make("outside").appendingPathComponent("secret")
        let original = Data("an administrator's file\n".utf8)
        try original.write(to: secret)
        return (secret, original)
    }

    static func header(_ feature: String, requires: String = "", base: String = "tiny-1.0") -> String {
        "Feature: \(feature)\nRequires: \(requires)\nBase: \(base)\n"
    }

    @Test func keepFailedNeverWritesOutsideTheOutputFolder() throws {
        let (secret, original) = try Self.administratorsFile()
        defer { try? FileManager.default.removeItem(at: secret.deletingLastPathComponent()) }
        let tiny = try project([("alpha", Self.header("alpha"), Self.symlink("evil", to: secret.path)),
                                ("beta", Self.header("beta"), Self.creation("evil", "<<<<<<< not yours"))])
        defer { tiny.remove() }
        let result = try tiny.qmailkit(["patch", "--with", "alpha,beta", "-o", "out", "--keep-failed", "-q"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("patches/alpha.patch line 7: refusing 'evil': a symlink to '\(secret.path)': "
                                       + "an absolute target points outside the tree"), "\(result.stderr)")
        #expect(try Data(contentsOf: secret) == original)
        #expect(!tiny.exists("out"))

        let escaping = try project([("alpha", Self.header("alpha"), Self.symlink("evil", to: "../../../\(secret.path)"))])
        defer { escaping.remove() }
        let climbing = try escaping.qmailkit(["patch", "--with", "alpha", "-o", "out", "-q"])
        #expect(climbing.status == 2)
        #expect(climbing.stderr.contains("the target climbs out of the tree"), "\(climbing.stderr)")
        #expect(try Data(contentsOf: secret) == original)
    }

    @Test func symlinkAndFileClashIsReportedNotMergedThroughTheLink() throws {
        let tiny = try project([("alpha", Self.header("alpha"), Self.symlink("evil", to: "README")),
                                ("beta", Self.header("beta"), Self.creation("evil", "text"))])
        defer { tiny.remove() }
        let result = try tiny.qmailkit(["patch", "--with", "alpha,beta", "-o", "out", "--keep-failed", "-q"])
        #expect(result.status == 4)
        #expect(result.stderr.contains("clash: patches/beta.patch line 7: 'evil' is a symlink on one side and a file on the other"),
                "\(result.stderr)")
        #expect(!tiny.exists("out"))
    }

    @Test func gitFolderAndWritesBelowASymlinkAreRefusedWithFileAndLine() throws {
        let tiny = try project([("hook", Self.header("hook"), Self.readmeEdit + Self.creation(".git/hooks/post-checkout", "echo owned")),
                                ("link", Self.header("link"), Self.symlink("docs", to: "README")),
                                ("below", Self.header("below", requires: "link", base: "tiny-1.0 + link"), Self.creation("docs/x", "x"))])
        defer { tiny.remove() }
        let hook = try tiny.qmailkit(["patch", "--with", "hook", "-o", "out", "-q"])
        #expect(hook.status == 2)
        #expect(hook.stderr.contains("patches/hook.patch line 13: refusing '.git/hooks/post-checkout': '.git' cannot be stored in a tree"),
                "\(hook.stderr)")
        let below = try tiny.qmailkit(["patch", "--with", "below", "-o", "out", "-q"])
        #expect(below.status == 2)
        #expect(below.stderr.contains("patches/below.patch line 7: refusing 'docs/x': it lies below the symlink 'docs'"), "\(below.stderr)")
        #expect(!hook.stderr.contains("libgit2") && !below.stderr.contains("libgit2"))
        #expect(!tiny.exists("out"))
    }

    @Test func comparedPatchObeysTheSameRules() throws {
        let tiny = try project([("alpha", Self.header("alpha"), Self.readmeEdit)])
        defer { tiny.remove() }
        try tiny.write("evil.diff", Self.readmeEdit + Self.symlink("escape", to: "/etc/passwd"))
        let compare = try tiny.qmailkit(["compare", "combined", "evil.diff", "-q"])
        #expect(compare.status == 2)
        #expect(compare.stderr.contains("evil.diff line 9: refusing 'escape': a symlink to '/etc/passwd'"), "\(compare.stderr)")
    }

    @Test func combineNeverWritesThroughASymlinkedScratchOrOutput() throws {
        let (secret, original) = try Self.administratorsFile()
        defer { try? FileManager.default.removeItem(at: secret.deletingLastPathComponent()) }
        let tiny = try project([("alpha", Self.header("alpha"), Self.readmeEdit)])
        defer { tiny.remove() }
        for name in [".combined.patch.partial", "combined.patch"] {
            try FileManager.default.createSymbolicLink(atPath: tiny.root.appendingPathComponent(name).path, withDestinationPath: secret.path)
        }
        let combine = try tiny.qmailkit(["combine", "combined", "-o", "combined.patch", "-q"])
        #expect(combine.status == 0, "\(combine.stderr)")
        #expect(try Data(contentsOf: secret) == original)
        let written = try String(contentsOf: tiny.root.appendingPathComponent("combined.patch"), encoding: .utf8)
        #expect(written.hasPrefix("qmailkit combined patch for recipe combined"))
        #expect(try FileManager.default.attributesOfItem(atPath: tiny.root.appendingPathComponent("combined.patch").path)[.type]
                as? FileAttributeType == .typeRegular)
    }

    @Test func danglingOutputSymlinkIsRefusedBeforeAnyWork() throws {
        let tiny = try TinyProject(files: ["README": "tiny\n"])
        defer { tiny.remove() }
        try tiny.write("patches/alpha.patch", Self.header("alpha") + "---\n" + Self.readmeEdit)
        try tiny.write("recipes/combined.yaml", "name: combined\nbase: tiny-1.0\npatches: [alpha]\n")
        let nowhere = tiny.root.appendingPathComponent("nowhere")
        try FileManager.default.createSymbolicLink(atPath: tiny.root.appendingPathComponent("out").path, withDestinationPath: nowhere.path)
        // The cache is empty and the only mirror unreachable: any work would fail differently.
        let patch = try tiny.qmailkit(["patch", "--with", "alpha", "-o", "out"])
        #expect(patch.status == 5)
        #expect(patch.stderr.contains("out is a symlink (to '\(nowhere.path)'); qmailkit never writes through a symlink"), "\(patch.stderr)")
        #expect(!patch.stderr.contains("mirror"))
        let fetch = try tiny.qmailkit(["fetch", "tiny-1.0", "-o", "out"])
        #expect(fetch.status == 5)
        #expect(!fetch.stderr.contains("mirror"), "\(fetch.stderr)")
        #expect(!FileManager.default.fileExists(atPath: nowhere.path))
    }

    @Test func fileTouchedTwiceAppliesLikeGNUPatchInPatchCheckAndCombine() throws {
        let first = "diff --git a/main.c b/main.c\n--- a/main.c\n+++ b/main.c\n@@ -1,3 +1,3 @@\n int main() {\n-  return 0;\n+  return 1;\n }\n"
        let second = "diff --git a/main.c b/main.c\n--- a/main.c\n+++ b/main.c\n@@ -1,3 +1,4 @@\n int main() {\n+  setup();\n   return 1;\n }\n"
        let tiny = try project([("twice", Self.header("twice"), first + second)])
        defer { tiny.remove() }
        let patch = try tiny.qmailkit(["patch", "--with", "twice", "-o", "out", "-q"])
        #expect(patch.status == 0, "\(patch.stderr)")
        #expect(patch.stdout.contains("twice: patches/twice.patch, 1 files, 2 hunks"))
        let check = try tiny.qmailkit(["check", "--all", "-q"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let combine = try tiny.qmailkit(["combine", "combined", "-o", "combined.patch", "-q"])
        #expect(combine.status == 0, "\(combine.stderr)")

        let gnu = tiny.root.appendingPathComponent("gnu")
        try FileManager.default.createDirectory(at: gnu, withIntermediateDirectories: true)
        try Data("int main() {\n  return 0;\n}\n".utf8).write(to: gnu.appendingPathComponent("main.c"))
        let applied = try Baseline.patch(["-p1", "-i", tiny.root.appendingPathComponent("patches/twice.patch").path], in: gnu)
        #expect(applied.status == 0, "\(applied.out)")
        let expected = try Data(contentsOf: gnu.appendingPathComponent("main.c"))
        #expect(try Data(contentsOf: tiny.root.appendingPathComponent("out/main.c")) == expected)
        let compare = try tiny.qmailkit(["compare", "combined", "combined.patch", "-q"])
        #expect(compare.status == 0, "\(compare.stdout)")
    }

    @Test func requiresCycleIsRefusedNotACrash() throws {
        let tiny = try project([("ping", Self.header("ping", requires: "pong", base: "tiny-1.0 + pong"), Self.readmeEdit),
                                ("pong", Self.header("pong", requires: "ping", base: "tiny-1.0 + ping"), Self.readmeEdit),
                                ("solo", Self.header("solo"), Self.creation("solo.c", "int solo;"))])
        defer { tiny.remove() }
        let patch = try tiny.qmailkit(["patch", "--with", "ping", "-o", "out", "-q"])
        #expect(patch.status == 2)
        #expect(patch.stderr.contains("Requires/Base form a cycle: ping → pong → ping"), "\(patch.stderr)")
        let check = try tiny.qmailkit(["check", "--all", "-q"])
        #expect(check.status == 2, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("ok        solo"))
        #expect(check.stdout.contains("pong: Requires/Base form a cycle: pong → ping → pong"), "\(check.stdout)")
        let solo = try tiny.qmailkit(["patch", "--with", "solo", "-o", "out", "-q"])
        #expect(solo.status == 0, "\(solo.stderr)")
    }

    @Test func featureBeforeItsBaseSaysWhatToMove() throws {
        let tiny = try project([("addon", Self.header("addon", requires: "core", base: "tiny-1.0 + core"), Self.creation("addon.c", "int addon;")),
                                ("core", Self.header("core"), Self.readmeEdit)])
        defer { tiny.remove() }
        let patch = try tiny.qmailkit(["patch", "--with", "addon", "-o", "out", "-q"])
        #expect(patch.status == 2)
        #expect(patch.stderr.contains("move 'core' above 'addon' in the recipe's patches list"), "\(patch.stderr)")
        #expect(!patch.stderr.contains("does not provide"))
    }

    @Test func brokenEntryFailsOnlyItsSelectionsAndCheckListsIt() throws {
        let tiny = try project([("alpha", Self.header("alpha"), Self.readmeEdit),
                                ("html", "", "<!DOCTYPE html>\n<html><body>Moved</body></html>\n")])
        defer { tiny.remove() }
        try tiny.write("recipes/combined.yaml", "name: combined\nbase: tiny-1.0\npatches: [alpha, html, gone]\n")
        let alpha = try tiny.qmailkit(["patch", "--with", "alpha", "-o", "out", "-q"])
        #expect(alpha.status == 0, "\(alpha.stderr)")
        let html = try tiny.qmailkit(["patch", "--with", "html", "-o", "out2", "-q"])
        #expect(html.status == 2)
        #expect(html.stderr.contains("recipe entry 'html' cannot be used: no diff found in patches/html.patch"), "\(html.stderr)")
        let gone = try tiny.qmailkit(["patch", "--with", "gone", "-o", "out2", "-q"])
        #expect(gone.status == 2)
        #expect(gone.stderr.contains("patches/gone.patch does not exist"), "\(gone.stderr)")
        #expect(!tiny.exists("out2"))

        let all = try tiny.qmailkit(["check", "--all", "-q"])
        #expect(all.status == 2)
        #expect(all.stdout.contains("ok        alpha"))
        #expect(all.stdout.contains("html: recipe entry 'html' cannot be used: no diff found in patches/html.patch"), "\(all.stdout)")
        #expect(all.stdout.contains("gone: recipe entry 'gone' cannot be used: patches/gone.patch does not exist"))
        let some = try tiny.qmailkit(["check", "--with", "alpha", "-q"])
        #expect(some.status == 0, "\(some.stdout)\(some.stderr)")
        let combine = try tiny.qmailkit(["combine", "combined", "-q"])
        #expect(combine.status == 2)
        let scenarios = RealTree.project.appendingPathComponent("scenarios").path
        let matrix = try tiny.qmailkit(["matrix", "--with", "html", "--scenarios", scenarios, "-q"])
        #expect(matrix.status == 2)
        #expect(matrix.stderr.contains("recipe entry 'html' cannot be used: no diff found in patches/html.patch"), "\(matrix.stderr)")
    }

    @Test func fileDirectoryClashIsFoundByCheckAndReportedByPatch() throws {
        let tiny = try project([("alpha", Self.header("alpha"), Self.creation("plugins", "a")),
                                ("beta", Self.header("beta"), Self.creation("plugins/b.c", "b"))])
        defer { tiny.remove() }
        let check = try tiny.qmailkit(["check", "--all", "-q"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("CONFLICT  alpha,beta  (beta collides with alpha in plugins/b.c)"), "\(check.stdout)")
        let patch = try tiny.qmailkit(["patch", "--with", "alpha,beta", "-o", "out", "-q"])
        #expect(patch.status == 4)
        #expect(patch.stderr.contains("clash: patches/beta.patch line 7: 'plugins/b.c' would lie below 'plugins', "
                                      + "which is a file made by patches/alpha.patch"), "\(patch.stderr)")
        #expect(!patch.stderr.contains("D/F"))
        #expect(!tiny.exists("out"))
    }

    @Test(arguments: ["", "<!DOCTYPE html>\n<html><head><title>404</title></head></html>\n",
                      "qmail-smtpd AUTH patch\n\nApply it with patch -p1 inside the netqmail tree.\n",
                      "Feature: hollow\nBase: tiny-1.0\n---\n", "\u{7f}ELF\u{2}\u{1}\u{1}\0\0\0\0\0\u{3}\0>\0"])
    func notAPatchIsNoDiffFoundForEveryCommand(contents: String) throws {
        let tiny = try project([("alpha", Self.header("alpha"), Self.readmeEdit)])
        defer { tiny.remove() }
        try tiny.write("patches/hollow.patch", contents)
        try tiny.write("hollow.diff", contents)
        let compare = try tiny.qmailkit(["compare", "combined", "hollow.diff", "-q"])
        #expect(compare.status == 2)
        #expect(compare.stderr.contains("no diff found in hollow.diff"), "\(compare.stderr)")
        try tiny.write("recipes/combined.yaml", "name: combined\nbase: tiny-1.0\npatches: [alpha, hollow]\n")
        for arguments in [["patch", "--with", "hollow", "-o", "out"], ["check", "--all"], ["combine", "combined"]] {
            let result = try tiny.qmailkit(arguments + ["-q"])
            #expect(result.status == 2, "\(arguments[0])")
            #expect((result.stdout + result.stderr).contains("no diff found in patches/hollow.patch"), "\(arguments[0]): \(result.stderr)")
        }
        #expect(!tiny.exists("out"))
    }
}
