import Foundation
import Testing
@testable import QmailBuild
import TestSupport

/// Refusals that happen before anything is written; they need no real tree.
@Suite(.ownThread) struct BuildPreconditionTests {
    func fakeTree(in scratch: URL) throws -> URL {
        let tree = scratch.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        for name in QmailBuilder.requiredTreeFiles {
            try Data().write(to: tree.appendingPathComponent(name))
        }
        return tree
    }

    @Test func directoryWithoutNetqmailFilesIsRefused() throws {
        let scratch = try scratchDirectory("precondition")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data("all:\n".utf8).write(to: scratch.appendingPathComponent("Makefile"))
        let request = BuildRequest(tree: scratch, treeIdentity: "x", output: scratch.deletingLastPathComponent().appendingPathComponent("out-\(UUID())"))
        let error = #expect(throws: BuildError.self) { try QmailBuilder.build(request) }
        guard case .notANetqmailTree(_, let missing)? = error else {
            Issue.record("expected notANetqmailTree, got \(String(describing: error))")
            return
        }
        #expect(missing == ["conf-qmail", "conf-cc", "conf-users", "qmail-smtpd.c"])
    }

    @Test func foreignNonEmptyOutputIsLeftAlone() throws {
        let scratch = try scratchDirectory("precondition")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let tree = try fakeTree(in: scratch)
        let output = scratch.appendingPathComponent("precious")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: output.appendingPathComponent("notes.txt"))
        let request = BuildRequest(tree: tree, treeIdentity: "x", output: output,
                                   options: BuildOptions(testUsers: TestUsers(user: "root")))
        let error = #expect(throws: BuildError.self) { try QmailBuilder.build(request) }
        guard case .unusableOutput? = error else {
            Issue.record("expected unusableOutput, got \(String(describing: error))")
            return
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path) == ["notes.txt"])
    }

    @Test func outputInsideTheTreeIsRefused() throws {
        let scratch = try scratchDirectory("precondition")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let tree = try fakeTree(in: scratch)
        let request = BuildRequest(tree: tree, treeIdentity: "x", output: tree.appendingPathComponent("build"),
                                   options: BuildOptions(testUsers: TestUsers(user: "root")))
        let error = #expect(throws: BuildError.self) { try QmailBuilder.build(request) }
        guard case .unusableOutput(_, let reason)? = error else {
            Issue.record("expected unusableOutput, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("inside the source tree"))
        #expect(!FileManager.default.fileExists(atPath: tree.appendingPathComponent("build").path))
    }

    @Test func invalidOptionsAreRefusedFirst() throws {
        let scratch = try scratchDirectory("precondition")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let tree = try fakeTree(in: scratch)
        let output = scratch.appendingPathComponent("out")
        let request = BuildRequest(tree: tree, treeIdentity: "x", output: output, options: BuildOptions(jobs: 0))
        #expect(throws: BuildError.invalidOptions(["jobs 0 must be at least 1"])) { try QmailBuilder.build(request) }
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
