import Foundation
import Testing
import TestSupport

/// A published patch used exactly as downloaded (compressed, no header of ours,
/// `../../x-original/` old names), and `compare`'s report on a pipe.
@Suite(.ownThread) struct PublishedPatchCommandTests {
    static let files = ["main.c": "int main() {\n  return 0;\n}\n", "README": "tiny\n"]

    /// `diff -ruN ../../tiny-1.0-original tiny-1.0` of a change to main.c and a new file.
    static let published = """
        diff -ruN ../../tiny-1.0-original/main.c tiny-1.0/main.c
        --- ../../tiny-1.0-original/main.c\t2015-01-01 00:00:00.000000000 +0100
        +++ tiny-1.0/main.c\t2015-01-01 00:00:00.000000000 +0100
        @@ -1,3 +1,3 @@
         int main() {
        -  return 0;
        +  return published();
         }
        diff -ruN ../../tiny-1.0-original/extra.c tiny-1.0/extra.c
        --- ../../tiny-1.0-original/extra.c\t1970-01-01 01:00:00.000000000 +0100
        +++ tiny-1.0/extra.c\t2015-01-01 00:00:00.000000000 +0100
        @@ -0,0 +1 @@
        +int published(void) { return 7; }

        """

    func project() throws -> (TinyProject, gzipped: Data) {
        let tiny = try TinyProject(files: Self.files)
        let gzipped = Data(try Command.run("gzip", ["-9", "-n", "-c"], input: Array(Self.published.utf8)).stdout)
        let download = tiny.root.appendingPathComponent("published/combined-2015.patch")
        try FileManager.default.createDirectory(at: download.deletingLastPathComponent(), withIntermediateDirectories: true)
        try gzipped.write(to: download)
        try tiny.write("recipes/published.yaml", """
            name: published
            base: tiny-1.0
            patches:
              - name: combined-2015
                urls: [\(download.absoluteString)]
                size: \(gzipped.count)
                sha256: \(SHA256Hex.of(gzipped))
                feature: combined
                description: the published combined patch, untouched
            """ + "\n")
        _ = try tiny.qmailkit(["fetch", "tiny-1.0", "--from", tiny.tarball.path, "--cache-only", "-q"])
        return (tiny, gzipped)
    }

    @Test func aGzippedPublishedPatchWithoutHeaderAppliesAsDownloaded() throws {
        let (tiny, _) = try project()
        defer { tiny.remove() }
        let result = try tiny.qmailkit(["patch", "--recipe", "published", "--with", "combined", "-o", "out", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOf: tiny.root.appendingPathComponent("out/main.c"), encoding: .utf8).contains("published()"))
        #expect(try String(contentsOf: tiny.root.appendingPathComponent("out/extra.c"), encoding: .utf8) == "int published(void) { return 7; }\n")
    }

    @Test func compareReadsGzipAndPutsTheSummaryBeforeTheDiffOnAPipe() throws {
        let (tiny, gzipped) = try project()
        defer { tiny.remove() }
        try gzipped.write(to: tiny.root.appendingPathComponent("same.gz"))
        let same = try tiny.qmailkit(["compare", "published", "same.gz", "-q"])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.hasPrefix("identical: same.gz"))

        try tiny.write("other.patch", Self.published.replacingOccurrences(of: "return 7;", with: "return 8;"))
        let other = try tiny.qmailkit(["compare", "published", "other.patch", "-q"])
        #expect(other.status == 1)
        let lines = other.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first?.hasPrefix("different: recipe tree ") == true, "\(other.stdout)")
        #expect(lines.dropFirst().first == "  differs:              extra.c")
        let diffStart = try #require(lines.firstIndex(of: "diff recipe → published:"))
        #expect(lines[diffStart + 1] == "diff --git a/extra.c b/extra.c")
        #expect(!lines[(diffStart + 1)...].contains { $0.contains("different:") || $0.contains("differs:") })

        let stat = try tiny.qmailkit(["compare", "published", "other.patch", "--stat", "-q"])
        #expect(stat.status == 1)
        #expect(stat.stdout.hasSuffix("""
            lines changed recipe → published:
             extra.c | 2 +-
             1 file changed, 1 insertion(+), 1 deletion(-)

            """), "\(stat.stdout)")
        #expect(!stat.stdout.contains("@@"))
    }
}
