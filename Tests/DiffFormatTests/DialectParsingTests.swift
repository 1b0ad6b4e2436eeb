import DiffFormat
import Testing
import TestSupport

@Suite(.ownThread) struct DialectParsingTests {
    /// The three files of the fixture, the same in every dialect.
    private func checkFixtureFiles(_ document: PatchDocument, creationOld: String?, strip: Int) throws {
        #expect(document.files.count == 3)
        let new = document.files[0]
        #expect(new.isCreation)
        #expect(!new.isDeletion)
        #expect(new.oldPath == creationOld)
        #expect(try new.choosePaths(strip: strip, exists: { _ in false }).path == "src/new.txt")
        #expect(new.hunks == [Hunk(oldStart: 0, oldCount: 0, newStart: 1, newCount: 2, lines: [HunkLine(.addition, "alpha"), HunkLine(.addition, "beta")])])

        let numbers = document.files[1]
        #expect(!numbers.isCreation && !numbers.isDeletion)
        #expect(try numbers.choosePaths(strip: strip, exists: { _ in false }).path == "src/numbers.txt")
        #expect(numbers.hunks.count == 1)
        let hunk = numbers.hunks[0]
        #expect([hunk.oldStart, hunk.oldCount, hunk.newStart, hunk.newCount] == [1, 7, 1, 8])
        #expect(hunk.lines.map(\.kind) == [.context, .context, .context, .deletion, .addition, .addition, .context, .context, .context])
        #expect(hunk.lines[4] == HunkLine(.addition, "line FOUR"))

        let old = document.files[2]
        #expect(old.isDeletion)
        #expect(try old.choosePaths(strip: strip, exists: { _ in false }).path == "src/old.txt")
        #expect(old.hunks[0].lines == [HunkLine(.deletion, "gone"), HunkLine(.deletion, "last", noNewlineAtEnd: true)])
        #expect([old.hunks[0].oldStart, old.hunks[0].oldCount, old.hunks[0].newStart, old.hunks[0].newCount] == [1, 2, 0, 0])
    }

    @Test func eachFileRemembersTheLineOfItsOldName() throws {
        let text = "Feature: x\n---\nprose\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n"
            + "Only in b: c\n--- b.orig\n+++ b\n@@ -1 +1 @@\n-x\n+y\n"
            + "*** c\n--- c\n***************\n*** 1 ****\n! p\n--- 1 ----\n! q\n"
        let document = try PatchDocument(parsing: text)
        #expect(document.files.map(\.nameLines.old) == [5, 11, 16])
        var moved = document.files[0]
        moved.nameLines.old = 99
        #expect(moved == document.files[0], "where a diff stands is not part of the change")
    }

    @Test func gitDiff() throws {
        let document = try PatchDocument(parsing: Fixtures.git)
        try checkFixtureFiles(document, creationOld: nil, strip: 1)
        #expect(document.files[0].modes == FileModes(newMode: "100644"))
        #expect(document.files[2].modes == FileModes(oldMode: "100644"))
        #expect(document.files[1].oldPath == "a/src/numbers.txt")
        #expect(document.files[1].newPath == "b/src/numbers.txt")
        #expect(document.preamble.isEmpty && document.header.isEmpty)
    }

    @Test func naurWithTimestampsEpochAndNoise() throws {
        let document = try PatchDocument(parsing: Fixtures.naur)
        try checkFixtureFiles(document, creationOld: nil, strip: 1)
        #expect(document.files[1].oldPath == "netqmail-1.06.orig/src/numbers.txt")
        #expect(document.files[1].newPath == "netqmail-1.06/src/numbers.txt")
    }

    @Test func plainUnifiedAtP0() throws {
        let document = try PatchDocument(parsing: Fixtures.p0)
        try checkFixtureFiles(document, creationOld: nil, strip: 0)
        #expect(document.files[1].oldPath == "src/numbers.txt.orig")
    }

