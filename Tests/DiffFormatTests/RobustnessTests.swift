import DiffFormat
import Testing
import TestSupport

/// Damaged patches and unrelated files must produce errors, never crashes.
@Suite(.ownThread) struct RobustnessTests {
    @Test func anchoredHunkAgainstAShorterFile() {
        let patch = "--- a/f\n+++ b/f\n@@ -1,4 +1,5 @@\n a\n+x\n b\n c\n d\n"
        for fuzz in 0...2 {
            #expect(throws: PatchApplyError.self) { try apply(PatchDocument(parsing: patch).files[0], to: bytes("a\n"), fuzz: fuzz) }
        }
        // Fuzz 3 ignores all three trailing context lines, which lie past the end.
        let fuzzed = try? apply(PatchDocument(parsing: patch).files[0], to: bytes("a\n"), fuzz: 3)
        #expect(fuzzed == AppliedFile(contents: bytes("a\nx\n"), hunks: [HunkResult(index: 0, offset: 0, fuzz: 3)]))
    }

    @Test(arguments: 1...200)
    func mutatedPatchesNeverCrash(seed: Int) throws {
        var generator = SplitMix64(seed: UInt64(seed) &* 7_919)
        var lines = (Fixtures.git + Fixtures.context + ApplyTests.twoHunks).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<(1 + generator.below(4)) {
            let at = generator.below(lines.count)
            switch generator.below(4) {
            case 0: lines.remove(at: at)
            case 1: lines.insert(lines[generator.below(lines.count)], at: at)
            case 2: lines[at] = String(lines[at].dropFirst())
            default: lines[at] = "@@ -\(generator.below(30)),\(generator.below(9)) +\(generator.below(30)) @@"
            }
        }
        let document: PatchDocument
        do {
            document = try PatchDocument(parsing: lines.joined(separator: "\n"))
        } catch {
            #expect(error.line >= 1 && error.line <= lines.count + 1)
            return
        }
        let targets: [[UInt8]?] = [nil, [], bytes("a\n"), bytes(Fixtures.numbersOld), bytes(ApplyTests.numbered(1...20)), bytes("line 3\r\nline 4")]
        for file in document.files {
            for target in targets {
                for fuzz in 0...3 {
                    _ = try? apply(file, to: target, fuzz: fuzz)
                }
            }
            _ = try? file.choosePaths(strip: 1, exists: { _ in false }).path
        }
    }
}
