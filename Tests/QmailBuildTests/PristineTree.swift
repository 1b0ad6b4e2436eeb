import Foundation
import TestSupport

/// The project's cached copy of the netqmail-1.06 tarball.
enum PristineTarball {
    static let path = FileManager.default.homeDirectoryForCurrentUser
        .appendingPathComponent(".cache/qmailkit/sources/netqmail-1.06.tar.gz").path

    static var available: Bool { FileManager.default.fileExists(atPath: path) }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
}

/// A fresh temporary directory for one test's files.
func scratchDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("qmailkit-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Unpacks the cached netqmail-1.06 tarball into a new temporary directory and
/// returns the `netqmail-1.06` tree inside it.

func pristineTreeForTests() throws -> URL {
    let scratch = try scratchDirectory("pristine")
    try Baseline.untar(URL(fileURLWithPath: PristineTarball.path), into: scratch)
    return scratch.appendingPathComponent("netqmail-1.06")
}

/// A fresh pristine tree (see `pristineTreeForTests()`) with `file` rewritten by `edit`.
func pristineTreeForTests(editing file: String, _ edit: (String) -> String) throws -> URL {
    let tree = try pristineTreeForTests()
    let url = tree.appendingPathComponent(file)
    try Data(edit(try String(contentsOf: url, encoding: .utf8)).utf8).write(to: url)
    return tree
}
