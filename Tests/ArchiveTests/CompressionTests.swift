import Archive
import Foundation
import Testing
import TestSupport

/// Compressed files recognised by content and decompressed whole: gzip, bzip2 and
/// xz as the system's gzip, bzip2 and xz write them.
@Suite(.ownThread) struct CompressionTests {
    static let sample = Array((1...4000).map { "line \($0) of a published patch\n" }.joined().utf8)

    static func compress(_ bytes: [UInt8], with tool: String) throws -> [UInt8] {
        let result = try Command.run(tool, ["-c"], input: bytes)
        #expect(result.status == 0, "\(tool): \(result.err)")
        return result.stdout
    }

    @Test(arguments: [("gzip", Compression.gzip), ("bzip2", .bzip2), ("xz", .xz)])
    func decompressesWhatTheSystemToolWrote(tool: String, format: Compression) throws {
        let compressed = try Self.compress(Self.sample, with: tool)
        #expect(Compression.detect(compressed) == format)
        #expect(try Compression.decompressIfCompressed(compressed) == Self.sample)
        // Concatenated streams decode as one, as the tools themselves do.
        let second = try Self.compress(Array("tail\n".utf8), with: tool)
        #expect(try Compression.decompressIfCompressed(compressed + second) == Self.sample + Array("tail\n".utf8))
    }

    @Test(arguments: ["gzip", "bzip2", "xz"])
    func damageIsReportedNotReturned(tool: String) throws {
        let compressed = try Self.compress(Self.sample, with: tool)
        #expect(throws: (any Error).self) { try Compression.decompressIfCompressed(Array(compressed.dropLast(9))) }
        var flipped = compressed
        flipped[flipped.count / 2] ^= 0xFF
        #expect(throws: (any Error).self) { try Compression.decompressIfCompressed(flipped) }
        let format = try #require(Compression.detect(compressed))
        let limited = #expect(throws: (any Error).self) { try Compression.decompressIfCompressed(compressed, limit: 1000) }
        #expect(limited as? DecompressionError == .tooLarge(format, limit: 1000))
    }

    @Test func plainTextAndLookalikesPassUnchanged() throws {
        for text in ["--- a/x\n+++ b/x\n", "BZh\n", "BZhX not bzip2", "", "\u{1F}"] {
            let bytes = Array(text.utf8)
            #expect(Compression.detect(bytes) == nil, "\(text)")
            #expect(try Compression.decompressIfCompressed(bytes) == bytes)
        }
    }
}
