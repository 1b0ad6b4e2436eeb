import Foundation
import GitStore
import PatchEngine
import Testing
import TestSupport

@Suite(.ownThread) struct SeriesApplierTests {
    static let cFile = """
        #include "x.h"

        void smtp_helo(arg) char *arg;
        {
          smtp_greet("250 "); out("\\r\\n");
        }

        void smtp_ehlo(arg) char *arg;
        {
          smtp_greet("250-"); out("\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n");
        }

        void smtp_rset()
        {
          out("250 flushed\\r\\n");
        }

        """

    @Test func appliesInRecipeOrderWithOneReportPerPatch() throws {
        let project = try TestProject(pristine: ["smtpd.c": Self.cFile, "README": "hello\n"])
        defer { project.remove() }
        try project.patch("one", diff: gitDiff("README", """
            @@ -1 +1,2 @@
             hello
            +one
            """))
        try project.patch("two", requires: "one", base: "base-1.0 + one", diff: gitDiff("README", """
            @@ -1,2 +1,3 @@
             hello
             one
            +two
            """))
        let applier = try project.applier(["one", "two"])
        let plan = try applier.catalog.planner.plan(selecting: ["two"])
        #expect(plan.features == ["one", "two"])
        #expect(plan.addedByRequirement.map(\.feature) == ["one"])
        #expect(plan.addedByRequirement.map(\.requiredBy) == ["two"])
        let result = try applier.run(plan)
        #expect(text(result.final, "README") == "hello\none\ntwo\n")
        #expect(result.steps.map(\.report.feature) == ["one", "two"])
        #expect(result.steps.allSatisfy { $0.report.mergedFiles.isEmpty })
        #expect(text(result.steps[0].tree, "README") == "hello\none\n")
    }

    @Test func reportsEveryOffsetAndRefusesFuzzUnlessAsked() throws {
        let shifted = "new first line\n" + numberedLines(20)
        let project = try TestProject(pristine: ["f.txt": shifted, "g.txt": numberedLines(20)])
        defer { project.remove() }
        /// Adds `inserted` after line10, the context starting at line 9.
        func insertion(into file: String, firstContextLine: String) -> String {
            gitDiff(file, "@@ -9,4 +9,5 @@\n \(firstContextLine)\n line10\n+inserted\n line11\n line12")
        }
        try project.patch("moved", diff: insertion(into: "f.txt", firstContextLine: "line9"))
        let result = try project.applier(["moved"]).run(try project.applier(["moved"]).catalog.planner.plan(selecting: ["moved"]))
        #expect(result.steps[0].report.displacedHunks == [.init(file: "f.txt", hunk: 1, offset: 1, fuzz: 0)])
        #expect(text(result.final, "f.txt")?.contains("line10\ninserted\nline11") == true)

        try project.patch("fuzzy", diff: insertion(into: "g.txt", firstContextLine: "CHANGED9"))
        let strict = try project.applier(["fuzzy"])
        #expect(throws: PatchEngineError.self) { try strict.run(try strict.catalog.planner.plan(selecting: ["fuzzy"])) }
        let lenient = try project.applier(["fuzzy"], fuzz: 1)
        let fuzzed = try lenient.run(try lenient.catalog.planner.plan(selecting: ["fuzzy"]))
        #expect(fuzzed.steps[0].report.displacedHunks.first?.fuzz == 1)
    }

