import Foundation
import Testing
@testable import SourceFetch
import TestSupport

@Suite("SourceCache: location, file names, verified lookup", .ownThread)
struct SourceCacheTests {
    /// What the lookup tests place in the cache, and its pin.
    let payload = makePayload(size: 5000, seed: 3)
    var source: PinnedSource { pin(payload, urls: []) }

    @Test("XDG_CACHE_HOME wins over HOME")
    func xdgFirst() throws {
        let root = try SourceCache.defaultRoot(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"])
        #expect(root.path == "/x/cache/qmailkit")
    }

    @Test("HOME/.cache when XDG_CACHE_HOME is unset, empty or relative")
    func homeFallback() throws {
        for xdg in [nil, "", "relative/dir"] as [String?] {
            var environment = ["HOME": "/home/u"]
            environment["XDG_CACHE_HOME"] = xdg
            #expect(try SourceCache.defaultRoot(environment: environment).path == "/home/u/.cache/qmailkit")
        }
    }

    @Test("no usable variable is an error that says what to set")
    func noLocation() {
        #expect(throws: FetchError.cacheLocationUnknown) { try SourceCache.defaultRoot(environment: ["HOME": ""]) }
        #expect(FetchError.cacheLocationUnknown.description.contains("XDG_CACHE_HOME"))
    }

    @Test("verified files live at <root>/sources/<fileName>")
    func layout() throws {
        let cache = SourceCache(root: URL(fileURLWithPath: "/c"))
        let source = pin(Data("x".utf8), urls: [], fileName: "netqmail-1.06.tar.gz")
        #expect(try cache.path(for: source).path == "/c/sources/netqmail-1.06.tar.gz")
    }

    @Test("file names that could leave the cache or hide as temp files are refused",
          arguments: ["", "../escape.tar.gz", "a/b.tar.gz", ".hidden", "..", "/abs"])
    func badFileNames(name: String) {
        let cache = SourceCache(root: URL(fileURLWithPath: "/c"))
        let source = pin(Data("x".utf8), urls: [], fileName: name)
        #expect(throws: FetchError.invalidFileName(name)) { try cache.path(for: source) }
    }

    @Test("a missing file is a miss; a good one is a hit")
    func missThenHit() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        #expect(try scratch.cache.lookup(source) == nil)
        let path = try scratch.cached(payload, as: source)
        #expect(try scratch.cache.lookup(source) == path)
    }

    @Test("a cached file with the right size but wrong bytes is deleted and reported")
    func corruptedEntryRemoved() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        var corrupted = payload
        corrupted[2500] ^= 0xFF
        let path = try scratch.cached(corrupted, as: source)

        let log = EventLog()
        #expect(try scratch.cache.lookup(source, progress: log.handler) == nil)
        #expect(!FileManager.default.fileExists(atPath: path.path))
        guard case .cacheEntryDiscarded(let reported, let reason)? = log.all.first else {
            Issue.record("expected a cacheEntryDiscarded event, got \(log.all)")
            return
        }
        #expect(reported == path)
        #expect(reason.contains(hexDigest(corrupted)))
    }
}
