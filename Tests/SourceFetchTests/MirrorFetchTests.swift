import Foundation
import Testing
@testable import SourceFetch
import TestSupport

/// End-to-end fetches against a real HTTP server on 127.0.0.1.
@Suite("SourceFetcher over loopback HTTP and file URLs", .ownThread)
final class MirrorFetchTests: Sendable {
    let payload = makePayload(size: 300_000, seed: 42)
    /// Generous timeouts for the tests that are not about them, so that a
    /// loaded machine cannot turn a 404 into a timeout (`quickConnect` and
    /// `quickIdle` for those that are).
    let fetcher = SourceFetcher(timeouts: FetchTimeouts(connect: .seconds(60), idle: .seconds(60)))
    /// This test's cache and files, removed when the test ends.
    let scratch: Scratch

    init() throws {
        scratch = try Scratch()
    }

    deinit {
        scratch.cleanUp()
    }

    /// Runs a fetch expected to fail and returns the per-mirror failures.
    func failedAttempts(_ source: PinnedSource, cache: SourceCache, log: EventLog = EventLog(),
                        by fetcher: SourceFetcher? = nil) async throws -> [MirrorAttempt] {
        do {
            let fetched = try await (fetcher ?? self.fetcher).fetch(source, into: cache, progress: log.handler)
            Issue.record("fetch should have failed, got \(fetched)")
            return []
        } catch {
            guard case .allMirrorsFailed(let name, let attempts) = error else {
                Issue.record("unexpected error \(error)")
                return []
            }
            #expect(name == source.name)
            #expect(log.failures == attempts.map(\.failure))
            return attempts
        }
    }

    /// The failures of a fetch of `payload` from one mirror that serves `file` at /file;
    /// the fetch must fail against that mirror alone and cache nothing.
    func failuresFromOneMirror(serving file: LoopbackHTTPServer.Behavior, log: EventLog = EventLog(),
                               by fetcher: SourceFetcher? = nil) async throws -> [MirrorFailure] {
        let server = try LoopbackHTTPServer(routes: ["/file": file])
        defer { server.stop() }
        let attempts = try await failedAttempts(pin(payload, urls: [server.url("/file")]), cache: scratch.cache, log: log, by: fetcher)
        #expect(attempts.map(\.url) == [server.url("/file")])
        #expect(cacheListing(scratch.cache).isEmpty)
        return attempts.map(\.failure)
    }

    @Test("a 404 mirror is skipped and the next one delivers")
    func notFoundThenGood() async throws {
        let server = try LoopbackHTTPServer(routes: ["/good": .body(payload)])
        defer { server.stop() }
        let source = pin(payload, urls: [server.url("/missing"), server.url("/good")])
        let log = EventLog()

        let fetched = try await fetcher.fetch(source, into: scratch.cache, progress: log.handler)

        #expect(fetched.origin == .mirror(server.url("/good")))
        #expect(fetched.sha256 == hexDigest(payload))
        #expect(try Data(contentsOf: fetched.path) == payload)
        #expect(fetched.path == (try scratch.cache.path(for: source)))
        #expect(server.requests == ["/missing", "/good"])
        #expect(log.failures == [.httpStatus(404)])
        #expect(log.all.contains(.tryingMirror(server.url("/good"), attempt: 2, of: 2)))
        #expect(log.all.contains(.bytesReceived(Int64(payload.count), expected: Int64(payload.count), from: server.url("/good"))))
        #expect(Array(log.all.suffix(2)) == [.verified(sha256: hexDigest(payload)), .stored(fetched.path)])
        #expect(cacheListing(scratch.cache) == [source.fileName])
    }

    @Test("a mirror that redirects is followed to the file")
    func redirectFollowed() async throws {
        let server = try LoopbackHTTPServer(routes: ["/old": .redirect(to: "/new"), "/new": .body(payload)])
        defer { server.stop() }
        let source = pin(payload, urls: [server.url("/old")])

        let fetched = try await fetcher.fetch(source, into: scratch.cache)

        #expect(fetched.origin == .mirror(server.url("/old")))
        #expect(try Data(contentsOf: fetched.path) == payload)
        #expect(server.requests == ["/old", "/new"])
    }