    @Test func contextDiff() throws {
        let document = try PatchDocument(parsing: Fixtures.context)
        try checkFixtureFiles(document, creationOld: nil, strip: 1)
    }

    @Test func crlfPatchParsesLikeItsLFOriginal() throws {
        for dialect in [Fixtures.git, Fixtures.naur, Fixtures.context] {
            let lf = try PatchDocument(parsing: dialect)
            let crlf = try PatchDocument(parsing: Fixtures.crlf(dialect))
            #expect(crlf == lf)
        }
    }

    @Test func crInsideAnLFPatchIsContent() throws {
        let patch = "--- a/dos.txt\n+++ b/dos.txt\n@@ -1 +1 @@\n-old\r\n+new\r\n"
        let file = try PatchDocument(parsing: patch).files[0]
        #expect(file.hunks[0].lines == [HunkLine(.deletion, "old\r"), HunkLine(.addition, "new\r")])
    }

    @Test func epochTimestampOnNonEmptySideIsNotACreation() throws {
        // An old side stamped 1970 that still has lines is an old file, not /dev/null.
        let patch = "--- a/f\t1970-01-01 00:00:00 +0000\n+++ b/f\t2015-01-01 00:00:00 +0000\n@@ -1 +1 @@\n-x\n+y\n"
        let file = try PatchDocument(parsing: patch).files[0]
        #expect(file.oldPath == "a/f")
        #expect(!file.isCreation)
    }

    @Test func sectionAndOmittedCounts() throws {
        let patch = """
            --- a/qmail-smtpd.c
            +++ b/qmail-smtpd.c
            @@ -10 +10,2 @@ void smtp_helo(char *arg)
            -  smtp_greet("250 ");
            +  smtp_greet("250-");
            +  out("\\r\\n250 8BITMIME");

            """
        let hunk = try PatchDocument(parsing: patch).files[0].hunks[0]
        #expect([hunk.oldStart, hunk.oldCount, hunk.newStart, hunk.newCount] == [10, 1, 10, 2])
        #expect(hunk.sectionText == "void smtp_helo(char *arg)")
        #expect(hunk.headerText == "@@ -10,1 +10,2 @@ void smtp_helo(char *arg)")
    }

    @Test func noNewlineMarkersOnBothSides() throws {
        let patch = """
            --- a/f
            +++ b/f
            @@ -1,2 +1,2 @@
             keep
            -end
            \\ No newline at end of file
            +end

            """
        let lines = try PatchDocument(parsing: patch).files[0].hunks[0].lines
        #expect(lines == [HunkLine(.context, "keep"), HunkLine(.deletion, "end", noNewlineAtEnd: true), HunkLine(.addition, "end")])
    }

    @Test func emptyLineInHunkIsEmptyContext() throws {
        // Mailers strip the single space of empty context lines.
        let patch = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n"
        let lines = try PatchDocument(parsing: patch).files[0].hunks[0].lines
        #expect(lines == [HunkLine(.context, "a"), HunkLine(.context, ""), HunkLine(.deletion, "b"), HunkLine(.addition, "c")])
    }

    @Test func gitModeChangeWithoutHunks() throws {
        let patch = """
            diff --git a/install.sh b/install.sh
            old mode 100644
            new mode 100755
            diff --git a/empty b/empty
            new file mode 100644
            index 0000000..e69de29

            """
        let files = try PatchDocument(parsing: patch).files
        #expect(files.count == 2)
        #expect(files[0] == FilePatch(oldPath: "a/install.sh", newPath: "b/install.sh", isGit: true, modes: FileModes(oldMode: "100644", newMode: "100755"), hunks: []))
        #expect(files[1] == FilePatch(oldPath: nil, newPath: "b/empty", isGit: true, modes: FileModes(newMode: "100644"), hunks: []))
    }

