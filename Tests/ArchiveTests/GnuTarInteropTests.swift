import Archive
import Foundation
import Testing
import TestSupport


/// Every file and symlink under `root`, keyed by relative path, as our reader should see them.
func filesOnDisk(_ root: URL) throws -> [SourceFile] {
    let manager = FileManager.default
    var files: [SourceFile] = []
    for relative in try manager.subpathsOfDirectory(atPath: root.path) {
        let full = root.appendingPathComponent(relative).path
        let attributes = try manager.attributesOfItem(atPath: full)
        switch attributes[.type] as? FileAttributeType {
        case .typeSymbolicLink?:
            files.append(SourceFile(
                path: relative, contents: [], executable: false,
                symlinkTarget: try manager.destinationOfSymbolicLink(atPath: full)))
        case .typeRegular?:
            let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0
            files.append(SourceFile(
                path: relative, contents: [UInt8](try Data(contentsOf: URL(fileURLWithPath: full))),
                executable: mode & 0o111 != 0))
        default:
            continue
        }
    }
    return files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
}

let tarTool = "/usr/bin/tar"

@Suite(.ownThread, .enabled(if: FileManager.default.isExecutableFile(atPath: tarTool), "needs GNU tar at /usr/bin/tar"))
struct GnuTarInteropTests {
    @Test(arguments: ["gnu", "pax", "ustar"])
    func readsWhatGnuTarWrites(format: String) throws {
        let manager = FileManager.default
        let work = manager.temporaryDirectory.appendingPathComponent("archive-interop-\(UUID())")
        defer { try? manager.removeItem(at: work) }
        let project = work.appendingPathComponent("proj-2.3")
        let deep = project.appendingPathComponent(String(repeating: "subdirectory-", count: 5) + "x/inner")
        try manager.createDirectory(at: deep, withIntermediateDirectories: true)
        try manager.createDirectory(at: project.appendingPathComponent("empty"), withIntermediateDirectories: true)
        func write(_ relative: String, _ text: String, mode: Int) throws {
            let path = project.appendingPathComponent(relative).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            try manager.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
        try write("README", "hello\n", mode: 0o644)
        try write("build.sh", "#!/bin/sh\necho hi\n", mode: 0o755)
        try write(String(repeating: "subdirectory-", count: 5) + "x/inner/long-file-name-to-pass-one-hundred-bytes.c",
                  String(repeating: "/* filler */\n", count: 2000), mode: 0o644)
        try manager.createSymbolicLink(atPath: project.appendingPathComponent("README.link").path, withDestinationPath: "README")
        try manager.linkItem(atPath: project.appendingPathComponent("README").path,
                             toPath: project.appendingPathComponent("README.hard").path)

        let archive = work.appendingPathComponent("out.tar.gz").path
        _ = try Command.output(tarTool, ["--format=\(format)", "-czf", archive, "-C", work.path, "proj-2.3"])
        let tree = try unpack(tarGzAtPath: archive)
        #expect(tree.strippedDirectory == "proj-2.3")
        #expect(tree.files == (try filesOnDisk(project)))
    }
}

let netqmailTarball = QmailkitCache.netqmailTarball.path

@Test(.ownThread, .enabled(if: QmailkitCache.hasNetqmail, QmailkitCache.netqmailMissing),
      .enabled(if: FileManager.default.isExecutableFile(atPath: tarTool), "needs GNU tar"))
func unpacksTheRealNetqmailTarball() throws {
    let listing = try Command.output(tarTool, ["-tzf", netqmailTarball]).split(separator: "\n")
    let expectedCount = listing.filter { !$0.hasSuffix("/") }.count

    let tree = try unpack(tarGzAtPath: netqmailTarball)
    #expect(tree.strippedDirectory == "netqmail-1.06")
    #expect(tree.files.count == expectedCount)
    #expect(tree.file(at: "qmail-smtpd.c") != nil)

    // Contents and exec bits must match what GNU tar extracts.
    let manager = FileManager.default
    let work = manager.temporaryDirectory.appendingPathComponent("archive-netqmail-\(UUID())")
    try manager.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? manager.removeItem(at: work) }
    try Baseline.untar(QmailkitCache.netqmailTarball, into: work)
    #expect(tree.files == (try filesOnDisk(work.appendingPathComponent("netqmail-1.06"))))
}
