import Archive
import Testing
import TestSupport

/// Reads `archive` through a fresh reader in chunks of `chunkSize`, then finishes.
func readAll(_ archive: [UInt8], chunkSize: Int = Int.max, limits: ArchiveLimits = .default) throws -> [TarEntry] {
    var reader = TarReader(limits: limits)
    var entries: [TarEntry] = []
    for chunk in chunks(archive, of: chunkSize) { entries += try reader.feed(chunk) }
    try reader.finish()
    return entries
}

@Suite(.ownThread) struct TarReaderTests {
    static let longDirectory = String(repeating: "long-directory-name/", count: 6)  // 120 bytes
    static let longName = longDirectory + "file-with-a-long-name.c"

    static func sampleArchive(format: TarWriter.Format, longNames: TarWriter.LongNames) -> [UInt8] {
        var writer = TarWriter(format: format, longNames: longNames)
        writer.directory("pkg")
        writer.file("pkg/README", "hello\n")
        writer.file("pkg/configure", "#!/bin/sh\nexit 0\n", mode: 0o755)
        writer.file("pkg/" + longName, [UInt8](repeating: 0x41, count: 1000))
        writer.symlink("pkg/link", to: "README")
        writer.symlink("pkg/long-link", to: longName)
        writer.hardlink("pkg/hard", to: "pkg/README")
        writer.file("pkg/empty", "")
        writer.end()
        return writer.bytes
    }

