import DiffFormat
import Foundation
import Testing
import TestSupport

/// Compares `apply` with the real GNU patch (and patches made by the real GNU
/// diff) on generated files whose lines were shifted before patching.
@Suite(.ownThread, .enabled(
    if: FileManager.default.isExecutableFile(atPath: "/usr/bin/patch") && FileManager.default.isExecutableFile(atPath: "/usr/bin/diff"),
    "needs GNU patch and diff at /usr/bin (Debian packages patch, diffutils)"
))
struct GNUPatchDifferentialTests {
    /// Lines from a small vocabulary, so hunks often match at several places.
    static func line(_ generator: inout SplitMix64) -> String {
        let common = ["}", "", "  return 0;", "{", "  if (!stralloc_0(&sa)) die_nomem();", "  substdio_flush(&ssout);"]
        if generator.below(3) == 0 { return common[generator.below(common.count)] }
        return "  x\(generator.below(40)) = f(\(generator.below(5)));"
    }

    static func edit(_ lines: [String], edits: Int, _ generator: inout SplitMix64) -> [String] {
        var result = lines
        for _ in 0..<edits {
            let at = generator.below(result.count)
            switch generator.below(3) {
            case 0: result[at] = "  changed_\(generator.below(1000))();"
            case 1: result.insert("  inserted_\(generator.below(1000))();", at: at)
            default: result.remove(at: at)
            }
        }
        return result
    }

    struct GNUOutcome {
        var succeeded: Bool
        var offsets: [Int: Int]
        var fuzz: [Int: Int]
        var contents: [UInt8]
    }

