import Archive
import Testing
import TestSupport

@Suite(.ownThread) struct GzipDecoderTests {
    /// Deterministic, partly compressible sample data.
    static let sample: [UInt8] = (0..<200_000).map { UInt8(truncatingIfNeeded: ($0 * 7919) >> ($0 % 5 == 0 ? 3 : 9)) }

    @Test(arguments: [1, 7, 512, 65_536, Int.max])
    func decodesInAnyChunking(chunkSize: Int) throws {
        let decoder = try GzipDecoder()
        var output: [UInt8] = []
        for chunk in chunks(gzip(Self.sample), of: chunkSize) { output += try decoder.feed(chunk) }
        try decoder.finish()
        #expect(output == Self.sample)
        #expect(decoder.completedMembers == 1)
    }

    @Test func decodesConcatenatedMembers() throws {
        let first = Array(Self.sample.prefix(70_000))
        let second = Array(Self.sample.dropFirst(70_000))
        let decoder = try GzipDecoder()
        let output = try decoder.feed(gzip(first) + gzip(second, level: 1))
        try decoder.finish()
        #expect(output == Self.sample)
        #expect(decoder.completedMembers == 2)
    }

    @Test func truncatedStreamIsReportedAtFinish() throws {
        let compressed = gzip(Self.sample)
        let cut = Array(compressed.dropLast(5))
        let decoder = try GzipDecoder()
        _ = try decoder.feed(cut)
        #expect(throws: GzipError.truncatedStream(offset: cut.count)) { try decoder.finish() }
    }

    @Test func emptyInputIsTruncated() throws {
        let decoder = try GzipDecoder()
        #expect(throws: GzipError.truncatedStream(offset: 0)) { try decoder.finish() }
    }

    @Test func corruptTrailerGivesZlibMessage() throws {
        var compressed = gzip(Self.sample)
        compressed[compressed.count - 6] ^= 0xFF  // inside the CRC-32
        let decoder = try GzipDecoder()
        let error = try #require(throws: GzipError.self) { _ = try decoder.feed(compressed) }
        guard case let .corruptStream(_, message) = error else { Issue.record("wrong error \(error)"); return }
        #expect(message == "incorrect data check")
        #expect(error.description.contains("corrupt gzip stream"))
    }

    @Test func notGzipIsCorrupt() throws {
        let decoder = try GzipDecoder()
        let input = Array("plain text, not gzip".utf8)
        let error = try #require(throws: GzipError.self) { _ = try decoder.feed(input) }
        guard case let .corruptStream(offset, message) = error else { Issue.record("wrong error \(error)"); return }
        #expect(message == "incorrect header check")
        #expect(offset <= input.count)
    }

    @Test func garbageAfterMemberIsCorrupt() throws {
        let decoder = try GzipDecoder()
        let error = try #require(throws: GzipError.self) {
            _ = try decoder.feed(gzip(Self.sample) + Array("junk".utf8))
        }
        guard case let .corruptStream(_, message) = error else { Issue.record("wrong error \(error)"); return }
        #expect(message.contains("not another gzip member"))
    }

    @Test func zeroPaddingAfterTheLastMemberIsIgnored() throws {
        let decoder = try GzipDecoder()
        let padded = gzip(Self.sample) + [UInt8](repeating: 0, count: 300)
        var output: [UInt8] = []
        for chunk in chunks(padded, of: 100) { output += try decoder.feed(chunk) }
        try decoder.finish()
        #expect(output == Self.sample)
        #expect(decoder.compressedBytesConsumed == padded.count)

        let restarted = try GzipDecoder()
        let error = try #require(throws: GzipError.self) {
            _ = try restarted.feed(gzip([1]) + [0, 0] + gzip([2]))
        }
        guard case let .corruptStream(_, message) = error else { Issue.record("wrong error \(error)"); return }
        #expect(message.contains("zero padding"))
    }

    @Test func decoderStaysFailedAfterAnError() throws {
        let decoder = try GzipDecoder()
        #expect(throws: GzipError.self) { _ = try decoder.feed([0x00, 0x01, 0x02]) }
        #expect(throws: GzipError.self) { _ = try decoder.feed(gzip([1, 2, 3])) }
        #expect(throws: GzipError.self) { try decoder.finish() }
    }
}