    @Test func collisionIsExplainedWithBothPatchesAndNothingIsReturned() throws {
        let project = try TestProject(pristine: ["smtpd.c": Self.cFile])
        defer { project.remove() }
        try project.patch("auth", diff: gitDiff("smtpd.c", """
            @@ -9,3 +9,3 @@ void smtp_ehlo(arg) char *arg;
             {
            -  smtp_greet("250-"); out("\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n");
            +  smtp_greet("250-"); out("\\r\\n250-PIPELINING\\r\\n250-8BITMIME\\r\\n"); auth_ehlo();
             }
            """))
        try project.patch("tls", diff: gitDiff("smtpd.c", """
            @@ -9,3 +9,3 @@ void smtp_ehlo(arg) char *arg;
             {
            -  smtp_greet("250-"); out("\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n");
            +  smtp_greet("250-"); tls_ehlo(); out("\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n");
             }
            """))
        let applier = try project.applier(["auth", "tls"])
        do {
            _ = try applier.run(try applier.catalog.planner.plan(selecting: ["auth", "tls"]))
            Issue.record("expected a conflict")
        } catch let PatchEngineError.conflicts(report) {
            #expect(report.patch == "tls")
            #expect(report.collidesWith == ["auth"])
            #expect(report.files.map(\.path) == ["smtpd.c"])
            let diff3 = String(decoding: report.files[0].diff3, as: UTF8.self)
            #expect(diff3.contains("<<<<<<< auth"))
            #expect(diff3.contains(">>>>>>> tls"))
            #expect(diff3.contains("||||||| base-1.0"))
            let message = report.description
            #expect(message.contains("1 place the three-way merge cannot reconcile (line numbers of base-1.0, which tls was written against):\n"
                                     + "  1. auth vs tls: smtpd.c in smtp_ehlo; auth line 10, tls line 10\n"))
            #expect(message.contains("auth_ehlo()"))
            #expect(message.contains("tls_ehlo()"))
        }
        // Each alone applies: the collision is between them, not a broken hunk.
        for feature in ["auth", "tls"] {
            #expect(throws: Never.self) { _ = try applier.run(try applier.catalog.planner.plan(selecting: [feature])) }
        }
    }

    @Test func resolutionVariantIsChosenWhenItsFeaturesComeFirst() throws {
        let project = try TestProject(pristine: ["smtpd.c": Self.cFile])
        defer { project.remove() }
        try project.patch("auth", diff: gitDiff("smtpd.c", """
            @@ -10 +10 @@ void smtp_ehlo(arg) char *arg;
            -  smtp_greet("250-"); out("\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n");
            +  smtp_greet("250-"); out("\\r\\n250-PIPELINING\\r\\n250-8BITMIME\\r\\n"); auth_ehlo();
            """))
        try project.patch("tls", diff: gitDiff("smtpd.c", """
            @@ -10 +10 @@ void smtp_ehlo(arg) char *arg;
            -  smtp_greet("250-"); out("\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n");
            +  smtp_greet("250-"); tls_ehlo(); out("\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n");
            """))
        try project.patch("resolutions/tls-on-auth", feature: "tls", base: "base-1.0 + auth", resolves: "auth", diff: gitDiff("smtpd.c", """
            @@ -10 +10 @@ void smtp_ehlo(arg) char *arg;
            -  smtp_greet("250-"); out("\\r\\n250-PIPELINING\\r\\n250-8BITMIME\\r\\n"); auth_ehlo();
            +  smtp_greet("250-"); tls_ehlo(); out("\\r\\n250-PIPELINING\\r\\n250-8BITMIME\\r\\n"); auth_ehlo();
            """))
        let applier = try project.applier(["auth", "tls"])
        let both = try applier.catalog.planner.plan(selecting: ["tls", "auth"])
        #expect(both.steps.map(\.patchName) == ["auth", "resolutions/tls-on-auth"])
        let result = try applier.run(both)
        #expect(result.steps[1].report.resolves == ["auth"])
        #expect(text(result.final, "smtpd.c")?.contains("tls_ehlo(); out(\"\\r\\n250-PIPELINING\\r\\n250-8BITMIME\\r\\n\"); auth_ehlo();") == true)
        let alone = try applier.catalog.planner.plan(selecting: ["tls"])
        #expect(alone.steps.map(\.patchName) == ["tls"])
    }

    @Test func identicalEditsByTwoPatchesMergeCleanly() throws {
        let project = try TestProject(pristine: ["a.txt": numberedLines(10)])
        defer { project.remove() }
        let body = gitDiff("a.txt", """
            @@ -4,3 +4,3 @@
             line4
            -line5
            +LINE5
             line6
            """)
        try project.patch("first", diff: body)
        try project.patch("second", diff: body)
        let applier = try project.applier(["first", "second"])
        let result = try applier.run(try applier.catalog.planner.plan(selecting: ["first", "second"]))
        #expect(text(result.final, "a.txt") == numberedLines(10).replacingOccurrences(of: "line5\n", with: "LINE5\n"))
    }

    @Test func disjointEditsToOneFileAreFoldedByThreeWayMerge() throws {
        let project = try TestProject(pristine: ["a.txt": numberedLines(40)])
        defer { project.remove() }
        try project.patch("top", diff: gitDiff("a.txt", "@@ -2,4 +2,5 @@\n line2\n line3\n+top\n line4\n line5"))
        try project.patch("bottom", diff: gitDiff("a.txt", "@@ -30,4 +30,5 @@\n line30\n line31\n+bottom\n line32\n line33"))
        let applier = try project.applier(["top", "bottom"])
        let result = try applier.run(try applier.catalog.planner.plan(selecting: ["top", "bottom"]))
        #expect(result.steps[1].report.mergedFiles == ["a.txt"])
        let merged = try #require(text(result.final, "a.txt"))
        #expect(merged.contains("line3\ntop\nline4"))
        #expect(merged.contains("line31\nbottom\nline32"))
    }

    @Test func createsAndDeletesFilesWithModes() throws {
        let project = try TestProject(pristine: ["old.c": "int old;\n", "keep.c": "int keep;\n"])
        defer { project.remove() }
        try project.patch("files", diff: """
            diff --git a/new.sh b/new.sh
            new file mode 100755
            --- /dev/null
            +++ b/new.sh
            @@ -0,0 +1,2 @@
            +#!/bin/sh
            +echo new
            diff --git a/old.c b/old.c
            deleted file mode 100644
            --- a/old.c
            +++ /dev/null
            @@ -1 +0,0 @@
            -int old;
            """ + "\n")
        let applier = try project.applier(["files"])
        let result = try applier.run(try applier.catalog.planner.plan(selecting: ["files"]))
        #expect(result.final["old.c"] == nil)
        #expect(result.final["new.sh"]?.mode == .executable)
        #expect(text(result.final, "new.sh") == "#!/bin/sh\necho new\n")
        #expect(result.steps[0].report.files == ["new.sh", "old.c"])
    }

    @Test func refusesMissingRequirementsDeclaredConflictsAndUnknownFeatures() throws {
        let project = try TestProject(pristine: ["a": "a\n"])
        defer { project.remove() }
        let noop = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n"
        try project.patch("needy", requires: "absent", diff: noop)
        try project.patch("left", conflicts: "right", diff: noop)
        try project.patch("right", diff: noop)
        let applier = try project.applier(["needy", "left", "right"])
        let planner = applier.catalog.planner
        #expect(throws: PatchEngineError.self) { try planner.plan(selecting: ["needy"]) }
        #expect(throws: PatchEngineError.self) { try planner.plan(selecting: ["left", "right"]) }
        #expect(throws: PatchEngineError.self) { try planner.plan(selecting: ["nonsense"]) }
        do {
            _ = try planner.plan(selecting: ["left", "right"])
        } catch {
            #expect("\(error)" == "'left' declares a conflict with 'right': choose one of them")
        }
        do {
            _ = try planner.plan(selecting: ["needy"])
        } catch {
            #expect("\(error)".contains("'needy' needs 'absent'"))
        }
    }

    @Test func aMainPatchWithoutMetadataIsItsEntryOnTheRecipeBaseAResolutionIsRefused() throws {
        let project = try TestProject(pristine: ["a": "a\n"])
        defer { project.remove() }
        try project.write("patches/bare.patch", "Description: no metadata\n---\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n")
        let metadata = try #require(try project.applier(["bare"]).catalog.patches["bare"]?.metadata)
        #expect(metadata.feature == "bare")
        #expect(metadata.baseSource == "base-1.0" && metadata.baseFeatures.isEmpty)

        try project.write("patches/resolutions/bare-on-x.patch", "Resolves: x\n---\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n")
        let error = #expect(throws: PatchEngineError.self) { try project.applier(["bare"]) }
        #expect("\(String(describing: error))".contains("patches/resolutions/bare-on-x.patch: header field Feature: missing"))
    }
}
