import Conformance
import Foundation
import PatchEngine
import QmailBuild
import TestSupport


/// The qmailkit binary built next to this test bundle.
let qmailkitBinary: URL = {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [directory, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("qmailkit")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return directory.appendingPathComponent("qmailkit")
}()

/// Sandbox builds (qmail-smtpd and qmail-remote, every qmail account mapped
/// to root) in one scratch folder per test process, removed at exit; each
/// selection is built once per process.
enum RealBuilds {
    /// Pristine netqmail-1.06 (no features).
    static let pristine: Result<BuildTarget, any Error> = Result {
        try Baseline.untar(QmailkitCache.netqmailTarball, into: try scratch())
        let tree = try scratch().appendingPathComponent("netqmail-1.06")
        return try build(tree, treeIdentity: try DirectoryHash.identity(of: tree), patches: [], name: "pristine")
    }

    /// netqmail-1.06 with auth and tls, patched by `qmailkit patch` (so the
    /// provenance names the patches, as for a user's build).
    static let authTLS: Result<BuildTarget, any Error> = Result { try patched("auth,tls") }

    /// tls, auth and forcetls, the README's selection.
    static let tlsAuthForceTLS: Result<BuildTarget, any Error> = Result { try patched("tls,auth,forcetls") }

    /// Every feature: what the random-session sweep compares with the engine.
    static let combined: Result<BuildTarget, any Error> = Result {
        try patched("auth,tls,forcetls,liberal-lf,maxrcpt,empf")
    }

    private static func patched(_ features: String) throws -> BuildTarget {
        let name = features.replacingOccurrences(of: ",", with: "-")
        let tree = try scratch().appendingPathComponent(name)
        let patch = Process()
        patch.executableURL = qmailkitBinary
        patch.arguments = ["patch", "--with", features, "-o", tree.path]
        patch.standardOutput = FileHandle.nullDevice
        try patch.run()
        patch.waitUntilExit()
        guard patch.terminationStatus == 0 else { throw BuildTarget.SetupError(description: "qmailkit patch --with \(features) failed") }
        let described = try PatchedTree.read(tree)
        return try build(tree, treeIdentity: described.treeID,
                         patches: described.patches.map { AppliedPatch(name: $0.patchFile, sha256: $0.canonicalSHA256) },
                         name: name)
    }

    private static func build(_ tree: URL, treeIdentity: String, patches: [AppliedPatch], name: String) throws -> BuildTarget {
        let options = BuildOptions(testUsers: TestUsers(user: "root"), sandbox: try scratch().appendingPathComponent("\(name)-home"),
                                   jobs: 2, targets: ["qmail-smtpd", "qmail-remote"])
        let request = BuildRequest(tree: tree, treeIdentity: treeIdentity, output: try scratch().appendingPathComponent("\(name)-build"),
                                   options: options, patches: patches)
        let result = try QmailBuilder.build(request)
        return try BuildTarget(buildDirectory: result.provenanceFile.deletingLastPathComponent())
    }

    private static let folder: Result<URL, any Error> = Result {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        folderToRemove = url.path
        atexit { if let path = RealBuilds.folderToRemove { try? FileManager.default.removeItem(atPath: path) } }
        return url
    }
    nonisolated(unsafe) private static var folderToRemove: String?

    private static func scratch() throws -> URL { try folder.get() }
}
