import DiffFormat
import Testing
import TestSupport

@Suite(.ownThread) struct ApplyTests {
    /// "line 1\n" … "line n\n".
    static func numbered(_ range: ClosedRange<Int>) -> String {
        range.map { "line \($0)\n" }.joined()
    }

    private func filePatch(_ patch: String) throws -> FilePatch {
        try PatchDocument(parsing: patch).files[0]
    }

    @Test func fixtureAppliesInEveryDialect() throws {
        for dialect in [Fixtures.git, Fixtures.naur, Fixtures.p0, Fixtures.context] {
            let files = try PatchDocument(parsing: Fixtures.crlf(dialect)).files
            let created = try apply(files[0], to: nil)
            #expect(text(created.contents) == "alpha\nbeta\n")
            let modified = try apply(files[1], to: bytes(Fixtures.numbersOld))
            #expect(text(modified.contents) == Fixtures.numbersNew)
            #expect(modified.hunks == [HunkResult(index: 0, offset: 0, fuzz: 0)])
            let deleted = try apply(files[2], to: bytes("gone\nlast"))
            #expect(deleted.contents == nil)
        }
    }

    static let twoHunks = """
        --- a/f
        +++ b/f
        @@ -3,5 +3,5 @@
         line 3
         line 4
        -line 5
        +line five
         line 6
         line 7
        @@ -13,6 +13,7 @@
         line 13
         line 14
         line 15
        +line 15.5
         line 16
         line 17
         line 18

        """

    @Test func offsetsAreReportedAndCarriedToLaterHunks() throws {
        let patch = try filePatch(Self.twoHunks)
        // Three lines inserted at the top: both hunks move by +3.
        let shifted = "new a\nnew b\nnew c\n" + Self.numbered(1...20)
        let result = try apply(patch, to: bytes(shifted))
        #expect(result.hunks == [HunkResult(index: 0, offset: 3, fuzz: 0), HunkResult(index: 1, offset: 3, fuzz: 0)])
        let expected = "new a\nnew b\nnew c\n" + Self.numbered(1...20)
            .replacingOccurrences(of: "line 5\n", with: "line five\n")
            .replacingOccurrences(of: "line 15\n", with: "line 15\nline 15.5\n")
        #expect(text(result.contents) == expected)

        // Two lines removed between the hunks: the second has offset -2.
        let squeezed = Self.numbered(1...20).replacingOccurrences(of: "line 9\nline 10\n", with: "")
        let second = try apply(patch, to: bytes(squeezed))
        #expect(second.hunks.map(\.offset) == [0, -2])
    }

    @Test func smallestOffsetWinsAndForwardBeforeBackward() throws {
        let patch = try filePatch("--- a/f\n+++ b/f\n@@ -5,3 +5,3 @@\n x\n-y\n+Y\n z\n")
        // "x y z" at lines 2-4 (offset -3) and 10-12 (offset +5): -3 is nearer.
        let file = "a\nx\ny\nz\nb\nc\nd\ne\nf\nx\ny\nz\ng\n"
        #expect(try apply(patch, to: bytes(file)).hunks[0].offset == -3)
        // Equal distance (+2 and -2): forward first, like GNU patch.
        let tie = "a\nb\nx\ny\nz\nc\nx\ny\nz\n"
        let result = try apply(patch, to: bytes(tie))
        #expect(result.hunks[0].offset == 2)
        #expect(text(result.contents) == "a\nb\nx\ny\nz\nc\nx\nY\nz\n")
    }

    static let fuzzyPatch = """
        --- a/f
        +++ b/f
        @@ -8,7 +8,7 @@
         line 8
         line 9
         line 10
        -line 11
        +line eleven
         line 12
         line 13
         line 14

        """

    @Test func fuzzIsRefusedByDefaultAndUsedWhenAsked() throws {
        let patch = try filePatch(Self.fuzzyPatch)
        let edgeChanged = Self.numbered(1...20).replacingOccurrences(of: "line 8\n", with: "line eight (local)\n")
        #expect(throws: PatchApplyError.self) { try apply(patch, to: bytes(edgeChanged)) }
        let fuzzed = try apply(patch, to: bytes(edgeChanged), fuzz: 1)
        #expect(fuzzed.hunks == [HunkResult(index: 0, offset: 0, fuzz: 1)])
        #expect(text(fuzzed.contents) == edgeChanged.replacingOccurrences(of: "line 11\n", with: "line eleven\n"))

        // Two lines changed at one end need fuzz 2.
        let twoChanged = edgeChanged.replacingOccurrences(of: "line 9\n", with: "line nine (local)\n")
        #expect(throws: PatchApplyError.self) { try apply(patch, to: bytes(twoChanged), fuzz: 1) }
        let fuzz2 = try apply(patch, to: bytes(twoChanged), fuzz: 2)
        #expect(fuzz2.hunks == [HunkResult(index: 0, offset: 0, fuzz: 2)])
        #expect(text(fuzz2.contents) == twoChanged.replacingOccurrences(of: "line 11\n", with: "line eleven\n"))

        // Fuzz never touches deletions: a changed deleted line fails at any fuzz.
        let coreChanged = Self.numbered(1...20).replacingOccurrences(of: "line 11\n", with: "line 11 (local)\n")
        #expect(throws: PatchApplyError.self) { try apply(patch, to: bytes(coreChanged), fuzz: 3) }
    }