    static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        let result = try Command.run(arguments[0], Array(arguments.dropFirst()), in: directory)
        return (result.status, result.out + result.err)
    }

    /// "Hunk #2 succeeded at 57 with fuzz 1 (offset 5 lines)."
    static func parseReport(_ output: String) -> (offsets: [Int: Int], fuzz: [Int: Int]) {
        var offsets: [Int: Int] = [:]
        var fuzz: [Int: Int] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("Hunk #") && line.contains(" succeeded at ") {
            let words = line.split(separator: " ")
            guard let number = Int(words[1].dropFirst()) else { continue }
            if let at = words.firstIndex(of: "fuzz"), at + 1 < words.count {
                fuzz[number - 1] = Int(words[at + 1].filter(\.isNumber))
            }
            if let at = words.firstIndex(of: "(offset"), at + 1 < words.count { offsets[number - 1] = Int(words[at + 1]) }
        }
        return (offsets, fuzz)
    }

    static func gnuPatch(patch: [UInt8], target: [UInt8], fuzz: Int = 0, in directory: URL) throws -> GNUOutcome {
        let patchFile = directory.appendingPathComponent("change.patch")
        let targetFile = directory.appendingPathComponent("f.c")
        try Data(patch).write(to: patchFile)
        try Data(target).write(to: targetFile)
        let common = ["/usr/bin/patch", "-p1", "-F\(fuzz)", "--forward", "--batch", "--no-backup-if-mismatch", "-r", "-", "-i", "change.patch"]
        let dry = try run(common + ["--dry-run"], in: directory)
        let real = try run(common, in: directory)
        #expect(dry.status == real.status)
        let report = parseReport(real.output)
        #expect(parseReport(dry.output).offsets == report.offsets)
        return GNUOutcome(
            succeeded: real.status == 0,
            offsets: report.offsets,
            fuzz: report.fuzz,
            contents: Array(try Data(contentsOf: targetFile))
        )
    }

    static func diff(old: [String], new: [String], options: String, in directory: URL) throws -> [UInt8] {
        let a = directory.appendingPathComponent("a")
        let b = directory.appendingPathComponent("b")
        try FileManager.default.createDirectory(at: a, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: b, withIntermediateDirectories: true)
        try Data((old.joined(separator: "\n") + "\n").utf8).write(to: a.appendingPathComponent("f.c"))
        try Data((new.joined(separator: "\n") + "\n").utf8).write(to: b.appendingPathComponent("f.c"))
        let result = try run(["/usr/bin/diff", options, "a/f.c", "b/f.c"], in: directory)
        #expect(result.status == 1, "diff found no difference")
        return Array(result.output.utf8)
    }

    enum CaseOutcome: Equatable {
        case appliedExactly, appliedWithOffsets, appliedWithFuzz, bothRejected, disagreed
    }

    /// Generates case `seed`, runs GNU patch and `apply`, checks they agree.
    static func compare(seed: Int, fuzz: Int = 0, diffOptions: String = "-Naur", crlfPatch: Bool = false) throws -> CaseOutcome {
        var generator = SplitMix64(seed: UInt64(seed) &* 1_000_003)
        let base = (0..<(60 + generator.below(240))).map { _ in line(&generator) }
        let changed = edit(base, edits: 2 + generator.below(8), &generator)
        // The tree the patch meets has drifted: lines added and removed elsewhere.
        let drifted = edit(base, edits: generator.below(6), &generator)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diffformat-gnu-\(seed)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var patch = try diff(old: base, new: changed, options: diffOptions, in: directory)
        if crlfPatch { patch = Array(String(decoding: patch, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8) }
        let target = Array((drifted.joined(separator: "\n") + "\n").utf8)
        let gnu = try gnuPatch(patch: patch, target: target, fuzz: fuzz, in: directory)

        let filePatch = try PatchDocument(parsing: patch).files[0]
        let ours = Result { () throws(PatchApplyError) in try apply(filePatch, to: target, fuzz: fuzz) }
        switch ours {
        case .success(let applied):
            #expect(gnu.succeeded, "seed \(seed): we applied a patch GNU patch rejected")
            guard gnu.succeeded else { return .disagreed }
            let gnuOffsets = filePatch.hunks.indices.map { gnu.offsets[$0] ?? 0 }
            #expect(applied.contents == gnu.contents, "seed \(seed)")
            #expect(applied.hunks.map(\.offset) == gnuOffsets, "seed \(seed)")
            #expect(applied.hunks.map(\.fuzz) == filePatch.hunks.indices.map { gnu.fuzz[$0] ?? 0 }, "seed \(seed)")
            guard applied.contents == gnu.contents, applied.hunks.map(\.offset) == gnuOffsets else { return .disagreed }
            if applied.hunks.contains(where: { $0.fuzz > 0 }) { return .appliedWithFuzz }
            return gnuOffsets.allSatisfy { $0 == 0 } ? .appliedExactly : .appliedWithOffsets
        case .failure(let error):
            #expect(!gnu.succeeded, "seed \(seed): GNU patch applied what we rejected: \(error)")
            return gnu.succeeded ? .disagreed : .bothRejected
        }
    }

    @Test(arguments: 1...40)
    func sameBytesAndOffsetsAsGNUPatch(seed: Int) throws {
        #expect(try Self.compare(seed: seed) != .disagreed)
    }

    @Test(arguments: 1...40)
    func contextDiffsApplyLikeGNUPatch(seed: Int) throws {
        #expect(try Self.compare(seed: seed, diffOptions: "-Nacr") != .disagreed)
    }

    @Test(arguments: ["-U0", "-U1", "-U5"], 1...20)
    func otherContextSizesApplyLikeGNUPatch(options: String, seed: Int) throws {
        #expect(try Self.compare(seed: seed, diffOptions: options) != .disagreed)
    }

    @Test(arguments: 1...20)
    func crlfTransportedPatchesApplyLikeGNUPatch(seed: Int) throws {
        #expect(try Self.compare(seed: seed, crlfPatch: true) != .disagreed)
    }

    @Test(arguments: 1...40)
    func sameResultsAsGNUPatchWithFuzz2(seed: Int) throws {
        #expect(try Self.compare(seed: seed, fuzz: 2) != .disagreed)
    }

    /// The multi-file fixture (create, modify with drift, delete without final
    /// newline) in every dialect: the tree GNU patch leaves equals ours.
    @Test(arguments: [("git", 1), ("naur", 1), ("p0", 0), ("context", 1), ("naur-crlf", 1)])
    func multiFileFixtureLikeGNUPatch(dialect: String, strip: Int) throws {
        let texts = ["git": Fixtures.git, "naur": Fixtures.naur, "p0": Fixtures.p0, "context": Fixtures.context]
        let patch = dialect == "naur-crlf" ? Fixtures.crlf(Fixtures.naur) : bytes(texts[dialect]!)
        var tree: [String: [UInt8]] = [
            "src/numbers.txt": bytes("drift 1\ndrift 2\n" + Fixtures.numbersOld),
            "src/old.txt": bytes("gone\nlast"),
        ]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diffformat-tree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("src"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (path, contents) in tree { try Data(contents).write(to: directory.appendingPathComponent(path)) }
        try Data(patch).write(to: directory.appendingPathComponent("change.patch"))
        let gnu = try Self.run(["/usr/bin/patch", "-p\(strip)", "-F0", "--forward", "--batch", "--no-backup-if-mismatch", "-i", "change.patch"], in: directory)
        #expect(gnu.status == 0, "\(gnu.output)")

        let document = try PatchDocument(parsing: patch)
        #expect(try document.guessStripLevel(existingPaths: Set(tree.keys)) == strip)
        var offsets: [Int] = []
        for file in document.files {
            let path = try file.choosePaths(strip: strip, exists: { tree[$0] != nil }).path
            let result = try apply(file, to: tree[path], fuzz: 0)
            tree[path] = result.contents
            offsets += result.hunks.map(\.offset)
        }
        #expect(offsets == [0, 2, 0])
        #expect(Self.parseReport(gnu.output).offsets == [0: 2])
        for path in ["src/new.txt", "src/numbers.txt", "src/old.txt"] {
            let onDisk = FileManager.default.contents(atPath: directory.appendingPathComponent(path).path).map { Array($0) }
            #expect(onDisk == tree[path], "\(dialect) \(path)")
        }
    }

    @Test func generatedCasesCoverOffsetsFuzzAndRejections() throws {
        // Guards the generator: the cases above must include shifted hunks,
        // exact ones, fuzzy ones and rejected ones, or the comparison proves little.
        let strict = try (1...40).map { seed in try Self.compare(seed: seed) }
        #expect(strict.count { $0 == .appliedWithOffsets } >= 10, "\(strict)")
        #expect(strict.contains(.appliedExactly), "\(strict)")
        #expect(strict.contains(.bothRejected), "\(strict)")
        #expect(!strict.contains(.disagreed) && !strict.contains(.appliedWithFuzz), "\(strict)")
        let fuzzy = try (1...40).map { seed in try Self.compare(seed: seed, fuzz: 2) }
        #expect(fuzzy.count { $0 == .appliedWithFuzz } >= 3, "\(fuzzy)")
        #expect(!fuzzy.contains(.disagreed), "\(fuzzy)")
    }
}