    @Test func gitQuotedPaths() throws {
        let patch = """
            diff --git "a/dir/tab\\there" "b/dir/tab\\there"
            --- "a/dir/tab\\there"
            +++ "b/dir/tab\\there"
            @@ -1 +1 @@
            -x
            +y

            """
        let file = try PatchDocument(parsing: patch).files[0]
        #expect(file.oldPath == "a/dir/tab\there")
        #expect(try file.choosePaths(strip: 1, exists: { _ in false }).path == "dir/tab\there")
    }

    @Test func contextDiffWithSectionOmittedHalvesAndNoNewline() throws {
        // Pure insertion (old half omitted) and pure deletion (new half omitted).
        let patch = """
            *** f.orig\t2015-01-01 00:00:00
            --- f\t2015-01-01 00:00:00
            *************** main(void)
            *** 2,3 ****
            --- 2,4 ----
              two
            + two and a half
              three
            ***************
            *** 8,10 ****
              eight
            - nine
              ten
            --- 9,10 ----
            ***************
            *** 12 ****
            ! last
            \\ No newline at end of file
            --- 11 ----
            ! last
            """
        let hunks = try PatchDocument(parsing: patch).files[0].hunks
        #expect(hunks.count == 3)
        #expect(hunks[0] == Hunk(oldStart: 2, oldCount: 2, newStart: 2, newCount: 3, section: Array("main(void)".utf8), lines: [
            HunkLine(.context, "two"), HunkLine(.addition, "two and a half"), HunkLine(.context, "three"),
        ]))
        #expect(hunks[1] == Hunk(oldStart: 8, oldCount: 3, newStart: 9, newCount: 2, lines: [
            HunkLine(.context, "eight"), HunkLine(.deletion, "nine"), HunkLine(.context, "ten"),
        ]))
        #expect(hunks[2] == Hunk(oldStart: 12, oldCount: 1, newStart: 11, newCount: 1, lines: [
            HunkLine(.deletion, "last", noNewlineAtEnd: true), HunkLine(.addition, "last"),
        ]))
    }

    @Test func renamesAndCopiesKeepBothNames() throws {
        let patch = """
            diff --git a/old name.c b/new name.c
            similarity index 95%
            rename from old name.c
            rename to new name.c
            --- a/old name.c
            +++ b/new name.c
            @@ -1 +1 @@
            -a
            +b
            diff --git a/x.c b/sub/y.c
            similarity index 100%
            copy from x.c
            copy to sub/y.c

            """
        let files = try PatchDocument(parsing: patch).files
        #expect(files.count == 2)
        #expect(files[0].gitOperation == .rename)
        #expect(try files[0].choosePaths(strip: 1, exists: { _ in false }) == ChosenPaths(source: "old name.c", destination: "new name.c"))
        #expect(files[1] == FilePatch(oldPath: "a/x.c", newPath: "b/sub/y.c", isGit: true, gitOperation: .copy, hunks: []))
        #expect(files[1].nameLines.old == 10)
        #expect(throws: PatchParseError(line: 1, .incompleteRename)) {
            try PatchDocument(parsing: "diff --git a/a b/b\nrename from a\n")
        }
    }

    @Test func binaryPatchesAreRefused() {
        let git = "diff --git a/logo.png b/logo.png\nindex 1..2 100644\nGIT binary patch\nliteral 5\nabc\n"
        #expect(throws: PatchParseError(line: 3, .binaryNotSupported("GIT binary patch"))) {
            try PatchDocument(parsing: git)
        }
        let plain = "diff --git a/logo.png b/logo.png\nindex 1..2 100644\nBinary files a/logo.png and b/logo.png differ\n"
        #expect(throws: PatchParseError(line: 3, .binaryNotSupported("Binary files a/logo.png and b/logo.png differ"))) {
            try PatchDocument(parsing: plain)
        }
        let naur = "Binary files netqmail-1.06.orig/x and netqmail-1.06/x differ\n"
        #expect(throws: PatchParseError(line: 1, .binaryNotSupported("Binary files netqmail-1.06.orig/x and netqmail-1.06/x differ"))) {
            try PatchDocument(parsing: naur)
        }
    }
}
