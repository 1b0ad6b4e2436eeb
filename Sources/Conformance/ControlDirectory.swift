import Foundation

/// Writes a scenario's control files into a qmail home's `control/`.
enum ControlDirectory {
    /// Creates `directory` if needed, removes every file (or folder) in
    /// `ScenarioBase.knownControls` and `files`, then writes `files`.
    static func write(_ files: [String: ControlFile], into directory: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in Set(ScenarioBase.knownControls).union(files.keys) {
            let path = directory.appendingPathComponent(name)
            if manager.fileExists(atPath: path.path) { try manager.removeItem(at: path) }
        }
        for (name, file) in files {
            let path = directory.appendingPathComponent(name)
            // tlshosts/127.0.0.1.pem and the like: one folder level.
            let makeFolder = { try manager.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true) }
            switch file {
            case .contents(let bytes):
                try makeFolder()
                try Data(bytes).write(to: path)
            case .directory: try manager.createDirectory(at: path, withIntermediateDirectories: false)
            case .certificate(let item):
                try makeFolder()
                try Data(try SuitePKI.pem(item)).write(to: path)
            case .absent: break
            }
        }
    }
}
