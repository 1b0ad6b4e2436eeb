import Foundation

/// A private folder under the system temporary directory for one benchmark
/// process; everything the benchmarks write goes inside it and is removed at exit.
struct ScratchSpace {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("qmailkit-benchmarks-\(getpid())", isDirectory: true)
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// A new empty folder named `name` inside the scratch space.
    func fresh(_ name: String) throws -> URL {
        let directory = root.appendingPathComponent(name, isDirectory: true)
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func remove(_ directory: URL) throws {
        try FileManager.default.removeItem(at: directory)
    }

    /// Removes the whole scratch space.
    func removeAll() {
        try? FileManager.default.removeItem(at: root)
    }
}
