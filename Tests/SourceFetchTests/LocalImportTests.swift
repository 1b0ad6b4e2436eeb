import Foundation
import Testing
@testable import SourceFetch
import TestSupport

@Suite("SourceFetcher.importLocalFile (--from FILE)", .ownThread)
struct LocalImportTests {
    let payload = makePayload(size: 200_000, seed: 11)

    @Test("a matching file is copied into the cache and left in place")
    func good() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let file = try scratch.file("download.tar.gz", payload)
        let source = pin(payload, urls: [])
        let log = EventLog()

        let fetched = try SourceFetcher().importLocalFile(file, as: source, into: scratch.cache, progress: log.handler)

        #expect(fetched == FetchedSource(path: try scratch.cache.path(for: source), origin: .localFile(file), sha256: hexDigest(payload)))
        #expect(try Data(contentsOf: fetched.path) == payload)
        #expect(FileManager.default.fileExists(atPath: file.path))
        #expect(log.all.last == .stored(fetched.path))
        #expect(try scratch.cache.lookup(source) == fetched.path)
    }

    @Test("a file with the right size but other bytes is refused with both digests")
    func wrongChecksum() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let other = makePayload(size: payload.count, seed: 12)
        let file = try scratch.file("other.tar.gz", other)
        let source = pin(payload, urls: [])

        #expect(throws: FetchError.checksumMismatch(source: source.name, file: file, expected: hexDigest(payload), actual: hexDigest(other))) {
            try SourceFetcher().importLocalFile(file, as: source, into: scratch.cache)
        }
        let message = FetchError.checksumMismatch(source: source.name, file: file, expected: hexDigest(payload), actual: hexDigest(other)).description
        #expect(message.contains("not cached"))
        #expect(cacheListing(scratch.cache).isEmpty)
    }

    @Test("a shorter or longer file is a size mismatch with the real size")
    func wrongSize() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let source = pin(payload, urls: [])
        for (name, data) in [("short", payload.prefix(1234)), ("long", payload + Data(count: 77))] {
            let file = try scratch.file(name, Data(data))
            #expect(throws: FetchError.sizeMismatch(source: source.name, file: file, expected: Int64(payload.count), actual: Int64(data.count))) {
                try SourceFetcher().importLocalFile(file, as: source, into: scratch.cache)
            }
        }
        #expect(cacheListing(scratch.cache).isEmpty)
    }

    @Test("a missing file is reported as unreadable")
    func missing() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let file = scratch.directory.appendingPathComponent("nope.tar.gz")
        do {
            _ = try SourceFetcher().importLocalFile(file, as: pin(payload, urls: []), into: scratch.cache)
            Issue.record("import of a missing file should fail")
        } catch {
            guard case .unreadableLocalFile(let reported, let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(reported == file)
            #expect(reason.contains("No such file"))
            #expect(error.description.contains("--from"))
        }
        #expect(cacheListing(scratch.cache).isEmpty)
    }

    static let realTarballPath = URL(fileURLWithPath: (ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { $0 + "/qmailkit" }
    ?? (ProcessInfo.processInfo.environment["HOME"] ?? "") + "/.cache/qmailkit") + "/sources/netqmail-1.06.tar.gz")

    @Test("the real netqmail-1.06 tarball verifies against its published pin",
          .enabled(if: FileManager.default.fileExists(atPath: realTarballPath.path),
                   "needs netqmail-1.06 in the qmailkit cache (qmailkit fetch --from FILE); tests never download it"))
    func realTarballVerifies() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let source = PinnedSource(
            name: "netqmail-1.06", fileName: "netqmail-1.06.tar.gz", urls: [], size: 260_941,
            sha256: "8e7d98d15211fc9f9c28109e942e2268f42a6672d68df92a42f2afa90ff00532")
        let fetched = try SourceFetcher().importLocalFile(Self.realTarballPath, as: source, into: scratch.cache)
        #expect(fetched.sha256 == source.sha256)
        #expect(try scratch.cache.lookup(source) == fetched.path)
    }
}
