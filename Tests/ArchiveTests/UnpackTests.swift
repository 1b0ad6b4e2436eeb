import Archive
import Foundation
import Testing
import TestSupport

@Suite(.ownThread) struct UnpackTests {
    static let longName = String(repeating: "nested-directory/", count: 7) + "deeply-buried-source-file.c"

    static func projectArchive(longNames: TarWriter.LongNames = .gnu) -> [UInt8] {
        var writer = TarWriter(longNames: longNames)
        writer.directory("proj-1.0")
        writer.file("proj-1.0/README", "read me\n")
        writer.directory("proj-1.0/src")
        writer.file("proj-1.0/src/main.c", "int main(void) { return 0; }\n")
        writer.file("proj-1.0/install.sh", "#!/bin/sh\n", mode: 0o755)
        writer.file("proj-1.0/owner-exec-only", "x", mode: 0o700)
        writer.directory("proj-1.0/empty")
        writer.symlink("proj-1.0/src/readme-link", to: "../README")
        writer.file("proj-1.0/" + longName, [UInt8](repeating: 0x5A, count: 3000))
        writer.hardlink("proj-1.0/main-copy.c", to: "proj-1.0/src/main.c")
        writer.end()
        return writer.bytes
    }

    static let expectedFiles = [
        SourceFile(path: "README", contents: Array("read me\n".utf8), executable: false),
        SourceFile(path: "install.sh", contents: Array("#!/bin/sh\n".utf8), executable: true),
        SourceFile(path: "main-copy.c", contents: Array("int main(void) { return 0; }\n".utf8), executable: false),
        SourceFile(path: longName, contents: [UInt8](repeating: 0x5A, count: 3000), executable: false),
        SourceFile(path: "owner-exec-only", contents: Array("x".utf8), executable: true),
        SourceFile(path: "src/main.c", contents: Array("int main(void) { return 0; }\n".utf8), executable: false),
        SourceFile(path: "src/readme-link", contents: [], executable: false, symlinkTarget: "../README"),
    ]

    @Test(arguments: [TarWriter.LongNames.gnu, .pax])
    func roundTripStripsTheTopDirectory(longNames: TarWriter.LongNames) throws {
        let tree = try unpack(tarGz: gzip(Self.projectArchive(longNames: longNames)))
        #expect(tree.strippedDirectory == "proj-1.0")
        #expect(tree.files == Self.expectedFiles)
        #expect(tree.file(at: "src/main.c")?.contents == Array("int main(void) { return 0; }\n".utf8))
        #expect(tree.file(at: "empty") == nil)
    }

    @Test(arguments: [1, 7, 512, Int.max])
    func anyCompressedChunking(chunkSize: Int) throws {
        let unpacker = try TarGzUnpacker()
        let gz = gzip(Self.projectArchive())
        for chunk in chunks(gz, of: chunkSize) { try unpacker.feed(chunk) }
        #expect(unpacker.compressedBytesConsumed == gz.count)
        #expect(try unpacker.finish().files == Self.expectedFiles)
    }

    @Test func concatenatedGzipMembers() throws {
        let tar = Self.projectArchive()
        let gz = gzip(Array(tar.prefix(1234))) + gzip(Array(tar.dropFirst(1234)))
        #expect(try unpack(tarGz: gz).files == Self.expectedFiles)
    }

    @Test func nothingIsStrippedWithoutASingleTopDirectory() throws {
        var writer = TarWriter()
        writer.file("a/x", "1")
        writer.file("b/y", "2")
        writer.end()
        let tree = try unpack(tarGz: gzip(writer.bytes))
        #expect(tree.strippedDirectory == nil)
        #expect(tree.files.map(\.path) == ["a/x", "b/y"])

        var single = TarWriter()
        single.file("only-file", "1")
        single.end()
        let flat = try unpack(tarGz: gzip(single.bytes))
        #expect(flat.strippedDirectory == nil)
        #expect(flat.files.map(\.path) == ["only-file"])
    }

    @Test func dotSlashNamesAsGnuTarWritesWithDashC() throws {
        var writer = TarWriter()
        writer.directory("./")
        writer.directory("./pkg")
        writer.file("./pkg/a", "1")
        writer.end()
        let tree = try unpack(tarGz: gzip(writer.bytes))
        #expect(tree.strippedDirectory == "pkg")
        #expect(tree.files.map(\.path) == ["a"])
    }

    @Test func truncatedAndCorruptGzipThroughUnpack() throws {
        let gz = gzip(Self.projectArchive())
        #expect(throws: GzipError.truncatedStream(offset: gz.count - 8)) { _ = try unpack(tarGz: Array(gz.dropLast(8))) }
        var corrupt = gz
        corrupt[gz.count / 2] ^= 0xFF
        let error = try #require(throws: GzipError.self) { _ = try unpack(tarGz: corrupt) }
        guard case .corruptStream = error else { Issue.record("wrong error \(error)"); return }
    }

    @Test func corruptTarChecksumThroughUnpack() throws {
        var tar = Self.projectArchive()
        tar[512 * 3 + 3] ^= 1  // the third header (proj-1.0/src/)
        let error = try #require(throws: TarFormatError.self) { _ = try unpack(tarGz: gzip(tar)) }
        #expect(error.description.hasPrefix("corrupt tar header at offset 1536: checksum mismatch"))
    }

    @Test func unpacksAFileWithProgress() throws {
        var big = TarWriter()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let noise = (0..<400_000).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        big.file("pkg/random", noise)
        big.end()
        let gz = gzip(big.bytes)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("archive-test-\(UUID()).tar.gz").path
        try Data(gz).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        var reports: [Int] = []
        let tree = try unpack(tarGzAtPath: path) { reports.append($0) }
        #expect(tree.files.map(\.path) == ["random"])
        #expect(tree.files[0].contents.count == 400_000)
        #expect(reports.count > 1)
        #expect(reports == reports.sorted())
        #expect(reports.last == gz.count)
    }

    @Test func missingFileIsACleanError() {
        #expect(throws: UnpackError.cannotRead(path: "/nonexistent/x.tar.gz", reason: "No such file or directory")) {
            _ = try unpack(tarGzAtPath: "/nonexistent/x.tar.gz")
        }
    }
}