    @Test("a closed port is skipped and the next mirror delivers")
    func unreachableThenGood() async throws {
        let server = try LoopbackHTTPServer(routes: ["/good": .body(payload)])
        defer { server.stop() }
        let dead = URL(string: "http://127.0.0.1:\(try LoopbackHTTPServer.closedPort())/file.tar.gz")!
        let source = pin(payload, urls: [dead, server.url("/good")])
        let log = EventLog()

        let fetched = try await fetcher.fetch(source, into: scratch.cache, progress: log.handler)

        #expect(fetched.origin == .mirror(server.url("/good")))
        guard case .network(let reason)? = log.failures.first else {
            Issue.record("expected a network failure, got \(log.failures)")
            return
        }
        #expect(reason.contains("refused"))
        #expect(cacheListing(scratch.cache) == [source.fileName])
    }

    @Test("a wrong checksum caches nothing and the error shows both digests")
    func wrongChecksum() async throws {
        let impostor = makePayload(size: payload.count, seed: 43)
        let server = try LoopbackHTTPServer(routes: ["/file": .body(impostor)])
        defer { server.stop() }
        let source = pin(payload, urls: [server.url("/file")])

        let attempts = try await failedAttempts(source, cache: scratch.cache)

        let expectedFailure = MirrorFailure.payload(.checksumMismatch(expected: hexDigest(payload), actual: hexDigest(impostor)))
        #expect(attempts == [MirrorAttempt(url: server.url("/file"), failure: expectedFailure)])
        let message = FetchError.allMirrorsFailed(source: source.name, attempts: attempts).description
        #expect(message.contains(hexDigest(payload)))
        #expect(message.contains(hexDigest(impostor)))
        #expect(message.contains("Nothing was cached"))
        #expect(message.contains("--from FILE"))
        #expect(cacheListing(scratch.cache).isEmpty)
    }

    @Test("a body cut short of its Content-Length fails and leaves nothing behind")
    func truncated() async throws {
        let failures = try await failuresFromOneMirror(serving: .truncated(payload.prefix(100_000), claimedLength: payload.count))

        #expect(failures == [.network("connection closed after 100000 of \(payload.count) announced bytes")])
    }

    @Test("a body without Content-Length is cut off as soon as it passes the pinned size")
    func oversizeStream() async throws {
        let log = EventLog()

        let failures = try await failuresFromOneMirror(serving: .unframed(payload + makePayload(size: 4_000_000, seed: 9)), log: log)

        #expect(failures == [.payload(.tooLarge(limit: Int64(payload.count)))])
        let received = log.all.compactMap { if case .bytesReceived(let count, _, _) = $0 { count } else { nil } }
        #expect(received.allSatisfy { $0 <= Int64(payload.count) })
    }

    @Test("a Content-Length above the pinned size is refused before the body")
    func oversizeAnnounced() async throws {
        let log = EventLog()

        let failures = try await failuresFromOneMirror(serving: .body(payload + Data(count: 1)), log: log)

        #expect(failures == [.payload(.tooLarge(limit: Int64(payload.count)))])
        #expect(!log.all.contains { if case .bytesReceived = $0 { true } else { false } })
    }

    @Test("a server that never answers hits the connect timeout")
    func stalledBeforeResponse() async throws {
        let server = try LoopbackHTTPServer(routes: ["/file": .stallBeforeHeaders, "/good": .body(payload)])
        defer { server.stop() }
        let source = pin(payload, urls: [server.url("/file"), server.url("/good")])
        let log = EventLog()
        let started = ContinuousClock.now

        let fetched = try await SourceFetcher(timeouts: quickConnect).fetch(source, into: scratch.cache, progress: log.handler)

        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(log.failures == [.timedOut(.connect, after: quickConnect.connect)])
        #expect(fetched.origin == .mirror(server.url("/good")))
    }

    @Test("a body that stops flowing hits the idle timeout")
    func stalledMidBody() async throws {
        let started = ContinuousClock.now

        let failures = try await failuresFromOneMirror(serving: .stallAfter(payload.prefix(50_000), claimedLength: payload.count),
                                                       by: SourceFetcher(timeouts: quickIdle))

        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(failures == [.timedOut(.idle, after: quickIdle.idle)])
    }

