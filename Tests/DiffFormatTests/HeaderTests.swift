import DiffFormat
import Testing
import TestSupport

@Suite(.ownThread) struct HeaderTests {
    @Test func dep3HeaderEndsAtSeparatorAndKeepsPreamble() throws {
        let patch = """
            Description: SMTP AUTH for qmail-smtpd
             Adds LOGIN, PLAIN and CRAM-MD5.
             .
             Uses the checkpassword interface.
            Author: Jane Doe <jane@example.org>
            Feature: auth
            Requires: 
            Conflicts: other-auth
            feature: duplicate spelled in lower case
            ---
             qmail-smtpd.c | 2 +-
             1 file changed
            diff --git a/qmail-smtpd.c b/qmail-smtpd.c
            --- a/qmail-smtpd.c
            +++ b/qmail-smtpd.c
            @@ -1 +1 @@
            -a
            +b

            """
        let document = try PatchDocument(parsing: patch)
        #expect(document.header.fields.map(\.name) == ["Description", "Author", "Feature", "Requires", "Conflicts", "feature"])
        #expect(document.header["description"] == "SMTP AUTH for qmail-smtpd\nAdds LOGIN, PLAIN and CRAM-MD5.\n\nUses the checkpassword interface.")
        #expect(document.header["FEATURE"] == "auth")
        #expect(document.header.values(of: "Feature") == ["auth", "duplicate spelled in lower case"])
        #expect(document.header["Requires"] == "")
        #expect(document.header["Resolves"] == nil)
        #expect(document.preamble == " qmail-smtpd.c | 2 +-\n 1 file changed\n")
        #expect(document.files.count == 1)
    }

    @Test func headerEndsAtFirstDiffWithoutSeparator() throws {
        let patch = "Feature: tls\nBase: netqmail-1.06\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
        let document = try PatchDocument(parsing: patch)
        #expect(document.header.fields == [.init(name: "Feature", value: "tls", line: 1), .init(name: "Base", value: "netqmail-1.06", line: 2)])
        #expect(document.preamble == "")
        #expect(document.files.count == 1)
    }

    @Test func mailBodyIsPreambleNotHeader() throws {
        let patch = """
            Hi list,

            here is the maxrcpt patch. Apply with patch -p1.

            Index: netqmail-1.06/qmail-smtpd.c
            ===================================================================
            --- netqmail-1.06.orig/qmail-smtpd.c
            +++ netqmail-1.06/qmail-smtpd.c
            @@ -1 +1 @@
            -a
            +b

            """
        let document = try PatchDocument(parsing: patch)
        #expect(document.header.isEmpty)
        #expect(document.preamble == "Hi list,\n\nhere is the maxrcpt patch. Apply with patch -p1.\n\n")
        #expect(document.files.count == 1)
        #expect(try document.files[0].choosePaths(strip: 1, exists: { _ in false }).path == "qmail-smtpd.c")
    }

    @Test func headerThenFreeTextThenDiff() throws {
        let patch = "Subject: fix\nResolves: auth tls\n\nLonger text.\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
        let document = try PatchDocument(parsing: patch)
        #expect(document.header["Resolves"] == "auth tls")
        #expect(document.preamble == "\nLonger text.\n")
    }

    @Test func headerIsNotPartOfTheCanonicalForm() throws {
        let bare = try PatchDocument(parsing: Fixtures.git)
        let described = try PatchDocument(parsing: "Description: x\nFeature: y\n---\n" + Fixtures.git)
        #expect(!described.header.isEmpty)
        #expect(try bare.canonicalSHA256(strip: 1) == described.canonicalSHA256(strip: 1))
    }

    @Test func gitFormatPatchMail() throws {
        let mail = """
            From 2f1c0e5a9d Mon Sep 17 00:00:00 2001
            From: Jane Doe <jane@example.org>
            Date: Sun, 1 Feb 2015 10:00:00 +0100
            Subject: [PATCH] numbers: shout four

            The diff of the change is below.
            ---
             src/numbers.txt | 3 ++-
             1 file changed, 2 insertions(+), 1 deletion(-)

            diff --git a/src/numbers.txt b/src/numbers.txt
            index 73e96e6..dab0c20 100644
            --- a/src/numbers.txt
            +++ b/src/numbers.txt
            @@ -1,7 +1,8 @@ intro
            \(Fixtures.numbersHunk)
            --\u{20}
            2.39.5


            """
        let document = try PatchDocument(parsing: mail)
        #expect(document.header.isEmpty)
        #expect(document.preamble.hasPrefix("From 2f1c0e5a9d Mon Sep 17"))
        #expect(document.preamble.contains("The diff of the change is below.\n---\n src/numbers.txt | 3 ++-\n"))
        #expect(document.files.count == 1)
        #expect(document.files[0].hunks[0].sectionText == "intro")
        let applied = try apply(document.files[0], to: bytes(Fixtures.numbersOld))
        #expect(text(applied.contents) == Fixtures.numbersNew)
    }
}
