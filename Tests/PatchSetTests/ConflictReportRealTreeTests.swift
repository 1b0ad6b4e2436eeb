import DiffFormat
import Foundation
import PatchEngine
import RealBuildSupport
import Recipes
import SourceFetch
import SourceImport
import Testing
import TestSupport

/// Our auth.patch and tls.patch are both written against pristine netqmail-1.06
/// and overlap (patches/resolutions/tls-on-auth.patch exists for that reason).
/// Without the resolution, the conflict report on the real qmail-smtpd.c must
/// list the places git's merge leaves conflicted, and only those, each in the
/// function that holds it.
@Suite(.ownThread, realTree) struct ConflictReportRealTreeTests {
    static let root = PatchedBuild.projectRoot

    @Test func ourAuthAndTlsPatchesWithoutTheirResolution() throws {
        let scratch = try ScratchDirectory.make("conflict-report")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for path in ["recipes/sources/netqmail-1.06.yaml", "patches/auth.patch", "patches/tls.patch"] {
            let target = scratch.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Self.root.appendingPathComponent(path), to: target)
        }
        try Data("name: overlap\nbase: netqmail-1.06\npatches: [auth, tls]\n".utf8)
            .write(to: scratch.appendingPathComponent("recipes/overlap.yaml"))
        let project = Project(root: scratch)
        let catalog = try PatchCatalog(project: project, recipe: try project.recipe("overlap", workingDirectory: scratch))
        let source = PristineSource(definition: try project.source(named: "netqmail-1.06"),
                                    cache: try SourceCache(environment: ProcessInfo.processInfo.environment))
        let pristine = FileTree(try source.unpack(try #require(try source.cachedTarball())).files)

        let report: ConflictReport
        do {
            _ = try SeriesApplier(catalog: catalog, pristine: pristine).run(catalog.planner.plan(selecting: ["auth", "tls"]))
            Issue.record("auth and tls without their resolution should collide")
            return
        } catch let PatchEngineError.conflicts(conflict) {
            report = conflict
        }
        #expect(report.patch == "tls")
        #expect(report.collidesWith == ["auth"])
        let smtpd = try #require(report.files.first { $0.path == "qmail-smtpd.c" })
        // As many places as git's own merge marks, file by file.
        for file in report.files {
            let markers = String(decoding: file.diff3, as: UTF8.self).split(separator: "\n")
                .filter { $0.hasPrefix("<<<<<<< ") }.count
            #expect(file.regions.count == markers, "\(file.path)")
        }
        #expect(!smtpd.regions.isEmpty)
        #expect(report.description.split(separator: "\n").count < 600, "the report stays readable")

        // Each place is in the function a reader of qmail's C finds: the nearest
        // definition above it (a line starting a definition at column 0) is not
        // closed (a `}` at column 0, or on the definition's own line) before the place.
        for file in report.files where file.path.hasSuffix(".c") {
            let lines = String(decoding: try #require(pristine[file.path]).contents, as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for region in file.regions {
                let place = try #require(region.place)
                let insertion = region.baseLines.count == 0
                let start = insertion ? region.baseLines.first - 1 : region.baseLines.first
                var enclosing: String?
                for number in stride(from: start, through: 1, by: -1) {
                    let line = lines[number - 1]
                    if line.hasPrefix("}"), insertion || number < start { break }
                    if let open = line.firstIndex(of: "("), line.first?.isLetter == true, !line.hasPrefix("struct"),
                       !line.contains("=") {
                        if !line.hasSuffix("}") {
                            enclosing = line[..<open].split(separator: " ").last.map { String($0.drop { $0 == "*" }) }
                        }
                        break
                    }
                }
                let expected = enclosing.map { [$0] } ?? []
                #expect(place.functions == expected, "\(file.path) \(region.baseLines): \(place)")
            }
        }
        // The EHLO reply is where both patches add a line: a place in smtp_ehlo.
        #expect(smtpd.regions.contains { $0.place?.functions == ["smtp_ehlo"] })
        #expect(report.files.first { $0.path == "qmail-remote.c" }?.regions.contains { $0.place?.functions == ["smtp"] } == true)
    }
}