    @Test("a mirror dripping bytes below the minimum rate is left for the next one")
    func dripBelowMinimumRate() async throws {
        let server = try LoopbackHTTPServer(routes: [
            "/drip": .drip(payload, claimedLength: payload.count, interval: .milliseconds(50)),
            "/good": .body(payload),
        ])
        defer { server.stop() }
        let source = pin(payload, urls: [server.url("/drip"), server.url("/good")])
        let strict = FetchTimeouts(connect: .seconds(60), idle: .seconds(60), minimumRate: 1000, rateWindow: .seconds(2))
        let log = EventLog()
        let started = ContinuousClock.now

        let fetched = try await SourceFetcher(timeouts: strict).fetch(source, into: scratch.cache, progress: log.handler)

        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(fetched.origin == .mirror(server.url("/good")))
        guard case .tooSlow(let bytes, let window, let minimum)? = log.failures.first, log.failures.count == 1 else {
            Issue.record("expected one too-slow failure, got \(log.failures)")
            return
        }
        // 20 bytes a second arrive; the 2 s window asks for 2000.
        #expect(bytes < 2000)
        #expect(window == .seconds(2) && minimum == 1000)
        #expect(log.failures.first?.description == "too slow (\(bytes) bytes in 2 s, minimum 1000 bytes/s)")
        #expect(cacheListing(scratch.cache) == [source.fileName])
    }

    @Test("a download that never finishes hits the overall deadline even when data keeps coming")
    func overallDeadline() async throws {
        let started = ContinuousClock.now
        let patientButBounded = FetchTimeouts(connect: .seconds(60), idle: .seconds(60), total: .seconds(2), minimumRate: 0)

        let failures = try await failuresFromOneMirror(serving: .drip(payload, claimedLength: payload.count, interval: .milliseconds(20)),
                                                       by: SourceFetcher(timeouts: patientButBounded))

        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(failures == [.timedOut(.total, after: .seconds(2))])
        #expect(failures.first?.description == "download not complete within 2 s, the limit per mirror")
    }

    @Test("a redirect loop fails after the redirect limit with a message naming the chain")
    func redirectLoop() async throws {
        let server = try LoopbackHTTPServer(routes: ["/loop": .redirect(to: "/loop"), "/good": .body(payload)])
        defer { server.stop() }
        let source = pin(payload, urls: [server.url("/loop"), server.url("/good")])
        let log = EventLog()

        let fetched = try await fetcher.fetch(source, into: scratch.cache, progress: log.handler)

        #expect(fetched.origin == .mirror(server.url("/good")))
        let limit = URLSessionTransport.redirectLimit
        #expect(log.failures == [.tooManyRedirects(limit: limit, last: server.url("/loop").absoluteString)])
        #expect(server.requests == Array(repeating: "/loop", count: limit + 1) + ["/good"])
        let message = FetchError.allMirrorsFailed(source: source.name, attempts: [
            MirrorAttempt(url: server.url("/loop"), failure: log.failures[0]),
        ]).description
        #expect(message.contains("\(server.url("/loop").absoluteString): more than 5 redirects"))
    }

    @Test("cancelling the fetch stops a stalled download promptly and caches nothing")
    func cancellation() async throws {
        let server = try LoopbackHTTPServer(routes: ["/file": .stallAfter(payload.prefix(1000), claimedLength: payload.count)])
        defer { server.stop() }
        let source = pin(payload, urls: [server.url("/file"), server.url("/never")])
        let patient = SourceFetcher(timeouts: FetchTimeouts(connect: .seconds(60), idle: .seconds(60)))
        let cache = scratch.cache
        let started = ContinuousClock.now

        let fetch = Task { try await patient.fetch(source, into: cache) }
        while server.requests.isEmpty, ContinuousClock.now - started < .seconds(30) {
            try await Task.sleep(for: .milliseconds(20))
        }
        fetch.cancel()

        await #expect(throws: FetchError.cancelled) { try await fetch.value }
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(server.requests == ["/file"])
        #expect(cacheListing(cache).isEmpty)
    }

    @Test("file:// mirrors: a missing file is skipped, a present one is verified and stored")
    func fileMirrors() async throws {
        let missing = scratch.directory.appendingPathComponent("absent.tar.gz")
        let present = try scratch.file("present.tar.gz", payload)
        let source = pin(payload, urls: [missing, present])
        let log = EventLog()

        let fetched = try await fetcher.fetch(source, into: scratch.cache, progress: log.handler)

        #expect(fetched.origin == .mirror(present))
        #expect(try Data(contentsOf: fetched.path) == payload)
        guard case .unreadable(let reason)? = log.failures.first, log.failures.count == 1 else {
            Issue.record("expected one unreadable-file failure, got \(log.failures)")
            return
        }
        #expect(reason.contains("No such file"))
    }

