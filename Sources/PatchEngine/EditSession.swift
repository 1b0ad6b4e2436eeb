import Archive
import Foundation
import GitStore

/// The quilt-like maintenance loop: `edit` lays out a work tree at a patch's
/// declared base with the patch applied; `refresh` turns the edited tree back into
/// `patches/<feature>.patch`, keeping the patch's header.
public enum EditSession {
    static let markerFile = "qmailkit-edit"

    /// Writes `directory`: a git repository whose first commit is the patch's base
    /// and whose second commit (and work tree) is the patch applied to it.
    public static func start(patch: LoadedPatch, applier: SeriesApplier, patchFileURL: URL,
                             directory: URL, commitTime: Int64) throws {
        try ResultRepository(destination: directory).requireFreeDestination()
        if let data = FileManager.default.contents(atPath: patchFileURL.path), let format = Compression.detect(data) {
            throw PatchEngineError.notEditable(file: patch.file, reason: "it is \(format.rawValue)-compressed and refresh writes "
                + "a plain patch; decompress it into patches/ and point the recipe entry at the copy")
        }
        let base = try applier.baseTree(patch.metadata.baseFeatures)
        let plan = SeriesPlan(steps: [.init(feature: patch.metadata.feature, patchName: patch.name, resolves: patch.metadata.resolves)],
                              addedByRequirement: [])
        let single = SeriesApplier(catalog: applier.catalog, pristine: base, fuzz: applier.fuzz)
        let result = try single.run(plan)
        let baseName = ([patch.metadata.baseSource] + patch.metadata.baseFeatures).joined(separator: " + ")
        try ResultRepository(destination: directory).write(result, sourceName: baseName, commitTime: commitTime)
        let marker = "feature=\(patch.metadata.feature)\npatch=\(patchFileURL.path)\n"
        try Data(marker.utf8).write(to: directory.appendingPathComponent(".git").appendingPathComponent(markerFile))
    }

    /// Rewrites the patch file from the edited work tree; returns the new patch bytes.
    @discardableResult
    public static func refresh(directory: URL) throws -> (patchFile: URL, bytes: [UInt8]) {
        let markerURL = directory.appendingPathComponent(".git").appendingPathComponent(markerFile)
        guard let marker = try? String(contentsOf: markerURL, encoding: .utf8),
              let line = marker.split(separator: "\n").first(where: { $0.hasPrefix("patch=") }) else {
            throw PatchEngineError.io("\(directory.path) was not made by 'qmailkit edit' (no .git/\(markerFile))")
        }
        let patchURL = URL(fileURLWithPath: String(line.dropFirst("patch=".count)))
        guard let original = FileManager.default.contents(atPath: patchURL.path) else {
            throw PatchEngineError.io("cannot read \(patchURL.path)")
        }
        let repository = try GitRepository.open(at: directory)
        let baseCommit: ObjectID
        do {
            baseCommit = try repository.resolve("refs/tags/pristine")
        } catch {
            throw PatchEngineError.io("\(directory.path) has lost its 'pristine' tag; run 'qmailkit edit' again")
        }
        let baseTree = try repository.tree(ofCommit: baseCommit)
        let edited = try repository.writeTree(try GitRepository.treeFromDirectory(directory))
        let bytes = headerBytes(of: [UInt8](original)) + (try repository.diff(from: baseTree, to: edited))
        let scratch = patchURL.deletingLastPathComponent().appendingPathComponent(".\(patchURL.lastPathComponent).new")
        try Data(bytes).write(to: scratch)
        try replaceAtomically(patchURL, with: scratch)
        return (patchURL, bytes)
    }

    /// Everything before the first diff line of a patch file: its DEP-3 header.
    static func headerBytes(of patch: [UInt8]) -> [UInt8] {
        var start = 0
        while start < patch.count {
            let end = patch[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? patch.count
            let line = patch[start..<end]
            if line.starts(with: Array("diff ".utf8)) || line.starts(with: Array("--- ".utf8))
                || line.starts(with: Array("Index: ".utf8)) {
                return Array(patch[..<start])
            }
            start = end
        }
        return patch
    }
}
