import Foundation

/// File operations with errors that name the path and the operation.
enum FileSystem {
    static func createDirectory(_ url: URL) throws(BuildError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(operation: "create the directory", path: url.path, reason: error.localizedDescription)
        }
    }

    /// Removes `url` if it exists.
    static func remove(_ url: URL) throws(BuildError) {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw .fileSystem(operation: "remove", path: url.path, reason: error.localizedDescription)
        }
    }

    static func write(_ data: Data, to url: URL) throws(BuildError) {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .fileSystem(operation: "write", path: url.path, reason: error.localizedDescription)
        }
    }

    /// Creates (or truncates) a file and opens it for writing.
    static func createFile(_ url: URL) throws(BuildError) -> FileHandle {
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: url.path) else {
            throw .fileSystem(operation: "create", path: url.path, reason: "permission denied or no such directory")
        }
        return handle
    }

    /// Copies every entry of `source` into the existing directory `destination`.
    static func copyContents(of source: URL, to destination: URL, skipping skipped: Set<String>) throws(BuildError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: source.path)
        } catch {
            throw .fileSystem(operation: "list", path: source.path, reason: error.localizedDescription)
        }
        for name in names.sorted() where !skipped.contains(name) {
            let from = source.appendingPathComponent(name)
            let to = destination.appendingPathComponent(name)
            try copy(from, to: to)
            try copyModificationDates(from: from, to: to)
        }
    }

    /// Gives every copied entry its original modification time, so make sees the
    /// same up-to-date relations as in the source tree.
    private static func copyModificationDates(from source: URL, to destination: URL) throws(BuildError) {
        let manager = FileManager.default
        let below = (try? manager.subpathsOfDirectory(atPath: source.path)) ?? []
        for relative in [""] + below {
            let from = relative.isEmpty ? source.path : source.path + "/" + relative
            let to = relative.isEmpty ? destination.path : destination.path + "/" + relative
            guard let attributes = try? manager.attributesOfItem(atPath: from),
                  attributes[.type] as? FileAttributeType != .typeSymbolicLink,
                  let date = attributes[.modificationDate] as? Date else { continue }
            do {
                try manager.setAttributes([.modificationDate: date], ofItemAtPath: to)
            } catch {
                throw .fileSystem(operation: "set the modification time of", path: to, reason: error.localizedDescription)
            }
        }
    }

    /// Copies `source` to `destination`, replacing what is there.
    static func replaceCopy(_ source: URL, to destination: URL) throws(BuildError) {
        try remove(destination)
        try copy(source, to: destination)
    }

    private static func copy(_ source: URL, to destination: URL) throws(BuildError) {
        do {
            try FileManager.default.copyItem(at: source, to: destination)
        } catch {
            throw .fileSystem(operation: "copy \(source.path) to", path: destination.path, reason: error.localizedDescription)
        }
    }
}
