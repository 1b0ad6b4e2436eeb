import Archive
import Testing
import TestSupport

/// Every hostile archive below must fail with its own specific error and yield no tree.
@Suite(.ownThread) struct SafetyPolicyTests {
    /// Builds `pkg/ok` followed by whatever `hostile` writes, returning the gzipped archive and
    /// the offset where the hostile part starts.
    static func archive(_ hostile: (inout TarWriter) -> Void) -> (gz: [UInt8], offset: Int) {
        var writer = TarWriter()
        writer.directory("pkg")
        writer.file("pkg/ok", "fine\n")
        let offset = writer.offset
        hostile(&writer)
        writer.end()
        return (gzip(writer.bytes), offset)
    }

    static func expectRefusal(
        _ expected: (Int) -> UnsafeEntryError, sourceLocation: SourceLocation = #_sourceLocation,
        _ hostile: (inout TarWriter) -> Void
    ) {
        let (gz, offset) = archive(hostile)
        let error = expected(offset)
        #expect(throws: error, sourceLocation: sourceLocation) { _ = try unpack(tarGz: gz) }
        #expect(error.description.contains("refusing"), sourceLocation: sourceLocation)
        #expect(error.description.contains("obtain a clean copy"), sourceLocation: sourceLocation)
    }

    @Test func absolutePath() {
        Self.expectRefusal({ .absolutePath(path: "/etc/cron.d/evil", offset: $0) }) {
            $0.file("/etc/cron.d/evil", "x")
        }
    }

    @Test func parentTraversal() {
        Self.expectRefusal({ .parentTraversal(path: "pkg/../../evil", offset: $0) }) {
            $0.file("pkg/../../evil", "x")
        }
        Self.expectRefusal({ .parentTraversal(path: "pkg/sub/../", offset: $0) }) {
            $0.directory("pkg/sub/..")
        }
    }

    @Test func symlinkWithAbsoluteTarget() {
        Self.expectRefusal({ .symlinkAbsoluteTarget(path: "pkg/etc", offset: $0, target: "/etc") }) {
            $0.symlink("pkg/etc", to: "/etc")
        }
    }

    @Test func symlinkEscapingTheTree() {
        Self.expectRefusal({ .symlinkEscapesTree(path: "pkg/up", offset: $0, target: "../../outside") }) {
            $0.symlink("pkg/up", to: "../../outside")
        }
        Self.expectRefusal({ .symlinkEscapesTree(path: "top", offset: $0, target: "..") }) {
            $0.symlink("top", to: "..")
        }
    }

    @Test func symlinkClimbingAfterAName() {
        Self.expectRefusal({ .symlinkClimbsAfterName(path: "pkg/l", offset: $0, target: "sub/../../x") }) {
            $0.symlink("pkg/l", to: "sub/../../x")
        }
    }

    @Test func symlinksInsideTheTreeAreAccepted() throws {
        let (gz, _) = Self.archive {
            $0.symlink("pkg/same-dir", to: "ok")
            $0.symlink("pkg/deep/up", to: "../ok")
            $0.symlink("pkg/root", to: "..")
        }
        let tree = try unpack(tarGz: gz)
        #expect(tree.files.compactMap(\.symlinkTarget) == ["../ok", "..", "ok"])
        // pkg/root points at the archive root, above pkg, so pkg must not be stripped.
        #expect(tree.strippedDirectory == nil)
    }

    @Test func hardlinkOutsideTheTree() {
        Self.expectRefusal({ .hardlinkOutsideTree(path: "pkg/passwd", offset: $0, target: "/etc/passwd") }) {
            $0.hardlink("pkg/passwd", to: "/etc/passwd")
        }
        Self.expectRefusal({ .hardlinkOutsideTree(path: "pkg/x", offset: $0, target: "pkg/../../x") }) {
            $0.hardlink("pkg/x", to: "pkg/../../x")
        }
    }

