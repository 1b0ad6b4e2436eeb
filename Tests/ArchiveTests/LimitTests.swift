import Archive
import Testing
import TestSupport

/// Limits must trip while the header is read, before any data is buffered: each test feeds the
/// reader nothing but headers, so the error can only come from the header.
@Suite(.ownThread) struct LimitTests {
    static let limits = ArchiveLimits(
        maxEntrySize: 1000, maxTotalSize: 1500, maxEntryCount: 3, maxMetadataSize: 600, maxTrailingBytes: 2048)

    @Test func entryTooLargeAtHeaderTime() throws {
        var writer = TarWriter()
        writer.entry("big", typeflag: "0", declaredSize: 1001)
        var reader = TarReader(limits: Self.limits)
        #expect(writer.bytes.count == 512)
        #expect(throws: ArchiveLimitError.entryTooLarge(path: "big", offset: 0, size: 1001, limit: 1000)) {
            _ = try reader.feed(writer.bytes)
        }
    }

    @Test func hugeDeclaredSizeWithDefaultLimits() throws {
        var writer = TarWriter()
        writer.entry("bomb", typeflag: "0", declaredSize: 8 << 30 - 1)
        var reader = TarReader()
        let error = try #require(throws: ArchiveLimitError.self) { _ = try reader.feed(writer.bytes) }
        #expect(error == .entryTooLarge(path: "bomb", offset: 0, size: 8 << 30 - 1, limit: ArchiveLimits.default.maxEntrySize))
        #expect(error.description.contains("raise the limit"))
    }

    @Test func totalSizeAtHeaderTime() throws {
        var writer = TarWriter()
        writer.file("a", [UInt8](repeating: 1, count: 900))
        let second = writer.offset
        writer.entry("b", typeflag: "0", declaredSize: 700)
        var reader = TarReader(limits: Self.limits)
        #expect(throws: ArchiveLimitError.totalSizeTooLarge(path: "b", offset: second, total: 1600, limit: 1500)) {
            _ = try reader.feed(writer.bytes)
        }
    }

    @Test func entryCountAtHeaderTime() throws {
        var writer = TarWriter()
        for name in ["a", "b", "c"] { writer.file(name, "") }
        let fourth = writer.offset
        writer.file("d", "")
        var reader = TarReader(limits: Self.limits)
        #expect(throws: ArchiveLimitError.tooManyEntries(path: "d", offset: fourth, limit: 3)) {
            _ = try reader.feed(writer.bytes)
        }
    }

    @Test func metadataRecordTooLarge() throws {
        var writer = TarWriter()
        writer.entry("././@LongLink", typeflag: "L", declaredSize: 601)
        var reader = TarReader(limits: Self.limits)
        #expect(throws: ArchiveLimitError.metadataTooLarge(offset: 0, size: 601, limit: 600)) {
            _ = try reader.feed(writer.bytes)
        }
    }

    @Test func trailingBytesAfterEndMarker() throws {
        var writer = TarWriter()
        writer.file("a", "a")
        writer.raw([UInt8](repeating: 0, count: 1024))
        let end = writer.offset
        writer.raw([UInt8](repeating: 0, count: 2049))
        var reader = TarReader(limits: Self.limits)
        #expect(throws: ArchiveLimitError.trailingDataTooLarge(offset: end, limit: 2048)) {
            _ = try reader.feed(writer.bytes)
        }
    }

    @Test func limitsApplyThroughUnpack() throws {
        var writer = TarWriter()
        writer.file("pkg/a", [UInt8](repeating: 1, count: 1001))
        writer.end()
        #expect(throws: ArchiveLimitError.entryTooLarge(path: "pkg/a", offset: 0, size: 1001, limit: 1000)) {
            _ = try unpack(tarGz: gzip(writer.bytes), limits: Self.limits)
        }
        #expect(try unpack(tarGz: gzip(writer.bytes)).files.count == 1)
    }
}
