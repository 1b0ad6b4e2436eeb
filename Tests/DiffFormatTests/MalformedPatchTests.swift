import DiffFormat
import Testing
import TestSupport

@Suite(.ownThread) struct MalformedPatchTests {
    private func parseError(_ patch: String) -> PatchParseError? {
        do {
            _ = try PatchDocument(parsing: patch)
            return nil
        } catch {
            return error
        }
    }

    @Test func countsTooSmallForTheBody() {
        let patch = "Feature: x\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n d\n"
        #expect(parseError(patch) == PatchParseError(line: 8, .lineAfterCompleteHunk(header: "@@ -1,2 +1,2 @@", found: " d")))
    }

    @Test func moreDeletionsThanDeclared() {
        let patch = "--- a/f\n+++ b/f\n@@ -1,1 +1,2 @@\n-a\n-b\n+c\n+d\n"
        #expect(parseError(patch) == PatchParseError(line: 5, .tooManyOldLines(header: "@@ -1,1 +1,2 @@", declared: 1)))
    }

    @Test func moreAdditionsThanDeclared() {
        let patch = "--- a/f\n+++ b/f\n@@ -1,2 +1,1 @@\n-a\n+c\n+d\n-b\n"
        #expect(parseError(patch) == PatchParseError(line: 6, .tooManyNewLines(header: "@@ -1,2 +1,1 @@", declared: 1)))
    }

    @Test func garbageInsideAHunk() {
        let patch = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n*garbage*\n+c\n c\n"
        #expect(parseError(patch) == PatchParseError(line: 6, .unexpectedLineInHunk(found: "*garbage*", remainingOld: 1, remainingNew: 2)))
        #expect(parseError(patch)?.description.contains("patch line 6") == true)
    }

    @Test func truncatedAtEndOfFile() {
        let patch = "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n a\n-b\n+c\n"
        #expect(parseError(patch) == PatchParseError(line: 7, .truncatedHunk(header: "@@ -1,4 +1,4 @@", missingOld: 2, missingNew: 2)))
    }

    @Test func truncatedBeforeTheNextFile() {
        let patch = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+c\ndiff --git a/g b/g\n--- a/g\n+++ b/g\n"
        #expect(parseError(patch) == PatchParseError(line: 7, .truncatedHunk(header: "@@ -1,3 +1,3 @@", missingOld: 1, missingNew: 1)))
    }

    @Test func malformedHunkHeader() {
        let patch = "--- a/f\n+++ b/f\n@@ -1,x +1 @@\n-a\n"
        #expect(parseError(patch) == PatchParseError(line: 3, .malformedHunkHeader("@@ -1,x +1 @@")))
    }

    @Test func hunkBeforeAnyFile() {
        #expect(parseError("Description: x\n\n@@ -1 +1 @@\n-a\n+b\n") == PatchParseError(line: 3, .hunkWithoutFile))
    }

    @Test func misplacedNoNewlineMarker() {
        let patch = "--- a/f\n+++ b/f\n@@ -1 +1 @@\n\\ No newline at end of file\n-a\n+b\n"
        #expect(parseError(patch) == PatchParseError(line: 4, .misplacedNoNewlineMarker))
    }

    @Test func contextDiffWithWrongRange() {
        let patch = "*** f.orig\n--- f\n***************\n*** 1,3 ****\n  a\n! b\n--- 1,2 ----\n  a\n! c\n"
        #expect(parseError(patch) == PatchParseError(line: 4, .inconsistentContextHunk("range 1,3 holds 3 lines but the hunk has 2")))
    }

    @Test func contextDiffWithGarbage() {
        let patch = "*** f.orig\n--- f\n***************\n*** 1,2 ****\n  a\n?? b\n--- 1,2 ----\n"
        #expect(parseError(patch) == PatchParseError(line: 6, .unexpectedLineInHunk(found: "?? b", remainingOld: 1, remainingNew: 0)))
    }

    @Test func signatureAfterLastHunkIsNotACountError() throws {
        let patch = "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n-- \n2.39.5\n\n"
        #expect(try PatchDocument(parsing: patch).files.count == 1)
    }
}
