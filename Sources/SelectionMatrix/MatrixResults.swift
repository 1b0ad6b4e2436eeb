import Conformance
import Foundation

/// The results folder of one `qmailkit matrix` run (`--results DIR`): for
/// each selection `<selection>.xml` (JUnit) and `<selection>.json` (its
/// `MatrixRecord`), written as the selection finishes, and `matrix-run.json`,
/// which names the whole list the run was taken from and the selections it
/// took. `MatrixMerge` joins such folders from several shards.
public struct MatrixResults: Sendable {
    public static let manifestName = "matrix-run.json"

    /// `matrix-run.json`.
    public struct Manifest: Codable, Sendable, Equatable {
        public var format: Int
        /// Every selection of the matrix, in list order (`matrix --list`).
        public var selections: [String]
        /// The ones this run took (`--only`, `--shard`), in list order.
        public var ran: [String]

        public static let currentFormat = 1

        public init(selections: [String], ran: [String]) {
            format = Self.currentFormat
            self.selections = selections
            self.ran = ran
        }
    }

    public let folder: URL

    /// What is wrong with a results folder; `isLocal` for trouble writing one
    /// (exit 5), otherwise the folder's content is bad (exit 2).
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
        public var isLocal = false
    }

    /// Starts a results folder: `folder` must be missing, empty, or the
    /// results folder of an earlier run, whose files are removed first.
    public init(folder: URL, manifest: Manifest) throws(Problem) {
        self.folder = folder
        let manager = FileManager.default
        let manifestFile = folder.appendingPathComponent(Self.manifestName)
        do {
            if manager.fileExists(atPath: folder.path) {
                let entries = try manager.contentsOfDirectory(atPath: folder.path)
                if !entries.isEmpty && !entries.contains(Self.manifestName) {
                    throw Problem(description: "\(folder.path) exists and is not a results folder of 'qmailkit matrix'; name a new or empty folder",
                                  isLocal: true)
                }
                for entry in entries where entry.hasSuffix(".json") || entry.hasSuffix(".xml") {
                    try manager.removeItem(at: folder.appendingPathComponent(entry))
                }
            }
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            try Self.encoded(manifest).write(to: manifestFile, options: .atomic)
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(description: "cannot write the results to \(folder.path): \(error.localizedDescription)", isLocal: true)
        }
    }

    /// Writes the selection's JUnit file, then its record (the record last:
    /// a record on disk means both files are complete).
    public func write(_ row: MatrixRow) throws(Problem) {
        do {
            try Data(MatrixReport.junit(row).utf8).write(to: Self.junitFile(row.name, in: folder), options: .atomic)
            try Self.encoded(MatrixRecord(row)).write(to: Self.recordFile(row.name, in: folder), options: .atomic)
        } catch {
            throw Problem(description: "cannot write the results of \(row.name) to \(folder.path): \(error.localizedDescription)",
                          isLocal: true)
        }
    }

    static func junitFile(_ name: String, in folder: URL) -> URL { folder.appendingPathComponent(name + ".xml") }
    static func recordFile(_ name: String, in folder: URL) -> URL { folder.appendingPathComponent(name + ".json") }

    private static func encoded<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }
}

/// `qmailkit matrix --merge DIR...`: the results folders of the shards of
/// one matrix joined into the records of the whole run, in list order.
/// Every folder is checked: its manifest, and for each selection it took a
/// record that holds together and a JUnit file that is complete and agrees
/// with it. A selection in two folders, folders of different matrices, or a
/// selection of the list in none of them is refused.
public enum MatrixMerge {
    public static func merge(_ folders: [URL]) throws(MatrixResults.Problem) -> [MatrixRecord] {
        var list: (folder: URL, selections: [String])?
        var records: [String: (folder: URL, record: MatrixRecord)] = [:]
        for folder in folders {
            let manifest = try readManifest(folder)
            if let list, list.selections != manifest.selections {
                throw MatrixResults.Problem(description: "\(folder.path) is from another matrix: its \(MatrixResults.manifestName) lists "
                    + "\(manifest.selections.count) selections that differ from those of \(list.folder.path) (\(list.selections.count))")
            }
            list = list ?? (folder, manifest.selections)
            for name in manifest.ran {
                guard manifest.selections.contains(name) else {
                    throw MatrixResults.Problem(description: "\(folder.appendingPathComponent(MatrixResults.manifestName).path): ran '\(name)', which is not in its list of selections")
                }
                if let earlier = records[name] {
                    throw MatrixResults.Problem(description: "selection \(name) has results in both \(earlier.folder.path) and \(folder.path); each selection belongs to one shard")
                }
                let record = try readSelection(name, in: folder)
                records[name] = (folder, record)
            }
        }
        guard let list else { throw MatrixResults.Problem(description: "no results folders to merge") }
        let missing = list.selections.filter { records[$0] == nil }
        guard missing.isEmpty else {
            throw MatrixResults.Problem(description: "no results for \(missing.count) of \(list.selections.count) selection(s): "
                + missing.joined(separator: " ") + " (merge every shard's folder)")
        }
        return list.selections.compactMap { records[$0]?.record }
    }

    private static func readManifest(_ folder: URL) throws(MatrixResults.Problem) -> MatrixResults.Manifest {
        let file = folder.appendingPathComponent(MatrixResults.manifestName)
        let manifest: MatrixResults.Manifest = try decode(file, what: "a results folder of 'qmailkit matrix' has")
        guard manifest.format == MatrixResults.Manifest.currentFormat else {
            throw MatrixResults.Problem(description: "\(file.path): format \(manifest.format), this qmailkit reads format \(MatrixResults.Manifest.currentFormat)")
        }
        return manifest
    }

    private static func readSelection(_ name: String, in folder: URL) throws(MatrixResults.Problem) -> MatrixRecord {
        let recordFile = MatrixResults.recordFile(name, in: folder)
        let record: MatrixRecord = try decode(recordFile, what: "its \(MatrixResults.manifestName) says the run took \(name), so it must have")
        if record.name != name {
            throw MatrixResults.Problem(description: "\(recordFile.path): holds selection '\(record.name)', not \(name)")
        }
        if let inconsistency = record.inconsistency {
            throw MatrixResults.Problem(description: "\(recordFile.path): \(inconsistency)")
        }
        let junitFile = MatrixResults.junitFile(name, in: folder)
        guard let data = FileManager.default.contents(atPath: junitFile.path) else {
            throw MatrixResults.Problem(description: "\(junitFile.path): missing (the JUnit file of \(name))")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard text.hasPrefix("<?xml"), text.contains(JUnit.suiteOpening(name)), text.hasSuffix("</testsuites>\n") else {
            throw MatrixResults.Problem(description: "\(junitFile.path): not a complete JUnit file with the suite \(name)")
        }
        if text.contains("<failure ") == (record.status == .passed) {
            throw MatrixResults.Problem(description: "\(junitFile.path): "
                + (record.status == .passed ? "has failures, but" : "has no failure, but") + " \(recordFile.lastPathComponent) says \(record.status.rawValue)")
        }
        return record
    }

    private static func decode<T: Decodable>(_ file: URL, what: String) throws(MatrixResults.Problem) -> T {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw MatrixResults.Problem(description: "\(file.path): missing (\(what) it)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw MatrixResults.Problem(description: "\(file.path): not valid: \(describe(error))")
        }
    }

    /// A decoding error in one line: the key path and what was wrong.
    private static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case let .keyNotFound(key, context):
            return "no '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "'\(path)': ") + context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
