import Crypto
import Foundation
import Synchronization
@testable import SourceFetch

/// Deterministic pseudo-random bytes, so payloads are generated, not shipped.
func makePayload(size: Int, seed: UInt64) -> Data {
    var state = seed ^ 0x9E37_79B9_7F4A_7C15
    var bytes = [UInt8](repeating: 0, count: size)
    for index in bytes.indices {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
    }
    return Data(bytes)
}

/// SHA-256 as lowercase hex, computed independently of the code under test.
func hexDigest(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

func pin(_ payload: Data, urls: [URL], fileName: String = "payload.tar.gz") -> PinnedSource {
    PinnedSource(name: "test-source", fileName: fileName, urls: urls, size: Int64(payload.count), sha256: hexDigest(payload))
}

/// A fresh directory under the system temporary directory, removed by `cleanUp`.
struct Scratch {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sourcefetch-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var cache: SourceCache { SourceCache(root: directory.appendingPathComponent("cache", isDirectory: true)) }

    /// Writes `data` to a file in the scratch directory and returns its URL.
    func file(_ name: String, _ data: Data) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    /// Puts `data` where the cache keeps `source`'s file, as an earlier fetch would have; that path.
    @discardableResult
    func cached(_ data: Data, as source: PinnedSource) throws -> URL {
        let path = try cache.path(for: source)
        try FileManager.default.createDirectory(at: cache.sourcesDirectory, withIntermediateDirectories: true)
        try data.write(to: path)
        return path
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Names of everything in the cache's sources directory.
func cacheListing(_ cache: SourceCache) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: cache.sourcesDirectory.path)) ?? []).sorted()
}

/// Collects progress events from any thread.
final class EventLog: Sendable {
    private let events = Mutex<[FetchEvent]>([])

    var handler: @Sendable (FetchEvent) -> Void {
        { [self] event in events.withLock { $0.append(event) } }
    }

    var all: [FetchEvent] { events.withLock { $0 } }

    var failures: [MirrorFailure] {
        all.compactMap { if case .mirrorFailed(_, let reason) = $0 { reason } else { nil } }
    }
}

/// Short timeouts so failing mirrors are given up quickly in tests.
/// For the tests about one timeout: that one short (8 s: long enough for a
/// loopback answer on a loaded machine), the other 60 s.
let quickConnect = FetchTimeouts(connect: .seconds(8), idle: .seconds(60))
let quickIdle = FetchTimeouts(connect: .seconds(60), idle: .seconds(8))
