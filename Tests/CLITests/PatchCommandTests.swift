import Foundation
import Testing
import TestSupport

/// `patch`, `check`, `combine` and `compare` end to end through the binary, on a
/// tiny base tarball with patches written by the test.
@Suite(.ownThread) struct PatchCommandTests {
    func makeProject(clash: Bool = false) throws -> TinyProject {
        let tiny = try TinyProject(files: ["main.c": "int main() {\n  return 0;\n}\n", "README": "tiny\n"])
        func patch(_ name: String, requires: String = "", base: String = "tiny-1.0", _ diff: String) throws {
            try tiny.write("patches/\(name).patch", """
                Description: \(name)
                Feature: \(name)
                Requires: \(requires)
                Base: \(base)
                ---
                """ + "\n" + diff)
        }
        try patch("alpha", "diff --git a/main.c b/main.c\n--- a/main.c\n+++ b/main.c\n@@ -1,3 +1,3 @@\n int main() {\n-  return 0;\n+  return alpha();\n }\n")
        try patch("beta", requires: "alpha", base: "tiny-1.0 + alpha",
                  "diff --git a/README b/README\n--- a/README\n+++ b/README\n@@ -1 +1,2 @@\n tiny\n+beta\n")
        let third = clash
            ? "diff --git a/main.c b/main.c\n--- a/main.c\n+++ b/main.c\n@@ -1,3 +1,3 @@\n int main() {\n-  return 0;\n+  return gamma();\n }\n"
            : "diff --git a/gamma.c b/gamma.c\nnew file mode 100644\n--- /dev/null\n+++ b/gamma.c\n@@ -0,0 +1 @@\n+int gamma;\n"
        try patch("gamma", third)
        try tiny.write("recipes/combined.yaml", "name: combined\nbase: tiny-1.0\npatches: [alpha, beta, gamma]\n")
        _ = try tiny.qmailkit(["fetch", "tiny-1.0", "--from", tiny.tarball.path, "--cache-only", "-q"])
        return tiny
    }

    @Test func patchAddsRequirementsAndWritesOneCommitPerPatch() throws {
        let tiny = try makeProject()
        defer { tiny.remove() }
        let result = try tiny.qmailkit(["patch", "--with", "beta,gamma", "-o", "out", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("adding alpha: required by beta"))
        #expect(result.stdout.contains("alpha: patches/alpha.patch, 1 files, 1 hunks"))
        let repo = tiny.root.appendingPathComponent("out")
        #expect(try Baseline.git(["log", "--format=%s"], in: repo) ==
                "gamma: applied patches/gamma.patch\nbeta: applied patches/beta.patch\nalpha: applied patches/alpha.patch\ntiny-1.0: pristine upstream tree\n")
        #expect(try String(contentsOf: repo.appendingPathComponent("main.c"), encoding: .utf8).contains("alpha()"))
    }

