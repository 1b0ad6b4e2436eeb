import Foundation
import Synchronization
import RealBuildSupport

/// A C program of ours, compiled and linked with a sandbox build's own `compile`
/// and `load` scripts (so with its compiler and flags) against some of the build's
/// objects, once per build and process.
final class CDriver: Sendable {
    let name: String
    let source: String
    /// The build's objects and libraries it links with.
    let linkedObjects: [String]
    /// A build file (e.g. `conf-ssl`) whose words are added to the link.
    let loadFlagsFile: String?
    private let executables = Mutex<[String: Result<URL, any Error>]>([:])

    init(name: String, source: String, linkedObjects: [String], loadFlagsFile: String? = nil) {
        self.name = name
        self.source = source
        self.linkedObjects = linkedObjects
        self.loadFlagsFile = loadFlagsFile
    }

    /// The program linked against `build`'s objects.
    func executable(for build: PatchedBuild) throws -> URL {
        try executables.withLock { made in
            let key = build.buildDirectory.path
            if made[key] == nil { made[key] = Result { try compile(build) } }
            return try made[key]!.get()
        }
    }

    private func compile(_ build: PatchedBuild) throws -> URL {
        let main = try Scratch.directory(name).appendingPathComponent(name)
        try Scratch.write(source, to: main.appendingPathExtension("c"))
        let sources = build.buildDirectory
        let flags = try loadFlagsFile.map {
            try String(contentsOf: sources.appendingPathComponent($0), encoding: .utf8)
                .split(whereSeparator: \.isWhitespace).map(String.init)
        } ?? []
        let steps = [
            [sources.appendingPathComponent("compile").path, "-I", sources.path,
             "-o", main.appendingPathExtension("o").path, main.appendingPathExtension("c").path],
            [sources.appendingPathComponent("load").path, main.path]
                + linkedObjects.map { sources.appendingPathComponent($0).path } + flags,
        ]
        for step in steps {
            let result = try ProgramRun.run(step, timeout: 120)
            guard result.status == 0 else {
                throw HarnessError("cannot build \(name): \(step.joined(separator: " ")): \(result.errorOutput)")
            }
        }
        return main
    }
}