    @Test(arguments: [1, 7, 512, 513, Int.max], [TarWriter.LongNames.gnu, .pax])
    func readsEveryKindInAnyChunking(chunkSize: Int, longNames: TarWriter.LongNames) throws {
        let entries = try readAll(Self.sampleArchive(format: .ustar, longNames: longNames), chunkSize: chunkSize)
        #expect(entries.map(\.path) == [
            "pkg", "pkg/README", "pkg/configure", "pkg/" + Self.longName, "pkg/link", "pkg/long-link", "pkg/hard",
            "pkg/empty",
        ])
        #expect(entries.map(\.kind) == [
            .directory, .regularFile, .regularFile, .regularFile, .symbolicLink, .symbolicLink, .hardLink, .regularFile,
        ])
        #expect(entries[1].contents == Array("hello\n".utf8))
        #expect(entries[2].mode == 0o755)
        #expect(entries[3].contents == [UInt8](repeating: 0x41, count: 1000))
        #expect(entries[4].linkTarget == "README")
        #expect(entries[5].linkTarget == Self.longName)
        #expect(entries[6].linkTarget == "pkg/README")
        #expect(entries[7].contents.isEmpty)
    }

    @Test func readsOldGnuHeaders() throws {
        let entries = try readAll(Self.sampleArchive(format: .gnu, longNames: .gnu))
        #expect(entries.count == 8)
        #expect(entries[3].path == "pkg/" + Self.longName)
    }

    @Test func ustarPrefixFieldIsJoined() throws {
        // A 155-byte prefix and 100-byte name, written by hand into the header.
        var writer = TarWriter()
        writer.file("name.txt", "x")
        writer.end()
        var archive = writer.bytes
        let prefix = Array("some/prefix/dir".utf8)
        archive.replaceSubrange(345..<(345 + prefix.count), with: prefix)
        rewriteChecksum(&archive, headerAt: 0)
        #expect(try readAll(archive).map(\.path) == ["some/prefix/dir/name.txt"])
    }

    @Test func paxSizeOverridesHeaderSize() throws {
        var writer = TarWriter()
        writer.pax([("size", "3")])
        writer.entry("short", typeflag: "0", data: Array("abc".utf8), declaredSize: 999)
        writer.file("next", "zz")
        writer.end()
        let entries = try readAll(writer.bytes)
        #expect(entries.map(\.path) == ["short", "next"])
        #expect(entries[0].contents == Array("abc".utf8))
        #expect(entries[1].contents == Array("zz".utf8))
    }

    @Test func paxGlobalPathAppliesToEveryLaterEntry() throws {
        var writer = TarWriter()
        writer.pax([("path", "global/default-name")], global: true)
        writer.file("first", "a")
        let second = writer.offset
        writer.file("second", "b")
        writer.end()
        // Both entries take the global path, so the second would overwrite the first.
        #expect(throws: UnsafeEntryError.duplicateEntry(path: "global/default-name", offset: second)) {
            _ = try readAll(writer.bytes)
        }
    }

    @Test func paxEmptyValueFallsBackToHeader() throws {
        var writer = TarWriter()
        writer.pax([("path", "global/name")], global: true)
        writer.pax([("path", "")])
        writer.file("own-name", "a")
        writer.end()
        #expect(try readAll(writer.bytes).map(\.path) == ["own-name"])
    }

    @Test func metadataMustDescribeAnEntry() throws {
        // git archive starts with a global header; an archive of nothing but that is complete.
        var globalOnly = TarWriter()
        globalOnly.pax([("comment", "0123abcd")], global: true)
        globalOnly.end()
        #expect(try readAll(globalOnly.bytes).isEmpty)

        var dangling = TarWriter()
        dangling.pax([("path", "lost")])
        let end = dangling.offset
        dangling.end()
        let error = try #require(throws: TarFormatError.self) { _ = try readAll(dangling.bytes) }
        #expect(error == .corruptHeader(offset: end, reason: "end-of-archive marker right after the metadata record at 0"))

        var cut = TarWriter()
        cut.metadata(typeflag: "L", Array("a-long-name".utf8) + [0])
        #expect(throws: TarFormatError.truncated(offset: 1024, reason: "after a metadata record, before its entry")) {
            _ = try readAll(cut.bytes)
        }
    }

    @Test func v7DirectoryByTrailingSlash() throws {
        var writer = TarWriter()
        writer.entry("dir/", typeflag: "0")
        writer.end()
        #expect(try readAll(writer.bytes).map(\.kind) == [.directory])
    }

    @Test(arguments: [1, 100, 511, Int.max])
    func checksumMismatchNamesTheOffset(chunkSize: Int) throws {
        var writer = TarWriter()
        writer.file("a", [UInt8](repeating: 1, count: 9000))
        let second = writer.offset
        writer.file("b", "b")
        writer.end()
        var archive = writer.bytes
        archive[second + 10] ^= 0x20
        let error = try #require(throws: TarFormatError.self) { _ = try readAll(archive, chunkSize: chunkSize) }
        guard case let .corruptHeader(offset, reason) = error else { Issue.record("wrong error \(error)"); return }
        #expect(offset == second)
        #expect(reason.hasPrefix("checksum mismatch"))
        #expect(error.description.hasPrefix("corrupt tar header at offset \(second): checksum mismatch"))
    }

    @Test func nonOctalSizeIsCorrupt() throws {
        var writer = TarWriter()
        writer.file("a", "a")
        writer.end()
        var archive = writer.bytes
        archive[125] = UInt8(ascii: "9")
        rewriteChecksum(&archive, headerAt: 0)
        #expect(throws: TarFormatError.corruptHeader(offset: 0, reason: "size field is not an octal number")) {
            _ = try readAll(archive)
        }
    }

    @Test func malformedPaxRecordIsCorruptMetadata() throws {
        var writer = TarWriter()
        writer.metadata(typeflag: "x", Array("99 path=x\n".utf8))
        writer.file("a", "a")
        writer.end()
        let error = try #require(throws: TarFormatError.self) { _ = try readAll(writer.bytes) }
        guard case .corruptMetadata(offset: 0, _) = error else { Issue.record("wrong error \(error)"); return }
    }

    @Test func missingEndMarkerAndTruncationAreDistinct() throws {
        var writer = TarWriter()
        writer.file("a", [UInt8](repeating: 7, count: 700))
        let complete = writer.bytes
        #expect(throws: TarFormatError.missingEndOfArchive(offset: complete.count)) { _ = try readAll(complete) }
        let cut = Array(complete.prefix(900))
        #expect(throws: TarFormatError.truncated(offset: 900, reason: "inside an entry's data")) { _ = try readAll(cut) }
        let halfHeader = Array(complete.prefix(200))
        #expect(throws: TarFormatError.truncated(offset: 200, reason: "inside a header block")) {
            _ = try readAll(halfHeader)
        }
    }

    @Test func loneZeroBlockAtEndIsAcceptedButNotMidArchive() throws {
        var writer = TarWriter()
        writer.file("a", "a")
        let zeroAt = writer.offset
        writer.raw([UInt8](repeating: 0, count: 512))
        #expect(try readAll(writer.bytes).map(\.path) == ["a"])
        writer.file("b", "b")
        writer.end()
        let error = try #require(throws: TarFormatError.self) { _ = try readAll(writer.bytes) }
        guard case let .corruptHeader(offset, reason) = error else { Issue.record("wrong error \(error)"); return }
        #expect(offset == zeroAt + 512)
        #expect(reason.contains("lone zero block at offset \(zeroAt)"))
    }

    @Test func dataAfterEndMarkerIsIgnoredWithinLimit() throws {
        var writer = TarWriter()
        writer.file("a", "a")
        writer.end()
        writer.raw(Array("trailing junk".utf8))
        var reader = TarReader()
        #expect(try reader.feed(writer.bytes).map(\.path) == ["a"])
        #expect(reader.isAtEnd)
        try reader.finish()
    }

    @Test func readerRethrowsAfterFailure() throws {
        var reader = TarReader()
        var header = TarWriter()
        header.file("/etc/passwd", "x")
        #expect(throws: UnsafeEntryError.self) { _ = try reader.feed(header.bytes) }
        #expect(throws: UnsafeEntryError.self) { _ = try reader.feed([UInt8](repeating: 0, count: 1024)) }
        #expect(throws: UnsafeEntryError.self) { try reader.finish() }
    }
}

/// Recomputes the checksum of the header at `start` after a test edited it.
func rewriteChecksum(_ archive: inout [UInt8], headerAt start: Int) {
    for index in 148..<156 { archive[start + index] = UInt8(ascii: " ") }
    let sum = archive[start..<(start + 512)].reduce(0) { $0 + Int($1) }
    let digits = Array(String(sum, radix: 8).utf8)
    let field = [UInt8](repeating: UInt8(ascii: "0"), count: 6 - digits.count) + digits + [0, UInt8(ascii: " ")]
    archive.replaceSubrange((start + 148)..<(start + 156), with: field)
}
