import ArgumentParser
import Foundation

/// `--scenarios`: where the conformance scenarios are read from.
struct ScenarioFolderOption: ParsableArguments {
    @Option(help: ArgumentHelp("Folder of .scn files (default: the project's scenarios/).", valueName: "dir"))
    var scenarios: String?

    /// The folder given (relative to `workingDirectory`), else scenarios/ of the project `root` gives.
    func folder(relativeTo workingDirectory: URL, projectRoot root: () throws -> URL) rethrows -> URL {
        guard let scenarios else { return try root().appendingPathComponent("scenarios") }
        return URL(fileURLWithPath: scenarios, relativeTo: workingDirectory).standardizedFileURL
    }
}
