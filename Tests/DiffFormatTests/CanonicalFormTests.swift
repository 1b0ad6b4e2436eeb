import DiffFormat
import Testing
import TestSupport

@Suite(.ownThread) struct CanonicalFormTests {
    static let expected = """
        diff --git a/src/new.txt b/src/new.txt
        new file mode 100644
        --- /dev/null
        +++ b/src/new.txt
        \(Fixtures.newFileHunk)
        diff --git a/src/numbers.txt b/src/numbers.txt
        --- a/src/numbers.txt
        +++ b/src/numbers.txt
        @@ -1,7 +1,8 @@
        \(Fixtures.numbersHunk)
        diff --git a/src/old.txt b/src/old.txt
        deleted file mode 100644
        --- a/src/old.txt
        +++ /dev/null
        \(Fixtures.oldFileHunk)

        """

    @Test func gitRendersToTheDocumentedForm() throws {
        let document = try PatchDocument(parsing: Fixtures.git)
        #expect(text(try document.canonicalDiff(strip: 1)) == Self.expected)
    }

    @Test func everyDialectHasTheSameCanonicalHash() throws {
        let variants: [(String, [UInt8], Int)] = [
            ("git", bytes(Fixtures.git), 1),
            ("diff -Naur", bytes(Fixtures.naur), 1),
            ("diff -u -p0", bytes(Fixtures.p0), 0),
            ("diff -c", bytes(Fixtures.context), 1),
            ("git CRLF", Fixtures.crlf(Fixtures.git), 1),
            ("diff -Naur CRLF", Fixtures.crlf(Fixtures.naur), 1),
            ("diff -c CRLF", Fixtures.crlf(Fixtures.context), 1),
        ]
        let reference = try PatchDocument(parsing: Fixtures.git).canonicalSHA256(strip: 1)
        #expect(reference.count == 64)
        for (name, patch, strip) in variants {
            let document = try PatchDocument(parsing: patch)
            #expect(text(try document.canonicalDiff(strip: strip)) == Self.expected, "\(name)")
            #expect(try document.canonicalSHA256(strip: strip) == reference, "\(name)")
        }
    }

    @Test func canonicalFormIsAFixedPoint() throws {
        let once = try PatchDocument(parsing: Fixtures.context).canonicalDiff(strip: 1)
        let twice = try PatchDocument(parsing: once).canonicalDiff(strip: 1)
        #expect(once == twice)
    }

    @Test func differentChangesHaveDifferentHashes() throws {
        let changed = Fixtures.git.replacingOccurrences(of: "+line FOUR", with: "+line Four")
        #expect(try PatchDocument(parsing: changed).canonicalSHA256(strip: 1) != PatchDocument(parsing: Fixtures.git).canonicalSHA256(strip: 1))
    }

    @Test func knownDigestOfASmallPatch() throws {
        // SHA-256 of "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n+b\n",
        // computed independently with sha256sum.
        let document = try PatchDocument(parsing: "--- f.orig\n+++ f\n@@ -1 +1 @@\n-a\n+b\n")
        #expect(text(try document.canonicalDiff(strip: 0)) == "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n+b\n")
        #expect(try document.canonicalSHA256(strip: 0) == Self.sha256sum("diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n+b\n"))
    }

    @Test func modeChangeAndExecutableCreation() throws {
        let patch = """
            diff --git a/run b/run
            old mode 100644
            new mode 100755
            diff --git a/tool b/tool
            new file mode 100755
            --- /dev/null
            +++ b/tool
            @@ -0,0 +1 @@
            +#!/bin/sh

            """
        let rendered = text(try PatchDocument(parsing: patch).canonicalDiff(strip: 1))
        #expect(rendered == "diff --git a/run b/run\nold mode 100644\nnew mode 100755\ndiff --git a/tool b/tool\nnew file mode 100755\n--- /dev/null\n+++ b/tool\n@@ -0,0 +1,1 @@\n+#!/bin/sh\n")
    }

    /// Runs the system's sha256sum so the expected digest is not produced by our code.
    static func sha256sum(_ input: String) -> String? {
        guard let result = try? Command.run("/usr/bin/sha256sum", [], input: Array(input.utf8)), result.status == 0 else {
            return nil
        }
        return result.out.split(separator: " ").first.map(String.init)
    }
}

import Foundation