    @Test("a verified cache hit uses no network even when every mirror is dead")
    func cacheHitNeedsNoNetwork() async throws {
        let server = try LoopbackHTTPServer(routes: [:])
        defer { server.stop() }
        let dead = URL(string: "http://127.0.0.1:\(try LoopbackHTTPServer.closedPort())/file")!
        let source = pin(payload, urls: [server.url("/file"), dead])
        let path = try scratch.cached(payload, as: source)
        let log = EventLog()

        let fetched = try await fetcher.fetch(source, into: scratch.cache, progress: log.handler)

        #expect(fetched == FetchedSource(path: path, origin: .cache, sha256: hexDigest(payload)))
        #expect(log.all == [.cacheHit(path)])
        #expect(server.requests.isEmpty)
    }

    @Test("a corrupted cached file is discarded and replaced by a verified download")
    func corruptedCacheReplaced() async throws {
        let server = try LoopbackHTTPServer(routes: ["/file": .body(payload)])
        defer { server.stop() }
        let source = pin(payload, urls: [server.url("/file")])
        let path = try scratch.cached(payload.prefix(1000), as: source)
        let log = EventLog()

        let fetched = try await fetcher.fetch(source, into: scratch.cache, progress: log.handler)

        #expect(fetched.origin == .mirror(server.url("/file")))
        #expect(try Data(contentsOf: path) == payload)
        #expect(log.all.first == .cacheEntryDiscarded(path, reason: PayloadProblem.sizeMismatch(expected: Int64(payload.count), actual: 1000).description))
        #expect(log.all.last == .stored(path))
        #expect(server.requests == ["/file"])
    }

    @Test("after many failing mirrors only the verified file is in the cache")
    func noStagingFilesLeftBehind() async throws {
        let server = try LoopbackHTTPServer(routes: [
            "/wrong": .body(makePayload(size: payload.count, seed: 5)),
            "/short": .lyingLength(payload.prefix(10), claimedLength: 10),
            "/long": .unframed(payload + payload),
            "/cut": .truncated(payload.prefix(200_000), claimedLength: payload.count),
            "/good": .body(payload),
        ])
        defer { server.stop() }
        let paths = ["/wrong", "/short", "/long", "/cut", "/nothing", "/good"]
        let source = pin(payload, urls: paths.map(server.url) + [URL(string: "ftp://127.0.0.1/file")!])
        let log = EventLog()

        let fetched = try await fetcher.fetch(source, into: scratch.cache, progress: log.handler)

        #expect(fetched.origin == .mirror(server.url("/good")))
        #expect(log.failures.count == 5)
        #expect(log.failures.contains(.httpStatus(404)))
        #expect(log.failures.contains(.payload(.sizeMismatch(expected: Int64(payload.count), actual: 10))))
        #expect(log.failures.contains(.payload(.tooLarge(limit: Int64(payload.count)))))
        #expect(cacheListing(scratch.cache) == [source.fileName])
        #expect(server.requests == paths)
    }

    @Test("an unsupported scheme and an empty mirror list are reported clearly")
    func nothingToTry() async throws {
        let ftp = pin(payload, urls: [URL(string: "ftp://127.0.0.1/file")!])
        #expect(try await failedAttempts(ftp, cache: scratch.cache).map(\.failure) == [.unsupportedScheme("ftp")])

        let none = pin(payload, urls: [])
        await #expect(throws: FetchError.allMirrorsFailed(source: none.name, attempts: [])) {
            try await fetcher.fetch(none, into: scratch.cache)
        }
        #expect(FetchError.allMirrorsFailed(source: none.name, attempts: []).description.contains("no mirrors"))
    }

    @Test("an unwritable cache fails before any mirror is contacted")
    func cacheNotWritable() async throws {
        let server = try LoopbackHTTPServer(routes: ["/file": .body(payload)])
        defer { server.stop() }
        let blocker = try scratch.file("not-a-directory", Data("x".utf8))
        let cache = SourceCache(root: blocker.appendingPathComponent("cache"))
        let source = pin(payload, urls: [server.url("/file")])

        do {
            _ = try await fetcher.fetch(source, into: cache)
            Issue.record("fetch into an unwritable cache should fail")
        } catch {
            guard case .cacheNotWritable(let directory, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(directory == cache.sourcesDirectory)
            #expect(error.description.contains("XDG_CACHE_HOME"))
        }
        #expect(server.requests.isEmpty)
    }
}