    @Test func failureSaysWhatWasExpectedAndFound() throws {
        let patch = try filePatch(Self.fuzzyPatch)
        let file = Self.numbered(1...20).replacingOccurrences(of: "line 11\n", with: "line 11 (local)\n")
        do {
            _ = try apply(patch, to: bytes(file))
            Issue.record("applied a hunk whose deleted line is not in the file")
        } catch {
            guard case .hunkFailed(let index, let header, let line, let expected, let found) = error.problem else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(index == 0)
            #expect(header == "@@ -8,7 +8,7 @@")
            #expect(line == 8)
            #expect(expected.map { text($0)! } == (8...14).map { "line \($0)" })
            #expect(found.map { text($0)! } == ["line 8", "line 9", "line 10", "line 11 (local)", "line 12", "line 13", "line 14"])
            #expect(error.description.contains("hunk #1"))
        }
    }

    @Test func creationAndDeletionErrors() throws {
        let files = try PatchDocument(parsing: Fixtures.git).files
        #expect(throws: PatchApplyError(.fileAlreadyExists)) { try apply(files[0], to: bytes("alpha\nbeta\n")) }
        #expect(throws: PatchApplyError(.missingTarget)) { try apply(files[1], to: nil) }
        #expect(throws: PatchApplyError(.missingTarget)) { try apply(files[2], to: nil) }
        #expect(throws: PatchApplyError(.deletionContentMismatch(remainingLines: 1))) {
            try apply(files[2], to: bytes("gone\nlast\nlocal addition\n"))
        }
        #expect(throws: PatchApplyError.self) { try apply(files[2], to: bytes("gone\nchanged")) }
    }

    @Test func noNewlineAtEndBothWays() throws {
        let remove = try filePatch("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n keep\n-end\n\\ No newline at end of file\n+end\n")
        #expect(text(try apply(remove, to: bytes("keep\nend")).contents) == "keep\nend\n")
        let add = try filePatch("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n keep\n-end\n+end\n\\ No newline at end of file\n")
        #expect(text(try apply(add, to: bytes("keep\nend\n")).contents) == "keep\nend")
        // A file already missing its final newline keeps it missing when the hunk is elsewhere.
        let elsewhere = try filePatch("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n")
        #expect(text(try apply(elsewhere, to: bytes("a\nb\nc\nd")).contents) == "A\nb\nc\nd")
        // Appending after a final line without newline terminates that line.
        let append = try filePatch("--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n b\n\\ No newline at end of file\n+c\n")
        #expect(text(try apply(append, to: bytes("a\nb")).contents) == "a\nb\nc\n")
    }

    @Test func crlfFileKeepsItsLineEndings() throws {
        let patch = try filePatch(Self.twoHunks)
        let lf = Self.numbered(1...20)
        let crlf = lf.replacingOccurrences(of: "\n", with: "\r\n")
        let result = try apply(patch, to: bytes(crlf))
        let expectedLF = try apply(patch, to: bytes(lf)).contents!
        #expect(text(result.contents) == text(expectedLF)!.replacingOccurrences(of: "\n", with: "\r\n"))
        // The same patch transported as CRLF applies to the LF file unchanged.
        let transported = try PatchDocument(parsing: Fixtures.crlf(Self.twoHunks)).files[0]
        #expect(try apply(transported, to: bytes(lf)).contents == expectedLF)
    }

    @Test func shortTrailingContextAwayFromTheEndNeedsFuzz() throws {
        // Like GNU patch: a hunk with less trailing context is anchored to EOF.
        let patch = try filePatch("--- a/f\n+++ b/f\n@@ -13,5 +13,6 @@\n line 13\n line 14\n line 15\n+line 15.5\n line 16\n line 17\n")
        #expect(throws: PatchApplyError.self) { try apply(patch, to: bytes(Self.numbered(1...20))) }
        #expect(try apply(patch, to: bytes(Self.numbered(1...20)), fuzz: 1).hunks == [HunkResult(index: 0, offset: 0, fuzz: 1)])
    }

    @Test func hunkAnchoredAtEndOfFile() throws {
        // Less trailing than leading context: diff made it at EOF, so it must stay there.
        let patch = try filePatch("--- a/f\n+++ b/f\n@@ -3,3 +3,4 @@\n c\n d\n e\n+f\n")
        #expect(text(try apply(patch, to: bytes("a\nb\nc\nd\ne\n")).contents) == "a\nb\nc\nd\ne\nf\n")
        #expect(try apply(patch, to: bytes("z\na\nb\nc\nd\ne\n")).hunks[0].offset == 1)
        #expect(throws: PatchApplyError.self) { try apply(patch, to: bytes("a\nb\nc\nd\ne\nlocal\n")) }
    }

    /// Speed is the apply benchmark's job (qmailkit-benchmarks); this checks the result.
    @Test func manyHunksOnALargeFileApplyAtTheirOffset() throws {
        // 2 000-line file, a patch of several thousand lines (500 hunks), shifted by 7 lines.
        let original = (1...2000).map { "int value_\($0) = \($0 * 7919 % 10007);\n" }.joined()
        var patch = "--- a/big.c\n+++ b/big.c\n"
        var newStart = 1
        for hunk in 0..<500 {
            let start = hunk * 4 + 1
            let old = (start..<(start + 3)).map { "int value_\($0) = \($0 * 7919 % 10007);" }
            patch += "@@ -\(start),3 +\(newStart),4 @@\n \(old[0])\n-\(old[1])\n+\(old[1]) /* changed */\n+/* added \(hunk) */\n \(old[2])\n"
            newStart += 4 + 1
        }
        let document = try PatchDocument(parsing: patch)
        #expect(document.files[0].hunks.count == 500)
        let shifted = bytes((1...7).map { "/* header \($0) */\n" }.joined() + original)
        let result = try apply(document.files[0], to: shifted)
        #expect(result.hunks.allSatisfy { $0.offset == 7 && $0.fuzz == 0 })
    }
}

import Foundation
