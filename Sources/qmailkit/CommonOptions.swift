import ArgumentParser
import Console
import Foundation
import Recipes
import SourceFetch

/// Options every command shares: where the project and the cache are, and how chatty to be.
struct CommonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder holding recipes/ and patches/.",
                               discussion: "Default: the nearest parent of the working directory that has recipes/sources, else $QMAILKIT_PROJECT.",
                               valueName: "dir"))
    var project: String?

    @Option(help: ArgumentHelp("Cache folder for verified downloads.",
                               discussion: "Default: $XDG_CACHE_HOME/qmailkit, else ~/.cache/qmailkit.", valueName: "dir"))
    var cache: String?

    @Option(help: ArgumentHelp("Take the base tarball from this local copy instead of the cache or the mirrors (verified the same way, then cached).",
                               valueName: "file"))
    var from: String?

    @Flag(name: .shortAndLong, help: "Print no progress, only results and errors.")
    var quiet = false

    var workingDirectory: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }

    func loadProject() throws -> Project {
        let builtFrom = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return try Project.locate(explicit: project, environment: ProcessInfo.processInfo.environment,
                                  workingDirectory: workingDirectory, builtFrom: builtFrom)
    }

    func sourceCache() throws -> SourceCache {
        if let cache {
            return SourceCache(root: URL(fileURLWithPath: cache, relativeTo: workingDirectory).standardizedFileURL)
        }
        return try SourceCache(environment: ProcessInfo.processInfo.environment)
    }

    func progress() -> ProgressReporter {
        ProgressReporter.automatic(quiet: quiet)
    }

    func path(_ text: String) -> URL {
        URL(fileURLWithPath: text, relativeTo: workingDirectory).standardizedFileURL
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
