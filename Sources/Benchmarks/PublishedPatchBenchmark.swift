import Foundation
import GitStore
import PatchEngine
import Recipes

/// `published`: one large combined patch, as sites download them (many files,
/// thousands of hunks, about 800 KB), applied by qmailkit as a one-entry recipe
/// (unpack, parse, apply in memory, write the result repository) against
/// `tar xzf` + `patch -p1` of the same file.
struct PublishedPatchBenchmark {
    static let target = 1.5
    static let wantedSize = 800 * 1024

    let fixture: Fixture
    let stopwatch: Stopwatch

    func run() throws -> Report {
        let pristine = try fixture.source.unpack(fixture.tarball).files
        let (patch, period) = try Self.generate(from: pristine)
        let project = try stopwatch.scratch.fresh("published-project")
        try FileManager.default.createDirectory(at: project.appendingPathComponent("recipes"), withIntermediateDirectories: true)
        let patchFile = project.appendingPathComponent("published.patch")
        try Data(patch).write(to: patchFile)
        try Data("name: published\nbase: \(fixture.source.definition.name)\npatches:\n  - {name: published, file: published.patch}\n".utf8)
            .write(to: project.appendingPathComponent("recipes/published.yaml"))
        let recipe = try Project(root: project).recipe("published", workingDirectory: project)

        let name = fixture.source.definition.name
        let loop = "tar xzf \(Shell.quote(fixture.tarball.path)) && cd \(Shell.quote(name)) && patch -p1 -s < \(Shell.quote(patchFile.path))"
        var hunks = 0
        let samples = try stopwatch.compare("published", [
            { directory in
                let tree = try fixture.source.unpack(fixture.tarball)
                let catalog = try PatchCatalog(project: Project(root: project), recipe: recipe)
                let result = try SeriesApplier(catalog: catalog, pristine: FileTree(tree.files))
                    .run(catalog.planner.plan(selecting: catalog.features))
                hunks = result.steps.first?.report.hunkCount ?? 0
                try ResultRepository(destination: directory.appendingPathComponent("result"))
                    .write(result, sourceName: name, commitTime: 0)
            },
            { directory in try Shell.run(loop, in: directory) },
        ])
        var report = Report.relative("published", measured: "qmailkit patch (one \(patch.count / 1024) KB patch)",
                                     baseline: "baseline tar xzf + patch -p1", samples: samples, limit: Self.target)
        report.notes.append("generated patch: \(patch.count) bytes, \(hunks) hunks, a line changed every \(period) lines "
                            + "of every text file of \(name)")
        try stopwatch.scratch.remove(project)
        return report
    }

    /// A git diff of `files` with one line in every `period` changed in each text
    /// file, `period` chosen so that the diff is about `wantedSize` bytes.
    static func generate(from files: [TreeFile]) throws -> (patch: [UInt8], period: Int) {
        let repository = try GitRepository.inMemory()
        let before = try repository.writeTree(files)
        var best: (patch: [UInt8], period: Int)?
        for period in [6, 8, 10, 12, 16, 20, 30, 40] {
            let changed = files.map { file -> TreeFile in
                guard file.mode != .symlink, !file.contents.contains(0) else { return file }
                var lines = file.contents.split(separator: 0x0A, omittingEmptySubsequences: false)
                for index in stride(from: period / 2, to: lines.count - 1, by: period) {
                    lines[index] = ArraySlice(Array("/* published change \(index) */".utf8))
                }
                return TreeFile(path: file.path, contents: Array(lines.joined(separator: [0x0A])), mode: file.mode)
            }
            let patch = try repository.diff(from: before, to: try repository.writeTree(changed))
            if best == nil || abs(patch.count - wantedSize) < abs(best!.patch.count - wantedSize) { best = (patch, period) }
            if patch.count < wantedSize { break }
        }
        return best!
    }
}
