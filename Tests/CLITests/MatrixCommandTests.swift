import Foundation
import RealBuildSupport
import Testing
import TestSupport

/// `qmailkit matrix` through the binary on the real netqmail-1.06: real patches,
/// real builds (ccache when installed), the real scenarios.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, .enabled(if: RealTree.cached, RealTree.skipReason), privateViews, .serialized)
struct MatrixCommandTests {
    struct Row: Decodable {
        var selection: [String]
        var name: String
        var status: String
        var detail: String
        var scenariosRun: Int
        var scenariosPassed: Int
        var failedScenarios: [String]
        var directory: String
    }

    static func rows(_ result: CLIResult) throws -> [Row] {
        try JSONDecoder().decode([Row].self, from: Data(result.stdout.utf8))
    }

    @Test func everySelectionOfTwoFeaturesPatchesBuildsAndPasses() throws {
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try RealTree.qmailkit(
            ["matrix", "--with", "maxrcpt,liberal-lf", "-j2", "--json", "--work", "work", "-q"], in: scratch)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try Self.rows(result)
        #expect(rows.map(\.name) == ["stock", "liberal-lf", "maxrcpt", "liberal-lf+maxrcpt"])
        for row in rows {
            #expect(row.status == "passed", "\(row.name): \(row.detail)")
            #expect(row.scenariosRun > 100 && row.scenariosPassed == row.scenariosRun, "\(row.name)")
        }
        // Each feature adds its own scenarios and drops the stock ones it changes.
        let counts = Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0.scenariosRun) })
        #expect(counts["liberal-lf"] != counts["stock"])
        #expect(counts["maxrcpt"]! > counts["stock"]!)

        // The builds carry exactly the selected patches.
        let provenance = try String(contentsOfFile: rows[3].directory + "/build/qmailkit-provenance.json", encoding: .utf8)
        #expect(provenance.contains("patches/maxrcpt.patch") && provenance.contains("patches/liberal-lf.patch"))
        #expect(!provenance.contains("patches/auth.patch"))

        // A second run over the same work folder reuses every build.
        let again = try RealTree.qmailkit(["matrix", "--with", "maxrcpt,liberal-lf", "--work", "work", "-q"], in: scratch)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("4 of 4 selections passed"))
        #expect(again.stdout.components(separatedBy: "s* ").count == 5, "\(again.stdout)")
    }

    /// The 2015 defect put back into our maxrcpt patch (the refused recipient is
    /// still added): the maxrcpt selection fails with the scenarios that catch
    /// it, stock still passes, and the exit status is 1.
    @Test func aBrokenPatchFailsItsSelectionAndTheRun() throws {
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let copy = scratch.appendingPathComponent("project")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        for folder in ["recipes", "patches", "scenarios"] {
            try FileManager.default.copyItem(at: RealTree.project.appendingPathComponent(folder),
                                             to: copy.appendingPathComponent(folder))
        }
        let patch = copy.appendingPathComponent("patches/maxrcpt.patch")
        let text = try String(contentsOf: patch, encoding: .utf8)
        let takeBack = "+    rcptto.len -= str_len(addr.s) + 2; /* take back T, address, 0 */\n"
        #expect(text.contains(takeBack))
        try text.replacingOccurrences(of: takeBack, with: "+    /* removed */\n")
            .write(to: patch, atomically: true, encoding: .utf8)

        let result = try CLI.run(["matrix", "--with", "maxrcpt", "--json", "--project", copy.path, "-q"], in: scratch)
        #expect(result.status == 1, "\(result.stderr)")
        let rows = try Self.rows(result)
        #expect(rows.map(\.name) == ["stock", "maxrcpt"])
        #expect(rows.first?.status == "passed")
        let broken = try #require(rows.last)
        #expect(broken.status == "failed")
        #expect(!broken.failedScenarios.isEmpty)
        #expect(broken.failedScenarios.allSatisfy { $0.contains("maxrcpt") || $0.contains("rcpt") }, "\(broken.failedScenarios)")
        // A failing run keeps its temporary work folder and says where.
        #expect(result.stderr.contains("kept the work folder"))
        if let kept = result.stderr.split(separator: "\n").first(where: { $0.contains("kept the work folder") })?
            .split(separator: " ").last {
            try? FileManager.default.removeItem(atPath: String(kept))
        }
    }

    @Test func badInputChangesNothing() throws {
        let scratch = try RealTree.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let unknown = try RealTree.qmailkit(["matrix", "--with", "maxrcpt,nosuch", "-q"], in: scratch)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown feature(s) nosuch"))

        let foreign = scratch.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: foreign.appendingPathComponent("notes.txt"))
        let refused = try RealTree.qmailkit(["matrix", "--with", "maxrcpt", "--work", "mine", "-q"], in: scratch)
        #expect(refused.status == 5)
        #expect(refused.stderr.contains("was not made by 'qmailkit matrix'"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: foreign.path) == ["notes.txt"])
    }
}
