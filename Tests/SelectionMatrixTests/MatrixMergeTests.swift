import Foundation
@testable import SelectionMatrix
import Testing
import TestSupport

/// Results folders written by `MatrixResults` and joined by `MatrixMerge`,
/// with rows made here (the scenarios' side is covered through the binary in
/// CLITests).
@Suite struct MatrixMergeTests {
    static let list = ["stock", "a", "b", "a+b"]

    static func row(_ name: String, conflict: Bool = false) -> MatrixRow {
        let selection = name == "stock" ? [] : name.split(separator: "+").map(String.init)
        return MatrixRow(selection: selection, status: conflict ? .conflict : .passed,
                         detail: conflict ? "b collides with a in main.c" : "", scenariosRun: conflict ? 0 : 3,
                         scenariosPassed: conflict ? 0 : 3, results: [], skipped: [], patchSeconds: 0.1, buildSeconds: 1,
                         verifySeconds: 0.5, buildReused: false, directory: URL(fileURLWithPath: "/work/\(name)"))
    }

    /// Two shards' folders as `matrix --shard 1/2` and `2/2` write them.
    static func shards(in root: URL, conflicting: Set<String> = []) throws -> [URL] {
        try [["stock", "b"], ["a", "a+b"]].enumerated().map { index, names in
            let folder = root.appendingPathComponent("shard-\(index + 1)")
            let results = try MatrixResults(folder: folder, manifest: .init(selections: list, ran: names))
            for name in names { try results.write(row(name, conflict: conflicting.contains(name))) }
            return folder
        }
    }

    static func problem(_ folders: [URL]) -> String? {
        do {
            _ = try MatrixMerge.merge(folders)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func shardsMergeInListOrder() throws {
        let root = try ScratchDirectory.make("merge")
        defer { try? FileManager.default.removeItem(at: root) }
        let folders = try Self.shards(in: root, conflicting: ["a+b"])
        let records = try MatrixMerge.merge(folders.reversed())
        #expect(records.map(\.name) == Self.list)
        #expect(records.map(\.status) == [.passed, .passed, .passed, .conflict])
        #expect(records == Self.list.map { MatrixRecord(Self.row($0, conflict: $0 == "a+b")) })
        let junit = try String(contentsOf: folders[1].appendingPathComponent("a+b.xml"), encoding: .utf8)
        #expect(junit.contains("<testsuite name=\"a+b\" tests=\"1\" failures=\"1\""))
        #expect(junit.contains("<testcase classname=\"matrix\" name=\"patch\" time=\"0.100\">\n      <failure message=\"b collides with a in main.c\">"))
        let passed = try String(contentsOf: folders[0].appendingPathComponent("stock.xml"), encoding: .utf8)
        #expect(passed.contains("<testcase classname=\"matrix\" name=\"build\" time=\"1.000\"/>"))
    }

    @Test func aMissingShardADuplicateOrAnotherMatrixIsRefused() throws {
        let root = try ScratchDirectory.make("merge")
        defer { try? FileManager.default.removeItem(at: root) }
        let folders = try Self.shards(in: root)
        #expect(Self.problem([folders[0]]) == "no results for 2 of 4 selection(s): a a+b (merge every shard's folder)")
        #expect(Self.problem([folders[0], folders[1], folders[0]])
                == "selection stock has results in both \(folders[0].path) and \(folders[0].path); each selection belongs to one shard")
        let other = root.appendingPathComponent("other")
        let results = try MatrixResults(folder: other, manifest: .init(selections: ["stock", "a"], ran: ["stock"]))
        try results.write(Self.row("stock"))
        #expect(Self.problem([folders[0], other])?.hasPrefix("\(other.path) is from another matrix") == true)
        #expect(Self.problem([root.appendingPathComponent("nothing")])
                == "\(root.path)/nothing/matrix-run.json: missing (a results folder of 'qmailkit matrix' has it)")
    }

    @Test func aMissingOrCorruptFileIsNamed() throws {
        let root = try ScratchDirectory.make("merge")
        defer { try? FileManager.default.removeItem(at: root) }
        let folders = try Self.shards(in: root)
        let record = folders[1].appendingPathComponent("a.json")
        let text = try String(contentsOf: record, encoding: .utf8)

        try Data(text.replacingOccurrences(of: "\"passed\"", with: "\"fine\"").utf8).write(to: record)
        #expect(Self.problem(folders)?.hasPrefix("\(record.path): not valid: 'status': ") == true)
        try Data(text.prefix(40).utf8).write(to: record)
        #expect(Self.problem(folders)?.hasPrefix("\(record.path): not valid: ") == true)
        try Data(text.replacingOccurrences(of: "\"scenariosPassed\" : 3", with: "\"scenariosPassed\" : 4").utf8).write(to: record)
        #expect(Self.problem(folders) == "\(record.path): 4 of 3 scenarios passed")
        try FileManager.default.removeItem(at: record)
        #expect(Self.problem(folders) == "\(record.path): missing (its matrix-run.json says the run took a, so it must have it)")
        try Data(text.utf8).write(to: record)
        #expect(Self.problem(folders) == nil)

        let junit = folders[1].appendingPathComponent("a.xml")
        let xml = try String(contentsOf: junit, encoding: .utf8)
        try Data(xml.dropLast(20).utf8).write(to: junit)
        #expect(Self.problem(folders) == "\(junit.path): not a complete JUnit file with the suite a")
        try Data(xml.replacingOccurrences(of: "name=\"build\" time=\"1.000\"/>", with: "name=\"build\" time=\"1.000\"><failure message=\"x\">x</failure></testcase>").utf8).write(to: junit)
        #expect(Self.problem(folders) == "\(junit.path): has failures, but a.json says passed")
        try FileManager.default.removeItem(at: junit)
        #expect(Self.problem(folders) == "\(junit.path): missing (the JUnit file of a)")
    }

    @Test func aResultsFolderIsOnlyWrittenWhereItMayBe() throws {
        let root = try ScratchDirectory.make("merge")
        defer { try? FileManager.default.removeItem(at: root) }
        let foreign = root.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: foreign.appendingPathComponent("notes.json"))
        #expect {
            try MatrixResults(folder: foreign, manifest: .init(selections: Self.list, ran: Self.list))
        } throws: { error in
            (error as? MatrixResults.Problem)?.isLocal == true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: foreign.path) == ["notes.json"])
        // An earlier results folder is replaced: its old selection files go.
        let folders = try Self.shards(in: root)
        _ = try MatrixResults(folder: folders[0], manifest: .init(selections: Self.list, ran: ["a"]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders[0].path) == ["matrix-run.json"])
    }
}
