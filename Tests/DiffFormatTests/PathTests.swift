import DiffFormat
import Foundation
import Testing
import TestSupport

@Suite(.ownThread) struct PathTests {
    @Test func stripLevels() throws {
        #expect(try PatchPaths.strip("a/src/x.c", level: 0) == "a/src/x.c")
        #expect(try PatchPaths.strip("a/src/x.c", level: 1) == "src/x.c")
        #expect(try PatchPaths.strip("a//src/./x.c", level: 1) == "src/x.c")
        #expect(try PatchPaths.strip("a/src/x.c", level: 2) == "x.c")
        #expect(throws: PatchPathError(path: "a/src/x.c", .tooFewComponents(level: 3))) {
            try PatchPaths.strip("a/src/x.c", level: 3)
        }
    }

    @Test func escapingPathsAreRefused() throws {
        #expect(throws: PatchPathError(path: "/etc/passwd", .absolute)) { try PatchPaths.strip("/etc/passwd", level: 0) }
        #expect(throws: PatchPathError(path: "//x", .absolute)) { try PatchPaths.strip("//x", level: 0) }
        #expect(throws: PatchPathError(path: "a/../../etc/passwd", .parentReference)) { try PatchPaths.strip("a/../../etc/passwd", level: 1) }
        #expect(throws: PatchPathError(path: "a/src/..", .parentReference)) { try PatchPaths.strip("a/src/..", level: 0) }
        #expect(throws: PatchPathError(path: "a/", .empty)) { try PatchPaths.strip("a/", level: 1) }
        // `..foo` is an ordinary name, not a parent reference.
        #expect(try PatchPaths.strip("a/..foo", level: 1) == "..foo")
    }

    @Test func escapingPatchIsRefusedWhenRendering() throws {
        let patch = "--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-root\n+toor\n"
        let document = try PatchDocument(parsing: patch)
        #expect(throws: PatchPathError(path: "a/../../etc/passwd", .parentReference, line: 1)) { try document.canonicalDiff(strip: 1) }
        #expect(throws: PatchPathError(path: "a/../../etc/passwd", .parentReference, line: 1)) { try document.files[0].choosePaths(strip: 1, exists: { _ in false }) }
    }

    @Test func guessStripLevelLikePatch() throws {
        let tree: Set<String> = ["qmail-smtpd.c", "qmail-remote.c", "Makefile"]
        #expect(try PatchDocument(parsing: Fixtures.git.replacingOccurrences(of: "src/", with: "")).guessStripLevel(existingPaths: ["numbers.txt", "old.txt"]) == 1)
        #expect(try PatchDocument(parsing: Fixtures.p0).guessStripLevel(existingPaths: ["src/numbers.txt", "src/old.txt"]) == 0)
        #expect(try PatchDocument(parsing: Fixtures.naur).guessStripLevel(existingPaths: ["src/numbers.txt", "src/old.txt"]) == 1)
        #expect(try PatchDocument(parsing: Fixtures.naur).guessStripLevel(existingPaths: ["numbers.txt", "old.txt"]) == 2)

        let deep = try PatchDocument(parsing: "--- x/netqmail-1.06/qmail-smtpd.c\n+++ y/netqmail-1.06/qmail-smtpd.c\n@@ -1 +1 @@\n-a\n+b\n")
        #expect(try deep.guessStripLevel(existingPaths: tree) == 2)
        #expect(throws: PatchPathError(path: "x/netqmail-1.06/qmail-smtpd.c", .noMatchingStripLevel)) {
            try deep.guessStripLevel(existingPaths: ["unrelated.c"])
        }
    }

    @Test func guessPrefersTheLevelWhereMostFilesExist() throws {
        let patch = "--- a/qmail-smtpd.c\n+++ b/qmail-smtpd.c\n@@ -1 +1 @@\n-a\n+b\n--- a/missing.c\n+++ b/missing.c\n@@ -1 +1 @@\n-a\n+b\n"
        #expect(try PatchDocument(parsing: patch).guessStripLevel(existingPaths: ["qmail-smtpd.c"]) == 1)
    }

    @Test func creationOnlyPatchUsesThePrefixConvention() throws {
        let git = "--- /dev/null\n+++ b/tls.c\n@@ -0,0 +1 @@\n+x\n"
        #expect(try PatchDocument(parsing: git).guessStripLevel(existingPaths: ["qmail-smtpd.c"]) == 1)
        let bare = "--- /dev/null\n+++ tls.c\n@@ -0,0 +1 @@\n+x\n"
        #expect(try PatchDocument(parsing: bare).guessStripLevel(existingPaths: ["qmail-smtpd.c"]) == 0)
    }
}