    @Test func hardlinkToAnEntryNotYetSeen() {
        Self.expectRefusal({ .hardlinkTargetUnknown(path: "pkg/early", offset: $0, target: "pkg/later") }) {
            $0.hardlink("pkg/early", to: "pkg/later")
            $0.file("pkg/later", "x")
        }
        Self.expectRefusal({ .hardlinkTargetUnknown(path: "pkg/dirlink", offset: $0, target: "pkg") }) {
            $0.hardlink("pkg/dirlink", to: "pkg")
        }
    }

    @Test func devicesAndFifos() {
        Self.expectRefusal({ .deviceFile(path: "pkg/tty", offset: $0, kind: .characterDevice) }) {
            $0.entry("pkg/tty", typeflag: "3")
        }
        Self.expectRefusal({ .deviceFile(path: "pkg/sda", offset: $0, kind: .blockDevice) }) {
            $0.entry("pkg/sda", typeflag: "4")
        }
        Self.expectRefusal({ .fifo(path: "pkg/pipe", offset: $0) }) {
            $0.entry("pkg/pipe", typeflag: "6")
        }
    }

    @Test func unsupportedEntryType() {
        Self.expectRefusal({ .unsupportedType(path: "pkg/sparse", offset: $0, kind: .other(typeflag: UInt8(ascii: "S"))) }) {
            $0.entry("pkg/sparse", typeflag: "S")
        }
    }

    @Test func duplicatePaths() {
        Self.expectRefusal({ .duplicateEntry(path: "pkg/ok", offset: $0) }) {
            $0.file("pkg/ok", "overwritten\n")
        }
        Self.expectRefusal({ .duplicateEntry(path: "./pkg//ok", offset: $0) }) {
            $0.symlink("./pkg//ok", to: "elsewhere")
        }
        Self.expectRefusal({ .duplicateEntry(path: "pkg/ok/", offset: $0) }) {
            $0.directory("pkg/ok")
        }
        // A symlink may not replace a directory that earlier paths already implied.
        Self.expectRefusal({ .duplicateEntry(path: "pkg/sub", offset: $0 + 1024) }) {
            $0.file("pkg/sub/file", "x")
            $0.symlink("pkg/sub", to: "ok")
        }
    }

    @Test func repeatedDirectoryEntriesAreHarmless() throws {
        let (gz, _) = Self.archive { $0.directory("pkg") }
        #expect(try unpack(tarGz: gz).files.map(\.path) == ["ok"])
    }

    @Test func entryBelowASymlink() {
        Self.expectRefusal({ .belowSymlink(path: "pkg/alias/evil", offset: $0 + 512, symlink: "pkg/alias") }) {
            $0.symlink("pkg/alias", to: ".")
            $0.file("pkg/alias/evil", "x")
        }
    }

    @Test func entryBelowAFile() {
        Self.expectRefusal({ .belowFile(path: "pkg/ok/inner", offset: $0, file: "pkg/ok") }) {
            $0.file("pkg/ok/inner", "x")
        }
    }

    @Test func invalidNames() {
        Self.expectRefusal({ .invalidPath(path: "pkg/\u{FFFD}", offset: $0 + 1024, reason: "the name is not valid UTF-8") }) {
            $0.metadata(typeflag: "L", [UInt8]("pkg/".utf8) + [0xFF, 0])
            $0.file("pkg/placeholder", "x")
        }
        Self.expectRefusal({ .invalidPath(path: "pkg/a\u{0}b", offset: $0 + 1024, reason: "the name contains a NUL byte") }) {
            $0.pax([("path", "pkg/a\u{0}b")])
            $0.file("pkg/placeholder", "x")
        }
        Self.expectRefusal({ .invalidPath(path: "pkg/l", offset: $0 + 1024, reason: "the link target contains a NUL byte") }) {
            $0.pax([("linkpath", "ok\u{0}/../../etc")])
            $0.symlink("pkg/l", to: "placeholder")
        }
    }
}
