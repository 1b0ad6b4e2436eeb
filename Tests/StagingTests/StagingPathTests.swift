import Foundation
import Glibc
import Testing
@testable import Staging
import TestSupport

@Suite struct StagingPathTests {
    @Test("a staging sibling carries this process's id and is recognised with it")
    func siblingRoundTrip() {
        let target = URL(fileURLWithPath: "/tmp/out/qmail-src")
        let plain = StagingPath.sibling(of: target)
        let tagged = StagingPath.sibling(of: target, tag: "abc")

        #expect(plain.path == "/tmp/out/.qmail-src.partial-\(getpid())")
        #expect(tagged.path == "/tmp/out/.qmail-src.partial-\(getpid()).abc")
        #expect(StagingPath.owner(of: plain.lastPathComponent, name: "qmail-src") == getpid())
        #expect(StagingPath.owner(of: tagged.lastPathComponent) == getpid())
    }

    @Test("other entries, and staging entries of another name, have no owner")
    func notStaging() {
        for entry in ["qmail-src", ".qmail-src", ".qmail-src.partial-", ".qmail-src.partial-12x", ".qmail-src.partial-0",
                      ".qmail-src.partial-12.", "qmail-src.partial-12", "..partial-12", ".a.partial"] {
            #expect(StagingPath.owner(of: entry) == nil, "\(entry)")
        }
        #expect(StagingPath.owner(of: ".other.partial-12", name: "qmail-src") == nil)
        #expect(StagingPath.owner(of: ".a.partial-1.b.partial-12.c", name: "a.partial-1.b") == 12)
    }

    @Test("reclaim removes only entries of dead processes, and only of the name asked for")
    func reclaim() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let dead = try exitedProcessID()
        let entries = [".out.partial-\(dead)", ".out.partial-\(getppid())", ".other.partial-\(dead)", "out", ".out.partial-\(getpid())"]
        for entry in entries {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("\(entry)/inner"), withIntermediateDirectories: true)
        }

        let removed = Leftovers.reclaim(in: directory, of: "out")

        #expect(removed.map(\.lastPathComponent) == [".out.partial-\(dead)"])
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(left == entries.filter { $0 != ".out.partial-\(dead)" }.sorted())
    }
}
