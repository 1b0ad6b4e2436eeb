import DiffFormat
import Foundation
import Testing
import TestSupport

/// Which file a diff changes, compared with GNU patch on the shapes published
/// qmail patches have: `diff -ruN` with `../../x-original/` old names, `-p0`
/// context diffs made next to `.orig` files, `Index:` lines.
@Suite(.ownThread, .enabled(
    if: FileManager.default.isExecutableFile(atPath: "/usr/bin/patch") && FileManager.default.isExecutableFile(atPath: "/usr/bin/diff"),
    "needs GNU patch and diff at /usr/bin (Debian packages patch, diffutils)"
))
struct PathSelectionTests {
    typealias Tree = [String: [UInt8]]

    static let base: [String: String] = [
        "qmail-smtpd.c": numbered("smtpd", 40),
        "qmail-remote.c": numbered("remote", 30),
        "conf-cc": "cc -O2\n",
        "doc/README.auth": "old notes\n",
    ]

    static func numbered(_ prefix: String, _ count: Int) -> String {
        (1...count).map { "\(prefix) line \($0)\n" }.joined()
    }

    /// The base with two files edited, one created and one deleted.
    static var changed: [String: String] {
        var files = base
        files["qmail-smtpd.c"] = base["qmail-smtpd.c"]!.replacingOccurrences(of: "smtpd line 5\n", with: "smtpd line 5\nauth_init();\n")
            .replacingOccurrences(of: "smtpd line 33\n", with: "smtpd line 33 changed\n")
        files["conf-cc"] = "cc -O2 -DTLS\n"
        files["tls.c"] = "int tls;\n"
        files["doc/README.auth"] = nil
        return files
    }

    static func write(_ files: [String: String], to directory: URL) throws {
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }

