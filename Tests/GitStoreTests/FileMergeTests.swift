import Foundation
import GitStore
import Testing
import TestSupport

private func lines(_ text: String) -> [UInt8] { Array(text.utf8) }

private let base = lines("one\ntwo\nthree\nfour\nfive\nsix\nseven\n")
private let labels = MergeLabels(ancestor: "netqmail-1.06", ours: "tls", theirs: "auth")

/// What `git merge-file --diff3` makes of the same three texts: its output and
/// its exit status, which is the number of conflicts.
private func gitMergeFile(ancestor: [UInt8], ours: [UInt8], theirs: [UInt8]) throws -> (bytes: [UInt8], conflicts: Int32) {
    let temporary = try TemporaryDirectory()
    for (name, bytes) in [("ours", ours), ("base", ancestor), ("theirs", theirs)] {
        try Data(bytes).write(to: temporary.url.appendingPathComponent(name))
    }
    let result = try gitStatus(
        ["merge-file", "-p", "--diff3", "-L", labels.ours, "-L", labels.ancestor, "-L", labels.theirs,
         "ours", "base", "theirs"],
        in: temporary.url)
    return (result.output, result.status)
}

/// Three texts that git merge-file merges too, and what FileMerge must make of them.
struct MergeCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    var ancestor: [UInt8]? = base
    let ours: [UInt8]
    let theirs: [UInt8]
    let outcome: FileMergeResult.Outcome
    let conflicts: Int

    static let clean = MergeCase(
        testDescription: "clean", ours: lines("ONE\ntwo\nthree\nfour\nfive\nsix\nseven\n"),
        theirs: lines("one\ntwo\nthree\nfour\nfive\nsix\nSEVEN\n"), outcome: .clean, conflicts: 0)
    static let oneConflict = MergeCase(
        testDescription: "one conflict", ours: lines("one\ntwo\nthree (tls)\nfour\nfive\nsix\nseven\n"),
        theirs: lines("one\ntwo\nthree (auth)\nfour\nfive\nsix\nseven\n"), outcome: .contentConflict, conflicts: 1)
    static let twoConflicts = MergeCase(
        testDescription: "two conflict regions", ours: lines("one (tls)\ntwo\nthree\nfour\nfive\nsix\nseven (tls)\n"),
        theirs: lines("one (auth)\ntwo\nthree\nfour (auth)\nfive\nsix\nseven (auth)\n"), outcome: .contentConflict, conflicts: 2)
    static let addAdd = MergeCase(
        testDescription: "different additions", ancestor: nil, ours: lines("shared\nours only\n"),
        theirs: lines("shared\ntheirs only\n"), outcome: .addAddConflict, conflicts: 1)

    func merged() throws -> FileMergeResult {
        try FileMerge.threeWay(ancestor: ancestor, ours: ours, theirs: theirs, labels: labels)
    }
}

@Suite(.ownThread) struct FileMergeTests {
    @Test(arguments: [MergeCase.clean, .oneConflict, .twoConflicts, .addAdd])
    func outcomeAndConflictsAgreeWithGit(_ merge: MergeCase) throws {
        let result = try merge.merged()
        #expect(result.outcome == merge.outcome)
        #expect(result.conflictCount == merge.conflicts)
        let cli = try gitMergeFile(ancestor: merge.ancestor ?? [], ours: merge.ours, theirs: merge.theirs)
        #expect(Int(cli.conflicts) == result.conflictCount && cli.bytes == result.contents)
    }

    @Test func cleanMergeTakesBothChanges() throws {
        #expect(try MergeCase.clean.merged().contents == lines("ONE\ntwo\nthree\nfour\nfive\nsix\nSEVEN\n"))
    }

    @Test func conflictHasLabelledDiff3Markers() throws {
        #expect(try MergeCase.oneConflict.merged().contents == lines("""
            one
            two
            <<<<<<< tls
            three (tls)
            ||||||| netqmail-1.06
            three
            =======
            three (auth)
            >>>>>>> auth
            four
            five
            six
            seven

            """))
    }

    @Test func crlfMarkersAreCounted() throws {
        let crlfBase = lines("a\r\nb\r\nc\r\n")
        let result = try FileMerge.threeWay(
            ancestor: crlfBase, ours: lines("a\r\nB1\r\nc\r\n"), theirs: lines("a\r\nB2\r\nc\r\n"), labels: labels)
        #expect(result.conflictCount == 1)
        #expect(result.contents.map { String(decoding: $0, as: UTF8.self).contains("<<<<<<< tls\r\n") } == true)
    }

    @Test func fileAddedOnOneSideIsTaken() throws {
        let added = lines("new file\n")
        let theirsAdded = try FileMerge.threeWay(ancestor: nil, ours: nil, theirs: added)
        #expect(theirsAdded.outcome == .clean && theirsAdded.contents == added && theirsAdded.conflictCount == 0)
        #expect(try FileMerge.threeWay(ancestor: nil, ours: added, theirs: nil).contents == added)
        #expect(try FileMerge.threeWay(ancestor: nil, ours: added, theirs: added).contents == added)
    }

    @Test func fileDeletedOnOneSideAndUntouchedOnTheOtherIsDeleted() throws {
        let theirsDeleted = try FileMerge.threeWay(ancestor: base, ours: base, theirs: nil)
        #expect(theirsDeleted.isClean && theirsDeleted.contents == nil)
        let oursDeleted = try FileMerge.threeWay(ancestor: base, ours: nil, theirs: base)
        #expect(oursDeleted.isClean && oursDeleted.contents == nil)
        let bothDeleted = try FileMerge.threeWay(ancestor: base, ours: nil, theirs: nil)
        #expect(bothDeleted.isClean && bothDeleted.contents == nil)
    }

    @Test func modifyDeleteIsAConflict() throws {
        let changed = lines("one\ntwo\nthree\nfour\nfive\nsix\nseven\neight")
        let result = try FileMerge.threeWay(ancestor: base, ours: nil, theirs: changed, labels: labels)
        #expect(result.outcome == .modifyDeleteConflict(deletedBy: .ours))
        #expect(result.conflictCount == 1)
        let text = String(decoding: result.contents ?? [], as: UTF8.self)
        #expect(text.hasPrefix("<<<<<<< tls (deleted)\n||||||| netqmail-1.06\none\n"))
        #expect(text.hasSuffix("=======\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n>>>>>>> auth\n"))

        let other = try FileMerge.threeWay(ancestor: base, ours: changed, theirs: nil, labels: labels)
        #expect(other.outcome == .modifyDeleteConflict(deletedBy: .theirs))
        #expect(String(decoding: other.contents ?? [], as: UTF8.self).hasSuffix("=======\n>>>>>>> auth (deleted)\n"))
    }

    @Test(arguments: ["", "two\nlines"])
    func unusableLabelsAreRefused(label: String) throws {
        #expect(throws: GitError.self) {
            _ = try FileMerge.threeWay(
                ancestor: base, ours: lines("x\n"), theirs: lines("y\n"),
                labels: MergeLabels(ancestor: "base", ours: label, theirs: "theirs"))
        }
    }
}
