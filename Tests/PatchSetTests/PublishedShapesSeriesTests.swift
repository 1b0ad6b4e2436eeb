import Foundation
import GitStore
import PatchEngine
import RealBuildSupport
import Recipes
import SourceFetch
import SourceImport
import Testing
import TestSupport

/// Our own patch set re-shaped the ways published patches come (`-p0` with `.orig`
/// names, `diff -ruN ../../netqmail-1.06-original` with epoch creations and gzip,
/// bzip2 with its header, xz without one, `Index:` lines), described in the recipe
/// where the header is gone, against the real netqmail-1.06 tree: the series must
/// give exactly the tree of the plain series.
@Suite(.ownThread, realTree) struct PublishedShapesSeriesTests {
    static let root = PatchedBuild.projectRoot

    /// The git-style diff of one of our patches, without its DEP-3 header.
    static func body(of feature: String) throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent("patches/\(feature).patch"), encoding: .utf8)
        let start = try #require(text.range(of: "\ndiff --git "))
        return String(text[text.index(after: start.lowerBound)...])
    }

    /// The diff as plain `diff -u` output: no git lines, file names rewritten,
    /// creations as `diff -N` writes them when `epochCreations`.
    static func plainUnified(_ git: String, old: (String) -> String, new: (String) -> String,
                             epochCreations: Bool, indexLines: Bool = false) -> String {
        let lines = git.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var output: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let next = index + 1 < lines.count ? lines[index + 1] : ""
            if line.hasPrefix("diff --git ") || line.hasPrefix("index ") || line.hasPrefix("new file mode ") {
                index += 1
                continue
            }
            if line.hasPrefix("--- "), next.hasPrefix("+++ b/") {
                let path = String(next.dropFirst("+++ b/".count))
                if indexLines { output += ["Index: \(new(path))", String(repeating: "=", count: 67)] }
                let created = line == "--- /dev/null"
                output.append(created && !epochCreations ? line
                              : "--- \(old(path))" + (created ? "\t1970-01-01 00:00:00.000000000 +0000" : "\t2015-09-18 12:00:00.000000000 +0200"))
                output.append("+++ \(new(path))\t2015-09-18 12:00:00.000000000 +0200")
                index += 2
                continue
            }
            output.append(line)
            index += 1
        }
        return output.joined(separator: "\n")
    }

    static func compress(_ text: String, with tool: String) throws -> Data {
        Data(try Command.run(tool, ["-9", "-c"], input: Array(text.utf8)).stdout)
    }

    @Test func multiShapeSeriesGivesThePlainSeriesTree() throws {
        let project = Project(root: Self.root)
        let plainRecipe = try project.recipe("combined", workingDirectory: Self.root)
        let plainCatalog = try PatchCatalog(project: project, recipe: plainRecipe)
        let source = PristineSource(definition: try project.source(named: "netqmail-1.06"),
                                    cache: try SourceCache(environment: ProcessInfo.processInfo.environment))
        let tarball = try #require(try source.cachedTarball())
        let pristine = FileTree(try source.unpack(tarball).files)
        let plain = try SeriesApplier(catalog: plainCatalog, pristine: pristine)
            .run(plainCatalog.planner.plan(selecting: plainCatalog.features))

        let scratch = try ScratchDirectory.make("published-shapes")
        defer { try? FileManager.default.removeItem(at: scratch) }
        func write(_ path: String, _ data: Data) throws {
            let url = scratch.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("patches/resolutions").path) {
            try write("patches/resolutions/\(name)", try Data(contentsOf: Self.root.appendingPathComponent("patches/resolutions/\(name)")))
        }
        func metadata(_ feature: String) throws -> String {
            let known = try #require(plainCatalog.patches[feature]?.metadata)
            let base = ([known.baseSource] + known.baseFeatures).joined(separator: " + ")
            return "feature: \(feature), requires: [\(known.requires.joined(separator: ", "))], base: \(base)"
        }
        // auth: -p0, made next to .orig files.
        try write("published/auth-p0.diff", Data(Self.plainUnified(try Self.body(of: "auth"), old: { "\($0).orig" }, new: { $0 },
                                                                   epochCreations: false).utf8))
        // tls: the 2015 combined patch's shape, gzip-compressed.
        try write("published/tls-2015.patch.gz", try Self.compress(Self.plainUnified(
            try Self.body(of: "tls"), old: { "../../netqmail-1.06-original/\($0)" }, new: { "netqmail-1.06/\($0)" },
            epochCreations: true), with: "gzip"))
        // forcetls: our file as is (header included), bzip2-compressed under a neutral name.
        try write("published/forcetls.bin", try Self.compress(
            try String(contentsOf: Self.root.appendingPathComponent("patches/forcetls.patch"), encoding: .utf8), with: "bzip2"))
        // liberal-lf: xz, no header.
        try write("published/liberal-lf.patch.xz", try Self.compress(try Self.body(of: "liberal-lf"), with: "xz"))
        // maxrcpt: CVS/svn style, an Index: line before every file.
        try write("published/maxrcpt.diff", Data(Self.plainUnified(try Self.body(of: "maxrcpt"), old: { "netqmail-1.06.orig/\($0)" },
                                                                  new: { "netqmail-1.06/\($0)" }, epochCreations: true, indexLines: true).utf8))
        try write("published/empf.patch", Data(try Self.body(of: "empf").utf8))
        try write("published/msgid-log.patch", Data(try Self.body(of: "msgid-log").utf8))
        try write("recipes/shapes.yaml", Data("""
            name: shapes
            base: netqmail-1.06
            patches:
              - {name: auth-p0, file: published/auth-p0.diff, strip: 0, \(try metadata("auth"))}
              - {name: tls-2015, file: published/tls-2015.patch.gz, \(try metadata("tls"))}
              - {name: forcetls, file: published/forcetls.bin, \(try metadata("forcetls"))}
              - {name: liberal-lf, file: published/liberal-lf.patch.xz, \(try metadata("liberal-lf"))}
              - {name: maxrcpt, file: published/maxrcpt.diff, \(try metadata("maxrcpt"))}
              - {name: empf, file: published/empf.patch, \(try metadata("empf"))}
              - {name: msgid-log, file: published/msgid-log.patch, \(try metadata("msgid-log"))}

            """.utf8))
        let shapedProject = Project(root: scratch)
        let shapedCatalog = try PatchCatalog(project: shapedProject,
                                             recipe: try shapedProject.recipe("shapes", workingDirectory: scratch))
        #expect(shapedCatalog.features == plainCatalog.features)
        let shaped = try SeriesApplier(catalog: shapedCatalog, pristine: pristine)
            .run(shapedCatalog.planner.plan(selecting: shapedCatalog.features))
        #expect(shaped.steps.map(\.report.patchName) == plain.steps.map(\.report.patchName).map {
            ["auth": "auth-p0", "tls": "tls-2015"][$0] ?? $0
        })
        #expect(shaped.steps.map(\.report.canonicalSHA256) == plain.steps.map(\.report.canonicalSHA256),
                "the canonical form does not depend on the shape")
        let repository = try GitRepository.inMemory()
        #expect(try repository.writeTree(shaped.final.sortedFiles) == repository.writeTree(plain.final.sortedFiles))
    }
}
