import Foundation
import Glibc
import Testing
@testable import SourceFetch
import TestSupport

/// Staging files of interrupted runs in the cache: removed when their process
/// is gone, kept while it runs, never taken for the cached file.
@Suite("Leftover staging files in the cache", .ownThread)
final class CacheLeftoverTests: Sendable {
    let payload = makePayload(size: 20_000, seed: 7)
    let scratch: Scratch

    init() throws {
        scratch = try Scratch()
    }

    deinit {
        scratch.cleanUp()
    }

    /// Writes `data` as a staging file of `source` owned by `pid`; its name.
    func plantStaging(_ data: Data, of source: PinnedSource, pid: pid_t) throws -> String {
        let name = ".\(source.fileName).partial-\(pid).\(UUID().uuidString)"
        try FileManager.default.createDirectory(at: scratch.cache.sourcesDirectory, withIntermediateDirectories: true)
        try data.write(to: scratch.cache.sourcesDirectory.appendingPathComponent(name))
        return name
    }

    @Test("a dead run's staging file is removed and reported, a live run's is kept")
    func deadRemovedLiveKept() async throws {
        let good = try scratch.file("good.tar.gz", payload)
        let source = pin(payload, urls: [good])
        let dead = try plantStaging(payload.prefix(100), of: source, pid: try exitedProcessID())
        // The parent of the test process (the test runner or a shell) is alive.
        let live = try plantStaging(payload.prefix(100), of: source, pid: getppid())
        let log = EventLog()

        let fetched = try await SourceFetcher().fetch(source, into: scratch.cache, progress: log.handler)

        #expect(fetched.origin == .mirror(good))
        #expect(cacheListing(scratch.cache) == [live, source.fileName].sorted())
        #expect(log.all.first == .leftoverRemoved(scratch.cache.sourcesDirectory.appendingPathComponent(dead)))
        #expect(!log.all.contains(.leftoverRemoved(scratch.cache.sourcesDirectory.appendingPathComponent(live))))
    }

    @Test("a staging file holding the complete, correct bytes is never taken as the cached copy")
    func stagingIsNeverAResult() async throws {
        let missing = scratch.directory.appendingPathComponent("absent.tar.gz")
        let source = pin(payload, urls: [missing])
        let live = try plantStaging(payload, of: source, pid: getppid())

        #expect(try scratch.cache.lookup(source) == nil)
        await #expect(throws: FetchError.self) { try await SourceFetcher().fetch(source, into: self.scratch.cache) }
        #expect(cacheListing(scratch.cache) == [live])
    }

    @Test("--from also clears a dead run's staging file first")
    func importClearsLeftovers() throws {
        let file = try scratch.file("copy.tar.gz", payload)
        let source = pin(payload, urls: [])
        _ = try plantStaging(payload.prefix(10), of: source, pid: try exitedProcessID())

        _ = try SourceFetcher().importLocalFile(file, as: source, into: scratch.cache)

        #expect(cacheListing(scratch.cache) == [source.fileName])
    }
}