    static func read(_ directory: URL) throws -> Tree {
        var tree: Tree = [:]
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(directory.standardizedFileURL.path.count + 1))
            tree[path] = Array(try Data(contentsOf: url))
        }
        return tree
    }

    /// Every file patch applied in order, paths chosen against the tree as it is at that moment.
    static func applyAll(_ patch: [UInt8], strip: Int, to tree: Tree) throws -> Tree {
        var tree = tree
        for file in try PatchDocument(parsing: patch).files {
            let paths = try file.choosePaths(strip: strip, exists: { tree[$0] != nil })
            let applied = try apply(file, to: paths.source.flatMap { tree[$0] })
            tree[paths.path] = applied.contents
        }
        return tree
    }

    /// GNU patch's result on a copy of `files`.
    static func gnuPatch(_ patch: [UInt8], strip: Int, files: [String: String], in scratch: URL) throws -> Tree {
        let tree = scratch.appendingPathComponent("gnu")
        try write(files, to: tree)
        let patchFile = scratch.appendingPathComponent("published.patch")
        try Data(patch).write(to: patchFile)
        let result = try Baseline.patch(["-p\(strip)", "--batch", "--forward", "--no-backup-if-mismatch", "-i", patchFile.path], in: tree)
        #expect(result.status == 0, "GNU patch: \(result.out)\(result.err)")
        return try read(tree)
    }

    static func utf8(_ files: [String: String]) -> Tree { files.mapValues { Array($0.utf8) } }

    @Test func publishedRuNWithParentOldNamesAppliesLikeGNUPatch() throws {
        let scratch = try ScratchDirectory.make("paths-ruN")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Made the way the 2015 combined patches were: from two levels below the original tree.
        try Self.write(Self.base, to: scratch.appendingPathComponent("netqmail-1.06-original"))
        let work = scratch.appendingPathComponent("build/src")
        try Self.write(Self.changed, to: work.appendingPathComponent("netqmail-1.06"))
        let diff = try Command.run("diff", ["-ruN", "../../netqmail-1.06-original", "netqmail-1.06"], in: work,
                                   environment: Baseline.environment)
        #expect(diff.status == 1)
        #expect(diff.out.contains("--- ../../netqmail-1.06-original/qmail-smtpd.c"))
        #expect(diff.out.contains("+++ netqmail-1.06/qmail-smtpd.c"))
        let patch = Array(diff.out.utf8)

        let gnu = try Self.gnuPatch(patch, strip: 1, files: Self.base, in: scratch)
        #expect(gnu == Self.utf8(Self.changed))
        #expect(try Self.applyAll(patch, strip: 1, to: Self.utf8(Self.base)) == gnu)
    }

    @Test func p0ContextDiffNextToOrigFilesAppliesLikeGNUPatch() throws {
        let scratch = try ScratchDirectory.make("paths-p0")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // 1997 style: copy each file to .orig inside the tree, edit, `diff -c x.orig x` per file.
        let tree = scratch.appendingPathComponent("tree")
        var patch: [UInt8] = []
        for path in ["qmail-smtpd.c", "conf-cc"] {
            try Self.write([path + ".orig": Self.base[path]!, path: Self.changed[path]!], to: tree)
            let diff = try Command.run("diff", ["-c", path + ".orig", path], in: tree, environment: Baseline.environment)
            #expect(diff.status == 1)
            patch += Array(diff.out.utf8)
        }
        #expect(String(decoding: patch, as: UTF8.self).contains("*** qmail-smtpd.c.orig"))
        var expected = Self.base
        for path in ["qmail-smtpd.c", "conf-cc"] { expected[path] = Self.changed[path] }

        let gnu = try Self.gnuPatch(patch, strip: 0, files: Self.base, in: scratch)
        #expect(gnu == Self.utf8(expected))
        #expect(try Self.applyAll(patch, strip: 0, to: Self.utf8(Self.base)) == gnu)
        // With no tree at hand (the canonical form), the shorter name wins as well.
        let document = try PatchDocument(parsing: patch)
        #expect(try document.files.map { try $0.choosePaths(strip: 0, exists: { _ in false }).path } == ["qmail-smtpd.c", "conf-cc"])
    }

    @Test func indexLineNamesTheFileWhenTheOtherNamesAreTooShort() throws {
        let scratch = try ScratchDirectory.make("paths-index")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let patch = Array("""
            Index: netqmail-1.06/doc/README.auth
            ===================================================================
            --- README.auth\t2001-01-01 00:00:00
            +++ README.auth\t2001-01-01 00:00:00
            @@ -1 +1 @@
            -old notes
            +new notes

            """.utf8)
        var expected = Self.base
        expected["doc/README.auth"] = "new notes\n"
        let gnu = try Self.gnuPatch(patch, strip: 1, files: Self.base, in: scratch)
        #expect(gnu == Self.utf8(expected))
        #expect(try Self.applyAll(patch, strip: 1, to: Self.utf8(Self.base)) == gnu)
        let file = try PatchDocument(parsing: patch).files[0]
        #expect(file.indexPath == "netqmail-1.06/doc/README.auth")
        #expect(file.nameLines.index == 1)
    }

    @Test func aNameThatExistsBeatsABetterOneThatDoesNot() throws {
        let patch = "--- src/deep/qmail-smtpd.c\n+++ x.c\n@@ -1 +1 @@\n-a\n+b\n"
        let file = try PatchDocument(parsing: patch).files[0]
        #expect(try file.choosePaths(strip: 0, exists: { $0 == "src/deep/qmail-smtpd.c" }).path == "src/deep/qmail-smtpd.c")
        #expect(try file.choosePaths(strip: 0, exists: { _ in false }).path == "x.c")
    }

    @Test func usedUnsafeNamesAreRefusedWithTheirLine() throws {
        let parent = try PatchDocument(parsing: "Feature: x\n---\n--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-root\n+toor\n")
        let error = #expect(throws: PatchPathError.self) {
            try parent.files[0].choosePaths(strip: 1, exists: { _ in true })
        }
        #expect(error == PatchPathError(path: "a/../../etc/passwd", .parentReference, line: 3))
        #expect(error?.description.hasPrefix("patch line 3: path `a/../../etc/passwd` contains `..`") == true)

        let absolute = try PatchDocument(parsing: "--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-root\n+toor\n").files[0]
        #expect(throws: PatchPathError(path: "/etc/passwd", .absolute, line: 1)) {
            try absolute.choosePaths(strip: 0, exists: { _ in true })
        }
        // A git diff's names are used literally: an unsafe one is refused even when the other is fine.
        let git = try PatchDocument(parsing: "diff --git a/x b/../x\n--- a/x\n+++ b/../x\n@@ -1 +1 @@\n-a\n+b\n").files[0]
        #expect(throws: PatchPathError(path: "b/../x", .parentReference, line: 3)) {
            try git.choosePaths(strip: 1, exists: { _ in true })
        }
    }

    @Test func absoluteNamesAreFineWhenTheStripLevelRemovesTheLeadingPart() throws {
        let file = try PatchDocument(parsing: "--- /usr/src/netqmail-1.06/conf-cc\n+++ /usr/src/netqmail-1.06/conf-cc\n@@ -1 +1 @@\n-a\n+b\n").files[0]
        #expect(try file.choosePaths(strip: 4, exists: { _ in true }) == ChosenPaths(source: "conf-cc", destination: "conf-cc"))
    }

    @Test func tooShortNamesSayWhichLevelFits() throws {
        let document = try PatchDocument(parsing: "--- conf-cc.orig\n+++ conf-cc\n@@ -1 +1 @@\n-a\n+b\n")
        #expect(throws: PatchPathError(path: "conf-cc.orig", .tooFewComponents(level: 1), line: 1)) {
            try document.files[0].choosePaths(strip: 1, exists: { _ in true })
        }
        #expect(try document.guessStripLevel(existingPaths: ["conf-cc"]) == 0)
    }
}
