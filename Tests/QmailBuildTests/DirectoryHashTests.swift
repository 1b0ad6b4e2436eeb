import Foundation
import Testing
@testable import QmailBuild
import TestSupport

@Suite(.ownThread) struct DirectoryHashTests {
    @Test func hashFollowsContentNotTimestamps() throws {
        let manager = FileManager.default
        let root = manager.temporaryDirectory.appendingPathComponent("qmailkit-hash-\(UUID().uuidString)")
        defer { try? manager.removeItem(at: root) }
        try manager.createDirectory(at: root.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("int main(){}\n".utf8).write(to: root.appendingPathComponent("a.c"))
        try Data("x\n".utf8).write(to: root.appendingPathComponent("sub/b"))

        let first = try DirectoryHash.identity(of: root)
        #expect(first.hasPrefix("sha256:"))
        #expect(first.count == 7 + 64)

        try manager.setAttributes([.modificationDate: Date(timeIntervalSince1970: 0)],
                                  ofItemAtPath: root.appendingPathComponent("a.c").path)
        try manager.createDirectory(at: root.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try Data("ref".utf8).write(to: root.appendingPathComponent(".git/HEAD"))
        #expect(try DirectoryHash.identity(of: root) == first)

        try Data("y\n".utf8).write(to: root.appendingPathComponent("sub/b"))
        let changed = try DirectoryHash.identity(of: root)
        #expect(changed != first)

        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.appendingPathComponent("sub/b").path)
        #expect(try DirectoryHash.identity(of: root) != changed)
    }
}