    @Test func conflictExitsFourExplainsAndWritesNothing() throws {
        let tiny = try makeProject(clash: true)
        defer { tiny.remove() }
        let result = try tiny.qmailkit(["patch", "--with", "alpha,gamma", "-o", "out", "-q"])
        #expect(result.status == 4)
        #expect(result.stderr.contains("conflict: gamma collides with alpha"))
        #expect(result.stderr.contains("  1. alpha vs gamma: main.c in main; alpha line 2, gamma line 2\n"))
        #expect(result.stderr.contains("     alpha makes it:\n       |   return alpha();\n"))
        #expect(result.stderr.contains("Nothing was written"))
        #expect(!tiny.exists("out"))
        let kept = try tiny.qmailkit(["patch", "--with", "alpha,gamma", "-o", "out", "-q", "--keep-failed"])
        #expect(kept.status == 4)
        #expect(kept.stderr.contains("  1. alpha vs gamma: main.c in main; alpha line 2, gamma line 2\n"))
        #expect(kept.stderr.contains("kept the partial result in \(tiny.root.appendingPathComponent("out").path):\n"
                                     + "  committed: pristine tiny-1.0, then each applied fully: alpha (patches/alpha.patch)\n"
                                     + "  gamma is not committed; its conflicted files carry diff3 markers in the work tree: main.c"))
        #expect(!kept.stderr.contains("Nothing was written"))
        let partial = tiny.root.appendingPathComponent("out")
        #expect(try Baseline.git(["log", "--format=%s"], in: partial) == "alpha: applied patches/alpha.patch\ntiny-1.0: pristine upstream tree\n")
        #expect(try String(contentsOf: partial.appendingPathComponent("main.c"), encoding: .utf8).contains(">>>>>>> gamma"))

        let check = try tiny.qmailkit(["check", "--all", "--json", "-q"])
        #expect(check.status == 1)
        let rows = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [[String: Any]]
        let statuses = Dictionary(uniqueKeysWithValues: (rows ?? []).map {
            (($0["selection"] as? [String] ?? []).joined(separator: ","), $0["status"] as? String ?? "")
        })
        #expect(statuses["alpha"] == "ok")
        #expect(statuses["alpha,gamma"] == "CONFLICT")
        #expect(statuses["alpha,beta"] == "ok")
        #expect(statuses["beta"] == nil, "beta alone is not closed under Requires")
    }

    @Test func unknownFeatureIsABadInput() throws {
        let tiny = try makeProject()
        defer { tiny.remove() }
        let result = try tiny.qmailkit(["patch", "--with", "delta", "-o", "out", "-q"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown feature 'delta'; this recipe offers: alpha, beta, gamma"))
    }

    @Test func combineIsStableAndCompareProvesIt() throws {
        let tiny = try makeProject()
        defer { tiny.remove() }
        let first = try tiny.qmailkit(["combine", "combined", "-q"])
        let second = try tiny.qmailkit(["combine", "combined", "-o", "combined.patch", "-q"])
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
        let written = try String(contentsOf: tiny.root.appendingPathComponent("combined.patch"), encoding: .utf8)
        #expect(first.stdout == written)
        let same = try tiny.qmailkit(["compare", "combined", "combined.patch", "-q"])
        #expect(same.status == 0)
        #expect(same.stdout.hasPrefix("identical"))
        try tiny.write("other.patch", written.replacingOccurrences(of: "+int gamma;", with: "+int delta;"))
        let other = try tiny.qmailkit(["compare", "combined", "other.patch", "-q"])
        #expect(other.status == 1)
        #expect(other.stdout.contains("differs:              gamma.c"))
    }
}

@Suite(.ownThread) struct RemotePatchTests {
    @Test func publishedPatchIsFetchedVerifiedAndApplied() throws {
        let tiny = try TinyProject(files: ["main.c": "int main() {\n  return 0;\n}\n"])
        defer { tiny.remove() }
        let published = tiny.root.appendingPathComponent("published/delta.patch")
        let body = "Description: delta\nFeature: delta\nBase: tiny-1.0\n---\n"
            + "diff --git a/main.c b/main.c\n--- a/main.c\n+++ b/main.c\n@@ -1,3 +1,3 @@\n int main() {\n-  return 0;\n+  return 42;\n }\n"
        try tiny.write("published/delta.patch", body)
        let data = Data(body.utf8)
        try tiny.write("recipes/combined.yaml", """
            name: combined
            base: tiny-1.0
            patches:
              - name: delta
                urls: [http://127.0.0.1:9/delta.patch, \(published.absoluteString)]
                size: \(data.count)
                sha256: \(SHA256Hex.of(data))
            """ + "\n")
        _ = try tiny.qmailkit(["fetch", "tiny-1.0", "--from", tiny.tarball.path, "--cache-only", "-q"])
        let result = try tiny.qmailkit(["patch", "--with", "delta", "-o", "out", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOf: tiny.root.appendingPathComponent("out/main.c"), encoding: .utf8).contains("return 42;"))

        try FileManager.default.removeItem(at: tiny.cache.appendingPathComponent("sources").appendingPathComponent(
            "delta-\(SHA256Hex.of(data).prefix(16)).patch"))
        try tiny.write("published/delta.patch", body.replacingOccurrences(of: "42", with: "43"))
        let tampered = try tiny.qmailkit(["patch", "--with", "delta", "-o", "out2", "-q"])
        #expect(tampered.status == 2)
        #expect(tampered.stderr.contains(SHA256Hex.of(data)), "\(tampered.stderr)")
        #expect(tampered.stderr.contains("does not match the size and sha256 the recipe pins"))
        #expect(!tampered.stderr.contains("fetch --from"))

        try tiny.write("recipes/combined.yaml", """
            name: combined
            base: tiny-1.0
            patches:
              - name: delta
                urls: [http://127.0.0.1:9/delta.patch]
                size: \(data.count)
                sha256: \(SHA256Hex.of(Data("another pin".utf8)))
            """ + "\n")
        let unreachable = try tiny.qmailkit(["patch", "--with", "delta", "-o", "out2", "-q"])
        #expect(unreachable.status == 3)
        #expect(unreachable.stderr.contains("patch 'delta' of recipe combined: no URL delivered it"), "\(unreachable.stderr)")
        #expect(!unreachable.stderr.contains("fetch --from"))
        #expect(!tiny.exists("out2"))
    }
}
