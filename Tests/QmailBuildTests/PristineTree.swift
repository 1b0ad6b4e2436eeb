import Foundation

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
///
/// Uses the system `tar` for now; the project's own unpacker can replace it here.
func pristineTreeForTests() throws -> URL {
    let scratch = try scratchDirectory("pristine")
    let tar = Process()
    tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    tar.arguments = ["tar", "-xzf", PristineTarball.path, "-C", scratch.path]
    try tar.run()
    tar.waitUntilExit()
    guard tar.terminationStatus == 0 else {
        throw TestSetupError(description: "tar -xzf \(PristineTarball.path) failed with status \(tar.terminationStatus)")
    }
    return scratch.appendingPathComponent("netqmail-1.06")
}
